"""Backing up a synthesis and restoring it: every field of every row comes back, in order.

Restored rows get new ids, so rows are compared by their natural identity: what their unique
constraint says (the list they belong to and their position, a thematic, a RETEX number...),
with every foreign key replaced by the identity of the row it points to.
"""

import copy
import io
import json
import sys
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, models

from etatsgeneraux.exchange import backup
from etatsgeneraux.exchange.fixtures import CONTENT_MODELS
from tests import factories
from workshops.models import (
    Department,
    Irritant,
    ParticipantCategory,
    Region,
    Session,
    Synthesis,
    Thematic,
)

pytestmark = pytest.mark.django_db

REGIONAL = "pays-de-la-loire-2020"
VENDEE = "vendee-2020"
NBSP = "\u00a0"
QUERIES_TO_REPLACE_VENDEE = 195  # 188 measured (16 for the follow-up part); 275 without the batch
HOSTILE = (
    "« Œuvre » : émoji 🎓👩🏽‍🏫, arabe مرحبا بالعالم, hébreu שלום, <script>alert('x')</script>"
    ' & "guillemets" \\ barre\nnouvelle ligne\tet tabulation'
)
LONG = ("Un énoncé très long « ✓ » " * 100)[:2000]


# Snapshots ---------------------------------------------------------------------------------


class Snapshot:
    """Every field of every row of some syntheses, ids replaced by natural identities."""

    def __init__(self):
        self.identities = {}

    def identity(self, obj):
        key = (obj._meta.label, obj.pk)
        if key not in self.identities:
            self.identities[key] = self._identity(obj)
        return self.identities[key]

    def _identity(self, obj):
        label = obj._meta.label
        if isinstance(obj, Synthesis):
            return (label, obj.slug)
        if hasattr(obj, "natural_key"):  # reference data, users
            return (label, *obj.natural_key())
        constraint = next(c for c in obj._meta.constraints if getattr(c, "fields", None))
        return (label, *(self.value(obj, name) for name in constraint.fields))

    def value(self, obj, name):
        field = obj._meta.get_field(name)
        if not field.is_relation:
            return getattr(obj, field.attname)
        pk = getattr(obj, field.attname)
        if pk is None:
            return None
        key = (field.related_model._meta.label, pk)
        if key not in self.identities:
            self.identities[key] = self._identity(getattr(obj, name))
        return self.identities[key]

    def row(self, obj):
        return {
            field.name: self.value(obj, field.name)
            for field in obj._meta.concrete_fields
            if field.name not in ("id", "version")
        }

    def take(self, slugs):
        result = {
            "synthesis": sorted(
                (self.row(s) for s in Synthesis.objects.filter(slug__in=slugs)), key=repr
            )
        }
        for model, path in CONTENT_MODELS:
            rows = model.objects.filter(**{f"{path}__slug__in": slugs})
            result[model._meta.label] = sorted(
                ((self.identity(obj), self.row(obj)) for obj in rows), key=repr
            )
        return result


def snapshot(*slugs):
    return Snapshot().take(slugs)


def counts():
    """How many rows each model holds: what a refused restore must leave as it was."""
    tracked = [Synthesis, get_user_model(), *(model for model, _ in CONTENT_MODELS)]
    return {model._meta.label: model.objects.count() for model in tracked}


def delete(*slugs):
    """Deletes syntheses, annexes first (a regional synthesis with annexes is protected)."""
    for slug in slugs:
        Synthesis.objects.get(slug=slug).delete()
    assert not Synthesis.objects.filter(slug__in=slugs).exists()


def run(*args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# Round trips -------------------------------------------------------------------------------


def test_the_commands_round_trip_the_regional_synthesis_and_its_annex_exactly(demo_data, tmp_path):
    path = tmp_path / "sauvegarde.json"
    out, _ = run("backup_synthesis", REGIONAL, "--with-annexes", output=str(path))
    assert f"«{NBSP}{REGIONAL}{NBSP}»" in out and "387\u00a0énoncés" in out
    before = snapshot(REGIONAL, VENDEE)
    assert len(before["workshops.Irritant"]) > 60 and before["actionplans.Axis"]
    delete(VENDEE, REGIONAL)

    out, _ = run("restore_synthesis", str(path))

    assert snapshot(REGIONAL, VENDEE) == before
    assert f"Synthèse «{NBSP}{REGIONAL}{NBSP}» restaurée (créée)" in out
    assert f"Synthèse «{NBSP}{VENDEE}{NBSP}» restaurée (créée)" in out


def test_a_synthesis_and_its_annex_backed_up_apart_restore_regional_first(demo_data):
    files = {
        slug: backup.dumps(backup.build_backup(Synthesis.objects.get(slug=slug)))
        for slug in (REGIONAL, VENDEE)
    }
    before = snapshot(REGIONAL, VENDEE)
    delete(VENDEE, REGIONAL)

    for slug in (REGIONAL, VENDEE):
        restored = backup.restore(backup.parse(files[slug].encode()))
        assert [item.slug for item in restored] == [slug]

    assert snapshot(REGIONAL, VENDEE) == before
    assert Synthesis.objects.get(slug=VENDEE).parent.slug == REGIONAL


def test_the_backup_keeps_the_dates_and_the_archive_as_they_were(demo_data, tmp_path):
    archivist = factories.UserFactory(username="archiviste")
    vendee = Synthesis.objects.get(slug=VENDEE)
    vendee.archive(archivist)
    created = datetime(2020, 10, 12, 16, 30, 1, 123456, tzinfo=UTC)
    Synthesis.objects.filter(pk=vendee.pk).update(created_at=created)
    path = tmp_path / "vendee.json"
    run("backup_synthesis", VENDEE, output=str(path))
    before = snapshot(VENDEE)
    delete(VENDEE)

    run("restore_synthesis", str(path))

    restored = Synthesis.objects.get(slug=VENDEE)
    assert restored.created_at == created
    assert restored.archived_at == vendee.archived_at and restored.archived_by == archivist
    assert snapshot(VENDEE) == before


def test_a_synthesis_full_of_hostile_text_and_odd_cases_round_trips_exactly(
    reference_data, tmp_path
):
    regional, annex = hostile_syntheses()
    path = tmp_path / "hostile.json"
    run("backup_synthesis", regional.slug, "--with-annexes", output=str(path))
    text = path.read_text(encoding="utf-8")
    assert "🎓👩🏽‍🏫" in text and "مرحبا" in text and "«" in text  # UTF-8 as it is
    assert json.loads(text)["content"]["sections"][0]["position"] == 2
    before = snapshot(regional.slug, annex.slug)
    delete(annex.slug, regional.slug)

    run("restore_synthesis", str(path))

    assert snapshot(regional.slug, annex.slug) == before


def hostile_syntheses():
    """A regional synthesis and its annex, both archived, with every oddity the models allow:
    gaps in positions, a link label, a linked statement with no text of its own, a link to the
    second of two identical statements, an identical statement left unlinked, a link to other
    words, a shared RETEX sheet and a section's sheet with the same number, both cited."""
    region = Region.objects.get(code="bretagne")
    archivist = factories.UserFactory(username="archiviste")
    regional = factories.SynthesisFactory(
        slug="hostile-2020", title=HOSTILE, region=region, status=Synthesis.Status.DRAFT
    )
    session = factories.SessionFactory(
        synthesis=regional,
        position=3,
        title=HOSTILE[:200],
        dates_places=LONG,
        format=Session.Format.BOTH,
        facilitators_note=HOSTILE[:300],
    )
    factories.SessionFactory(synthesis=regional, position=10, title="Deuxième session")
    factories.FacilitatorFactory(session=session, position=2, name=HOSTILE[:200], note="‏RTL‏")
    factories.FacilitatorFactory(session=session, position=7, name="Zoé", role="")
    categories = {c.number: c for c in ParticipantCategory.objects.all()}
    factories.ParticipationFactory(
        session=session, category=categories[1], participants=12, establishments=3, note=HOSTILE
    )
    factories.ParticipationFactory(
        session=session, category=categories[5], ticked=False, participants=None, note=""
    )
    shared = factories.RetexSheetFactory(
        section=None, synthesis=regional, number=1, title=HOSTILE, text=LONG, origin="Académie"
    )
    factories.RetexLinkFactory(
        sheet=shared, position=4, url="https://exemple.fr/chemin?q=%C2%AB&x=1", label=HOSTILE
    )
    factories.RetexLinkFactory(sheet=shared, position=9)
    section = factories.ThematicSectionFactory(
        synthesis=regional, thematic=Thematic.objects.get(number=3), position=5, title="Titre 🎓"
    )
    factories.ThematicSectionFactory(
        synthesis=regional, thematic=Thematic.objects.get(number=1), position=2, title=""
    )
    own = factories.RetexSheetFactory(section=section, synthesis=regional, number=1, title="")
    diagnostic = factories.DiagnosticRowFactory(
        section=section, position=4, thematic_label=HOSTILE[:200], retex_label=LONG
    )
    factories.RetexReferenceFactory(row=diagnostic, sheet=shared)
    factories.RetexReferenceFactory(row=diagnostic, sheet=own)
    first = factories.IrritantFactory(row=diagnostic, position=2, text=LONG, emphasised=True)
    factories.IrritantFactory(row=diagnostic, position=9, text="Même texte")
    second = factories.IrritantFactory(row=diagnostic, position=11, text="Même texte")
    factories.StrengthFactory(row=diagnostic, position=1, text=HOSTILE)
    projection = factories.ProjectionRowFactory(section=section, position=3)
    factories.MainIrritantFactory(row=projection, position=1, source=first, text="")
    factories.MainIrritantFactory(row=projection, position=5, source=second, text="Même texte")
    factories.MainIrritantFactory(row=projection, position=6, source=None, text="Même texte")
    factories.MainIrritantFactory(row=projection, position=8, source=first, text="Autres mots")
    lever = factories.LeverFactory(row=projection, position=2, text=HOSTILE, emphasised=True)
    factories.NeedFactory(row=projection, position=4, text="🎓")
    plan = factories.ActionPlanRowFactory(
        section=section, position=6, horizon="long", thematic_label="<b>gras</b>"
    )
    factories.AxisFactory(row=plan, position=3, source=lever, text="")
    factories.AxisFactory(row=plan, position=4, text=HOSTILE)
    for number, make in enumerate(
        (
            factories.ActionFactory,
            factories.ActorFactory,
            factories.TimingFactory,
            factories.IndicatorFactory,
        )
    ):
        make(row=plan, position=number + 7, text=LONG, emphasised=bool(number % 2))
    factories.FlagshipProposalFactory(
        synthesis=regional,
        position=2,
        title=HOSTILE[:300],
        summary=LONG,
        establishments="12 « environ »",
        pupils="300",
        parents="—",
        teachers="٤٥",
        territory=HOSTILE[:300],
        referent="<script>",
        means_financial=LONG,
        means_human="",
        means_legal=HOSTILE,
        difficulties=LONG,
        sustainability_needs=HOSTILE,
        effort="fort",
        time_needed="court",
    )
    annex = factories.SynthesisFactory(
        slug="hostile-29",
        title="Annexe « Finistère »",
        region=region,
        department=Department.objects.get(code="29"),
        parent=regional,
    )
    factories.IrritantFactory(
        row__section__synthesis=annex, row__section__thematic=Thematic.objects.get(number=2)
    )
    annex.archive(archivist)
    regional.archive(archivist)
    Synthesis.objects.filter(pk=regional.pk).update(
        created_at=datetime(2020, 11, 2, 8, 0, 0, 1, tzinfo=UTC),
        updated_at=datetime(2021, 1, 3, 23, 59, 59, 999999, tzinfo=UTC),
    )
    return Synthesis.objects.get(pk=regional.pk), annex


# Onto an existing synthesis -----------------------------------------------------------------


@pytest.fixture
def vendee_backup(demo_data, tmp_path):
    path = tmp_path / "vendee.json"
    run("backup_synthesis", VENDEE, output=str(path))
    return path


def change_vendee():
    """Edits made after the backup: a title, a statement, a removed section, an archive."""
    vendee = Synthesis.objects.get(slug=VENDEE)
    Synthesis.objects.filter(pk=vendee.pk).update(title="Titre changé")
    irritant = factories.IrritantFactory._meta.model.objects.filter(
        row__section__synthesis=vendee
    ).first()
    irritant.text = "Modifié après la sauvegarde"
    irritant.save()
    vendee.sections.order_by("position").last().delete()
    factories.FlagshipProposalFactory(synthesis=vendee, title="Ajoutée après la sauvegarde")
    vendee.archive(factories.UserFactory())


def test_restoring_onto_an_existing_synthesis_is_refused_without_replace(vendee_backup):
    change_vendee()
    before, rows = snapshot(VENDEE), counts()

    with pytest.raises(CommandError) as refused:
        run("restore_synthesis", str(vendee_backup))

    message = str(refused.value)
    assert "rien n’a été écrit" in message and f"«{NBSP}{VENDEE}{NBSP}» existe déjà" in message
    assert "--replace" in message
    assert snapshot(VENDEE) == before and counts() == rows


def test_replace_puts_back_the_backed_up_synthesis_in_the_same_row(vendee_backup):
    original = snapshot(VENDEE)
    vendee_pk = Synthesis.objects.get(slug=VENDEE).pk
    change_vendee()
    assert snapshot(VENDEE) != original

    out, _ = run("restore_synthesis", str(vendee_backup), "--replace")

    assert "restaurée (à la place de l’existante)" in out
    assert Synthesis.objects.get(slug=VENDEE).pk == vendee_pk
    assert snapshot(VENDEE) == original


def test_replace_keeps_the_replaced_content_in_the_history_in_a_few_queries(
    vendee_backup, django_assert_max_num_queries
):
    vendee = Synthesis.objects.get(slug=VENDEE)
    irritants = Irritant.objects.filter(row__section__synthesis=vendee)
    replaced = set(irritants.values_list("pk", flat=True))

    # One INSERT per history table, not one per deleted object (about 90 of them).
    with django_assert_max_num_queries(QUERIES_TO_REPLACE_VENDEE):
        run("restore_synthesis", str(vendee_backup), "--replace")

    deleted = Irritant.history.filter(history_type="-", history_synthesis_id=vendee.pk)
    assert set(deleted.values_list("id", flat=True)) == replaced
    assert Irritant.history.filter(history_type="+", history_synthesis_id=vendee.pk).count() == len(
        replaced
    )


def test_replace_keeps_the_annexes_of_a_regional_synthesis_attached(demo_data, tmp_path):
    path = tmp_path / "regionale.json"
    run("backup_synthesis", REGIONAL, output=str(path))
    before = snapshot(REGIONAL, VENDEE)
    Synthesis.objects.filter(slug=REGIONAL).update(title="Autre titre")

    run("restore_synthesis", str(path), "--replace")

    assert snapshot(REGIONAL, VENDEE) == before


# The archive rules ------------------------------------------------------------------------

ARCHIVED_AT = "2021-03-01T09:00:00+00:00"


def archive(*slugs):
    for slug in slugs:
        Synthesis.objects.get(slug=slug).archive(None)


def unarchive(*slugs):
    for slug in slugs:
        Synthesis.objects.get(slug=slug).unarchive()


def assert_refused(path, expected, *options):
    """The restore is refused with `expected` in its message, and nothing is written."""
    slugs = sorted(
        Synthesis.objects.filter(slug__in=[REGIONAL, VENDEE]).values_list("slug", flat=True)
    )
    before, rows = snapshot(*slugs), counts()
    archived = dict(Synthesis.objects.values_list("slug", "archived_at"))
    with pytest.raises(CommandError) as refused:
        run("restore_synthesis", str(path), *options)
    message = str(refused.value)
    assert "rien n’a été écrit" in message and expected in message
    assert snapshot(*slugs) == before and counts() == rows
    assert dict(Synthesis.objects.values_list("slug", "archived_at")) == archived


def test_replace_refuses_an_active_annex_under_a_regional_synthesis_archived_since(
    vendee_backup,
):
    archive(VENDEE, REGIONAL)
    assert_refused(
        vendee_backup,
        f"synthesis.archived_at{NBSP}: synthèse active, mais sa synthèse régionale "
        f"«{NBSP}{REGIONAL}{NBSP}» est archivée",
        "--replace",
    )


def test_an_active_annex_is_not_restored_under_an_archived_regional_synthesis(vendee_backup):
    delete(VENDEE)
    archive(REGIONAL)
    assert_refused(vendee_backup, "une annexe ne peut pas être active sous une synthèse régionale")


def test_replace_refuses_to_archive_a_regional_synthesis_whose_annex_is_active_again(
    demo_data, tmp_path
):
    archive(VENDEE, REGIONAL)
    path = tmp_path / "regionale.json"
    run("backup_synthesis", REGIONAL, output=str(path))
    unarchive(REGIONAL, VENDEE)
    assert_refused(
        path,
        f"synthesis.archived_at{NBSP}: synthèse archivée dans la sauvegarde, mais son annexe "
        f"«{NBSP}{VENDEE}{NBSP}» est active{NBSP}: une synthèse régionale ne peut pas être "
        "archivée avec des annexes actives. Archivez-la d’abord.",
        "--replace",
    )


def test_a_file_with_an_active_annex_under_its_archived_regional_synthesis_is_refused(
    emptied, tmp_path
):
    emptied["synthesis"]["archived_at"] = ARCHIVED_AT
    path = tmp_path / "sauvegarde.json"
    path.write_text(backup.dumps(emptied))
    assert_refused(path, f"annexes[1].synthesis.archived_at{NBSP}: synthèse active")


def test_the_annexes_of_the_file_count_as_the_file_archives_them(demo_data, tmp_path):
    archive(VENDEE, REGIONAL)
    path = tmp_path / "sauvegarde.json"
    run("backup_synthesis", REGIONAL, "--with-annexes", output=str(path))
    unarchive(REGIONAL, VENDEE)

    run("restore_synthesis", str(path), "--replace")

    assert Synthesis.objects.get(slug=REGIONAL).is_archived
    assert Synthesis.objects.get(slug=VENDEE).is_archived


# Refused files: nothing written -------------------------------------------------------------


@pytest.fixture
def emptied(demo_data):
    """The regional synthesis and its annex as a backup, and a database without them."""
    data = backup.build_backup(Synthesis.objects.get(slug=REGIONAL), with_annexes=True)
    delete(VENDEE, REGIONAL)
    return data


def first_row(data, stage="diagnostic"):
    return data["content"]["sections"][0][stage][0]


def edit(change):
    def apply(data):
        change(data)
        return backup.dumps(data).encode()

    return apply


def raw(content):
    return lambda data: content


CORRUPTIONS = {
    "fichier vide": (raw(b""), "Le fichier est vide"),
    "blancs seulement": (raw(b"  \n\t\n"), "Le fichier est vide"),
    "fichier binaire": (raw(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "Le fichier est binaire"),
    "pas en UTF-8": (raw('{"format": "é"}'.encode("latin-1")), "n’est pas en UTF-8"),
    "JSON tronqué": (
        lambda data: backup.dumps(data)[:5000].encode(),
        "JSON invalide, ligne",
    ),
    "virgule en trop": (raw(b'{\n  "format": "x",\n}'), "ligne 3, colonne 1"),
    "clé en double": (raw(b'{"format": 1, "format": 2}'), "figure deux fois"),
    "NaN": (raw(b'{"format": NaN}'), "NaN n’est pas un nombre"),
    "liste au lieu d’objet": (raw(b"[1, 2]"), "objet JSON attendu"),
    "autre format": (
        edit(lambda d: d.update(format="autre.chose")),
        "pas une sauvegarde de synthèse",
    ),
    "version future": (edit(lambda d: d.update(version=2)), "lit la version 1"),
    "clé manquante": (
        edit(lambda d: first_row(d).pop("irritants")),
        "content.sections[1].diagnostic[1].irritants\u00a0: clé manquante",
    ),
    "clé inconnue": (
        edit(lambda d: d["synthesis"].update(couleur="bleu")),
        "synthesis.couleur\u00a0: clé inconnue",
    ),
    "région inconnue": (
        edit(lambda d: d["synthesis"].update(region="atlantide")),
        "région académique «\u00a0atlantide\u00a0» inconnue",
    ),
    "département inconnu": (
        edit(lambda d: d["annexes"][0]["synthesis"].update(department="999")),
        "département «\u00a0999\u00a0» inconnu",
    ),
    "département d’une autre région": (
        edit(lambda d: d["annexes"][0]["synthesis"].update(department="29")),
        "n'appartient pas à la région choisie",
    ),
    "parente inconnue": (
        edit(lambda d: d["synthesis"].update(parent="nulle-part", department="44")),
        "synthèse parente «\u00a0nulle-part\u00a0» introuvable",
    ),
    "thématique inconnue": (
        edit(lambda d: d["content"]["sections"][0].update(thematic=42)),
        "thématique n°42 inconnue",
    ),
    "catégorie inconnue": (
        edit(lambda d: d["content"]["sessions"][0]["participations"][0].update(category=12)),
        "catégorie de participants n°12 inconnue",
    ),
    "énoncé trop long": (
        edit(lambda d: first_row(d)["irritants"][0].update(text="x" * 2001)),
        "au plus 2000 caractères (actuellement 2001)",
    ),
    "titre trop long": (
        edit(lambda d: d["synthesis"].update(title="t" * 301)),
        "synthesis.title\u00a0: Assurez-vous que cette valeur comporte au plus 300",
    ),
    "énoncé au sens d’écriture inversé": (
        edit(lambda d: first_row(d)["irritants"][0].update(text="abc\u202edef")),
        "caractère de contrôle invisible qui change le sens d’écriture (U+202E)",
    ),
    "énoncé vide": (
        edit(lambda d: first_row(d)["irritants"][0].update(text="")),
        "ne peut pas être vide",
    ),
    "statut inconnu": (edit(lambda d: d["synthesis"].update(status="perdu")), "choix valide"),
    "position en double": (
        edit(lambda d: first_row(d)["irritants"][1].update(position=1)),
        "irritants\u00a0: position 1 en double",
    ),
    "thématique en double": (
        edit(
            lambda d: d["content"]["sections"][1].update(
                thematic=d["content"]["sections"][0]["thematic"]
            )
        ),
        "en double",
    ),
    "position en texte": (
        edit(lambda d: first_row(d).update(position="1")),
        "diagnostic[1].position\u00a0: un nombre entier est attendu",
    ),
    "date invalide": (
        edit(lambda d: d["synthesis"].update(created_at="hier")),
        "date ISO 8601 avec fuseau attendue",
    ),
    "lien vers un énoncé absent": (
        edit(
            lambda d: first_row(d, "projections")["main_irritants"][0].update(
                source={"row": 99, "position": 1}
            )
        ),
        "aucun énoncé en position 1 de la ligne en position 99",
    ),
    "fiche RETEX absente": (
        edit(lambda d: first_row(d)["retex"].append(99)),
        "aucune fiche RETEX n°99",
    ),
    "annexe d’une autre synthèse": (
        edit(lambda d: d["annexes"][0]["synthesis"].update(parent="ailleurs")),
        "a pour parente la synthèse sauvegardée",
    ),
}


@pytest.mark.parametrize("case", CORRUPTIONS)
def test_a_corrupt_backup_is_refused_in_french_and_writes_nothing(emptied, tmp_path, case):
    corrupt, expected = CORRUPTIONS[case]
    path = tmp_path / "sauvegarde.json"
    path.write_bytes(corrupt(copy.deepcopy(emptied)))
    rows = counts()

    with pytest.raises(CommandError) as refused:
        run("restore_synthesis", str(path))

    message = str(refused.value)
    assert message.startswith(f"Sauvegarde «{NBSP}{path}{NBSP}» refusée, rien n’a été écrit")
    assert expected in message
    assert counts() == rows


def test_a_corrupt_backup_with_replace_leaves_the_existing_synthesis_as_it_was(vendee_backup):
    data = json.loads(vendee_backup.read_text())
    data["content"]["sections"][-1]["action_plan"][0]["axes"][0]["text"] = "x" * 2001
    vendee_backup.write_text(json.dumps(data))
    change_vendee()
    before, rows = snapshot(VENDEE), counts()

    with pytest.raises(CommandError, match="au plus 2000 caractères"):
        run("restore_synthesis", str(vendee_backup), "--replace")

    assert snapshot(VENDEE) == before and counts() == rows


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(emptied, tmp_path, monkeypatch):
    path = tmp_path / "enorme.json"
    path.write_text(backup.dumps(emptied))
    monkeypatch.setattr(backup, "MAX_BACKUP_BYTES", 1000)
    rows = counts()
    with pytest.raises(CommandError, match="Le fichier dépasse 1\u00a0Ko"):
        run("restore_synthesis", str(path))
    assert counts() == rows


def test_a_missing_file_or_a_folder_is_refused_in_french(db, tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        run("restore_synthesis", str(tmp_path / "absent.json"))
    with pytest.raises(CommandError, match="est un dossier"):
        run("restore_synthesis", str(tmp_path))


def test_a_failure_while_writing_the_annex_rolls_back_the_regional_synthesis_too(
    emptied, tmp_path, monkeypatch
):
    path = tmp_path / "sauvegarde.json"
    path.write_text(backup.dumps(emptied))
    real = backup.create_synthesis_content
    calls = []

    def fails_on_the_annex(synthesis, document, **options):
        calls.append(synthesis.slug)
        real(synthesis, document, **options)
        if synthesis.slug == VENDEE:
            raise DatabaseError("disque plein")

    monkeypatch.setattr(backup, "create_synthesis_content", fails_on_the_annex)
    rows = counts()
    with pytest.raises(CommandError, match="l’écriture a échoué"):
        run("restore_synthesis", str(path))
    assert calls == [REGIONAL, VENDEE]
    assert counts() == rows


def test_the_backup_is_read_from_standard_input(emptied, monkeypatch):
    stdin = io.TextIOWrapper(io.BytesIO(backup.dumps(emptied).encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    run("restore_synthesis", "-")
    assert Synthesis.objects.filter(slug__in=[REGIONAL, VENDEE]).count() == 2


# Writing the backup -------------------------------------------------------------------------


def test_the_backup_goes_to_standard_output_with_the_summary_apart(demo_data):
    out, err = run("backup_synthesis", VENDEE, output="-")
    data = json.loads(out)
    assert data["format"] == "etatsgeneraux.synthese" and data["version"] == 1
    assert data["synthesis"]["parent"] == REGIONAL and "annexes" not in data
    assert "sur la sortie standard" in err


def test_an_existing_backup_file_is_replaced_whole_and_no_temporary_file_is_left(
    demo_data, tmp_path
):
    path = tmp_path / "vendee.json"
    path.write_text("ancienne sauvegarde")
    run("backup_synthesis", VENDEE, output=str(path))
    assert json.loads(path.read_text())["synthesis"]["slug"] == VENDEE
    assert [file.name for file in tmp_path.iterdir()] == ["vendee.json"]


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            ["inconnue-2020", "--output", "{tmp}/x.json"],
            "Synthèse «\u00a0inconnue-2020\u00a0» introuvable",
        ),
        ([VENDEE, "--output", "{tmp}/absent/x.json"], "le dossier n’existe pas"),
        ([VENDEE, "--output", "{tmp}"], "c’est un dossier"),
        ([VENDEE, "--with-annexes", "--output", "{tmp}/x.json"], "synthèse départementale"),
    ],
)
def test_a_backup_that_cannot_be_written_says_why_in_french(
    demo_data, tmp_path, arguments, expected
):
    arguments = [argument.format(tmp=tmp_path) for argument in arguments]
    with pytest.raises(CommandError) as refused:
        run("backup_synthesis", *arguments)
    assert expected in str(refused.value)
    assert not (tmp_path / "x.json").exists()


def test_a_link_to_another_section_is_refused_rather_than_lost(demo_data):
    vendee = Synthesis.objects.get(slug=VENDEE)
    sections = list(vendee.sections.order_by("position"))
    main = factories.MainIrritantFactory._meta.model.objects.filter(
        row__section=sections[0]
    ).first()
    elsewhere = factories.IrritantFactory._meta.model.objects.filter(
        row__section=sections[1]
    ).first()
    type(main).objects.filter(pk=main.pk).update(source=elsewhere)
    with pytest.raises(CommandError, match="relié à un énoncé d'une autre section"):
        run("backup_synthesis", VENDEE, output="-")


# The whole database, with Django's own commands ---------------------------------------------


def test_the_documented_whole_database_dump_reloads_every_synthesis_with_its_ids(
    demo_data, tmp_path
):
    path = tmp_path / "base.json"
    call_command(
        "dumpdata",
        "--natural-foreign",
        "--exclude=contenttypes",
        "--exclude=auth.permission",
        "--exclude=sessions",
        "--indent=2",
        f"--output={path}",
        verbosity=0,
    )
    before = snapshot(REGIONAL, VENDEE)
    ids = {model: set(model.objects.values_list("pk", flat=True)) for model, _ in CONTENT_MODELS}
    ids[Synthesis] = set(Synthesis.objects.values_list("pk", flat=True))
    delete(VENDEE, REGIONAL)

    call_command("loaddata", str(path), verbosity=0)

    assert snapshot(REGIONAL, VENDEE) == before
    assert {model: set(model.objects.values_list("pk", flat=True)) for model in ids} == ids


def test_every_field_of_every_content_model_is_in_the_backup_format():
    """A new field on a content model must find its way into backups (documents.py)."""
    expected = {
        "Session": {
            "synthesis",
            "position",
            "title",
            "dates_places",
            "format",
            "facilitators_note",
        },
        "Facilitator": {"session", "position", "name", "role", "note"},
        "Participation": {
            "session",
            "category",
            "ticked",
            "participants",
            "establishments",
            "note",
        },
        "ThematicSection": {"synthesis", "thematic", "position", "title"},
        "RetexSheet": {"synthesis", "section", "number", "origin", "title", "text"},
        "RetexLink": {"sheet", "position", "url", "label"},
        "DiagnosticRow": {"section", "position", "thematic_label", "retex_label"},
        "RetexReference": {"row", "sheet"},
        "ProjectionRow": {"section", "position", "thematic_label"},
        # The follow-up fields are in the "followup" part (tests/followup/test_backup.py).
        "ActionPlanRow": {"section", "position", "thematic_label", "horizon", "followup_weight"},
        "Action": {"row", "position", "text", "emphasised", "key"},
        "Indicator": {"row", "position", "text", "emphasised", "key"},
        "FlagshipProposal": {"synthesis", "position", *backup.FLAGSHIP_FIELDS},
    }
    statement = {"row", "position", "text", "emphasised"}
    for model, _path in CONTENT_MODELS:
        fields = {
            field.name
            for field in model._meta.concrete_fields
            if field.name not in ("id", "version")
        }
        linked = {"source"} if model.__name__ in ("MainIrritant", "Axis") else set()
        assert fields == expected.get(model.__name__, statement | linked), model
    synthesis_fields = {
        f.name for f in Synthesis._meta.concrete_fields if not isinstance(f, models.AutoField)
    }
    assert synthesis_fields - {"version"} == {
        *backup.SYNTHESIS_FIELDS,
        "region",
        "department",
        "parent",
        *backup.TIMESTAMPS,
        "archived_by",
    }
