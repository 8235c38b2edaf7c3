"""Publishing on purpose: readers see the last published version of a synthesis while its
facilitators work on the next one.

A published synthesis keeps its published versions (`workshops.models.PublishedVersion`):
each holds the synthesis as a backup does (its fields and `backup_document`, positions and
links included), the date, who published it and a summary of what changed since the
version before. Who reads what (`workshops.permissions.reads_working_version`):

- those who manage the synthesis (its facilitators, the administrators) read and edit the
  working version, the one in the tables; the page tells them when it holds changes not yet
  published, and « Publier les modifications » makes it the next version;
- everyone else reads the last published version: the synthesis page, the HTML preview and
  the PDF (`materialise` rebuilds it as unsaved model instances, which the same templates
  print, so that a published version looks exactly like the working one did);
- a draft is read as it is being written, as before; a published synthesis that has no
  version yet (published before versions existed) too, until its first publication.

The first version is written when a synthesis becomes published: a change of status in the
administration, `loaddata` of the shipped fixtures (`make run`), a restored backup. The
signal handlers below write it once the transaction that published it commits, so that it
holds what that transaction wrote.
"""

import itertools
from collections import Counter
from dataclasses import dataclass, field
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models.signals import post_save, pre_save

from actionplans.models import FlagshipProposal
from etatsgeneraux.exchange.documents import (
    FLAGSHIP_FIELDS,
    RETEX_REFERENCES,
    backup_document,
    row_fields,
    synthesis_fields,
)
from etatsgeneraux.stages import LINKED_COLUMNS, STAGES
from workshops.changes import changing
from workshops.models import (
    Department,
    Facilitator,
    ParticipantCategory,
    Participation,
    PublishedVersion,
    Region,
    RetexLink,
    RetexReference,
    RetexSheet,
    Session,
    Synthesis,
    Thematic,
    ThematicSection,
)
from workshops.permissions import versions_read_by
from workshops.text import NBSP


class PublishingRefused(Exception):
    """Publishing is refused; the message says why, in French."""


# What a version holds --------------------------------------------------------------------


def snapshot(synthesis):
    """The document a version of this synthesis holds now: {"synthesis", "content"}.

    Raises PublishingRefused for content a backup cannot hold either (a link to another
    section, which the models' validation forbids).
    """
    synthesis = Synthesis.objects.select_related("region", "department", "parent").get(
        pk=synthesis.pk
    )
    try:
        content = backup_document(synthesis)
    except ValueError as error:
        raise PublishingRefused(str(error)) from error
    return {"synthesis": synthesis_fields(synthesis), "content": content}


# Who reads which version -----------------------------------------------------------------


def versions_of(synthesis):
    """Its published versions, the last first, without their documents (dates, numbers)."""
    return list(
        PublishedVersion.objects.filter(synthesis=synthesis)
        .select_related("published_by")
        .defer("document")
        .order_by("-number")
    )


def reader_version(user, synthesis):
    """The PublishedVersion this user reads of this synthesis, or None for the stored one."""
    return versions_read_by(user, [synthesis]).get(synthesis.pk)


def has_unpublished_changes(synthesis, latest):
    """Whether the working version changed since the last publication (a date comparison:
    `Synthesis.touch` dates every change of the content, publishing changes none)."""
    return latest is not None and synthesis.updated_at > latest.published_at


# Publishing ----------------------------------------------------------------------------------


@dataclass
class Preview:
    """What « Publier les modifications » would publish: the summary of what changed."""

    latest: PublishedVersion | None
    document: dict
    summary: dict

    @property
    def unchanged(self):
        return self.latest is not None and self.latest.document == self.document


def preview(synthesis):
    """What publishing now would change for the readers (PublishingRefused as `snapshot`)."""
    latest = PublishedVersion.objects.filter(synthesis=synthesis).order_by("-number").first()
    document = snapshot(synthesis)
    previous = latest.document if latest is not None else None
    return Preview(latest, document, compare(previous, document))


def publish(synthesis, user=None):
    """Publishes the working version of a published synthesis as its next version.

    Holds the synthesis's row while it reads and writes (`changing(lock=True)`), so that two
    « Publier » at once write two versions in turn, the second one only if something changed
    in between. Does not date a change of the content (`updated_at` stays): the readers'
    content changes, not the synthesis. Raises PublishingRefused for a draft, an archived
    synthesis or nothing to publish.
    """
    with changing(synthesis, lock=True) as change:
        change.nothing_changed()
        status = Synthesis.objects.filter(pk=synthesis.pk).values_list("status", flat=True)
        if status.first() != Synthesis.Status.PUBLISHED:
            raise PublishingRefused(
                f"Cette synthèse est un brouillon{NBSP}: ses lecteurs lisent déjà ce qui "
                "s’écrit. Elle est publiée depuis l’administration (statut «\u00a0Publiée\u00a0»)."
            )
        planned = preview(synthesis)
        if planned.unchanged:
            raise PublishingRefused(
                f"Rien à publier{NBSP}: la version de travail est identique à la version "
                f"{planned.latest.number}, publiée."
            )
        return _write(synthesis, planned, user)


def _write(synthesis, planned, user):
    number = planned.latest.number + 1 if planned.latest is not None else 1
    try:
        with transaction.atomic():
            return PublishedVersion.objects.create(
                synthesis=synthesis,
                number=number,
                published_by=user if user is not None and user.is_authenticated else None,
                document=planned.document,
                summary=planned.summary,
            )
    except IntegrityError as error:  # only without the lock: a version written meanwhile
        raise PublishingRefused(
            f"Une autre publication vient d’être enregistrée{NBSP}: rechargez la page."
        ) from error


def publish_on_status_change(synthesis_id, user=None):
    """Writes the version of a synthesis that just became published, if it is still published
    and its content differs from its last version (none for a first publication)."""
    with transaction.atomic():
        synthesis = Synthesis.objects.filter(pk=synthesis_id).first()
        if synthesis is None or synthesis.status != Synthesis.Status.PUBLISHED:
            return None
        synthesis.lock()
        try:
            planned = preview(synthesis)
        except PublishingRefused:
            return None  # readers read it as stored until a facilitator publishes it
        if planned.unchanged:
            return None
        return _write(synthesis, planned, user)


# Becoming published: the signal handlers (connected in apps.py) ---------------------------


def _remember_status(sender, instance, raw=False, update_fields=None, **kwargs):
    """Notes the status stored before this save, to see a draft become published."""
    if update_fields is not None and "status" not in update_fields:
        instance._stored_status = instance.status  # archiving, unarchiving: no change
    elif instance._state.adding or instance.pk is None:
        instance._stored_status = None
    else:
        instance._stored_status = (
            Synthesis.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
        )


def _publish_when_published(sender, instance, raw=False, **kwargs):
    if instance.status != Synthesis.Status.PUBLISHED:
        return
    if getattr(instance, "_stored_status", None) == Synthesis.Status.PUBLISHED:
        return
    transaction.on_commit(partial(publish_on_status_change, instance.pk, _request_user()))


def _request_user():
    """The user of the request being served (django-simple-history's middleware), if any."""
    from simple_history.models import HistoricalRecords

    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def connect_signals():
    pre_save.connect(_remember_status, sender=Synthesis, dispatch_uid="publishing_status")
    post_save.connect(_publish_when_published, sender=Synthesis, dispatch_uid="publishing_first")


# What changed between two versions ---------------------------------------------------------


def _shown_statements(section):
    """{(stage key, column): [(row position, position, shown text, emphasised, link text)]}
    of a section of a backup document; a linked statement shows the statement it links."""
    by_place = {}
    for stage in STAGES.values():
        for row in section.get(stage.key, []):
            for cell in stage.cells:
                for item in row.get(cell.key, []):
                    by_place[(stage.key, cell.key, row["position"], item["position"])] = item
    shown = {}
    for stage in STAGES.values():
        for cell in stage.cells:
            items = []
            target = LINKED_COLUMNS.get((stage.key, cell.key))
            for row in section.get(stage.key, []):
                for item in row.get(cell.key, []):
                    source = item.get("source") if target else None
                    linked = (
                        by_place.get((*target, source["row"], source["position"]))
                        if source
                        else None
                    )
                    text = linked["text"] if linked is not None else item["text"]
                    link = linked["text"] if linked is not None else None
                    items.append(
                        (row["position"], item["position"], text, bool(item["emphasised"]), link)
                    )
            shown[(stage.key, cell.key)] = items
    return shown


def _match(old, new, key):
    """Pairs the items of `old` and `new` with equal keys: (pairs, old left, new left)."""
    available = Counter(key(item) for item in new)
    paired = Counter()
    old_left = []
    for item in old:
        if available[key(item)]:
            available[key(item)] -= 1
            paired[key(item)] += 1
        else:
            old_left.append(item)
    new_left = []
    for item in new:
        if paired[key(item)]:
            paired[key(item)] -= 1
        else:
            new_left.append(item)
    return len(old) - len(old_left), old_left, new_left


def _compare_column(old, new):
    """(added, changed, removed) between two lists of (row, position, text, emphasised, link).

    Statements have no identity across versions: the same text (with the same emphasis and
    link) anywhere in the column is the same statement, moved or not; then the same text
    with another emphasis or link is a changed one; then a statement at the same place (row
    and position: the board edits in place, appends at the end, and leaves the places of
    deleted statements empty) with another text is a changed one; the rest is added or
    removed.
    """
    _, old, new = _match(old, new, lambda item: item[2:])
    retyped, old, new = _match(old, new, lambda item: item[2])
    edited, old, new = _match(old, new, lambda item: item[:2])
    return len(new), retyped + edited, len(old)


def _row_fields(section, stage):
    """A stage's rows without their statements: what else a row holds (RETEX, horizon…)."""
    keys = list(row_fields(stage))
    if RETEX_REFERENCES in stage.row_keys:
        keys.append(RETEX_REFERENCES)
    return [[row.get(key) for key in keys] for row in section.get(stage.key, [])]


def _sheets(sheets):
    return [{key: value for key, value in sheet.items() if key != "position"} for sheet in sheets]


def compare(old, new):
    """What changed from the document `old` (None: nothing was published) to `new`.

    {"first": bool, "sections": [{"thematic", "title", "state": "added" | "removed" |
    "changed", "stages": [{"stage", "label", "added", "changed", "removed", "rows"}],
    "retex": bool}], "other": [French sentences]}: statements counted per thematic and
    stage, and the other parts (introduction, shared RETEX sheets, flagship proposals,
    title) that changed. Only what changed is listed.
    """
    summary = {"first": old is None, "sections": [], "other": []}
    if old is None:
        return summary  # a first publication lists no statement as « added »
    old_content = old["content"]
    new_content = new["content"]
    old_sections = {s["thematic"]: s for s in old_content.get("sections", [])}
    new_sections = {s["thematic"]: s for s in new_content.get("sections", [])}
    thematics = dict(Thematic.objects.values_list("number", "title"))
    order = [s["thematic"] for s in new_content.get("sections", [])] + [
        number for number in old_sections if number not in new_sections
    ]
    for number in order:
        before, after = old_sections.get(number, {}), new_sections.get(number, {})
        old_shown, new_shown = _shown_statements(before), _shown_statements(after)
        stages = []
        for stage in STAGES.values():
            added = changed = removed = 0
            for cell in stage.cells:
                a, c, r = _compare_column(
                    old_shown.get((stage.key, cell.key), []),
                    new_shown.get((stage.key, cell.key), []),
                )
                added, changed, removed = added + a, changed + c, removed + r
            rows = _row_fields(before, stage) != _row_fields(after, stage)
            if added or changed or removed or rows:
                stages.append(
                    {
                        "stage": stage.key,
                        "label": stage.label,
                        "added": added,
                        "changed": changed,
                        "removed": removed,
                        "rows": rows,
                    }
                )
        retex = _sheets(before.get("retex", [])) != _sheets(after.get("retex", []))
        title = (after or before).get("title") or thematics.get(number, f"Thématique {number}")
        state = "added" if not before else "removed" if not after else "changed"
        if stages or retex or state != "changed" or before.get("title") != after.get("title"):
            summary["sections"].append(
                {
                    "thematic": number,
                    "title": title,
                    "state": state,
                    "stages": stages,
                    "retex": retex,
                }
            )
    summary["other"] = _other_changes(old, new)
    return summary


def _counted(number, singular, plural):
    return f"{number}{NBSP}{singular if number < 2 else plural}"


def _other_changes(old, new):
    sentences = []
    before, after = old["synthesis"], new["synthesis"]
    if before["title"] != after["title"]:
        sentences.append(f"Titre{NBSP}: «{NBSP}{after['title']}{NBSP}».")
    if before["year"] != after["year"]:
        sentences.append(f"Année{NBSP}: {after['year']}.")
    old_content, new_content = old["content"], new["content"]
    if old_content.get("sessions") != new_content.get("sessions"):
        sentences.append("L’introduction (sessions, animateurs, participants) a changé.")
    if _sheets(old_content.get("retex", [])) != _sheets(new_content.get("retex", [])):
        sentences.append("Les fiches RETEX communes à toutes les thématiques ont changé.")
    old_proposals = [_proposal(p) for p in old_content.get("flagship_proposals", [])]
    new_proposals = [_proposal(p) for p in new_content.get("flagship_proposals", [])]
    if old_proposals != new_proposals:
        kept = [p for p in new_proposals if p in old_proposals]
        old_titles = {p["title"] for p in old_proposals}
        new_titles = {p["title"] for p in new_proposals}
        added = sum(1 for p in new_proposals if p["title"] not in old_titles)
        removed = sum(1 for p in old_proposals if p["title"] not in new_titles)
        changed = len(new_proposals) - len(kept) - added
        parts = []
        if added:
            parts.append(_counted(added, "ajoutée", "ajoutées"))
        if changed > 0:
            parts.append(_counted(changed, "modifiée", "modifiées"))
        if removed:
            parts.append(_counted(removed, "supprimée", "supprimées"))
        if not parts:
            parts.append("ordre changé")
        sentences.append(f"Propositions phares{NBSP}: {', '.join(parts)}.")
    return sentences


def _proposal(data):
    return {name: data.get(name, "") for name in FLAGSHIP_FIELDS}


def describe(summary):
    """The summary as French lines: [(heading, [lines])] for the sections, then the rest."""
    if not summary:
        return []
    if summary.get("first"):
        return [("", ["Première publication de la synthèse."])]
    described = []
    for section in summary.get("sections", []):
        heading = f"«{NBSP}{section['title']}{NBSP}»"
        if section["state"] == "added":
            heading += " (thématique ajoutée)"
        elif section["state"] == "removed":
            heading += " (thématique retirée)"
        lines = []
        for stage in section["stages"]:
            counts = []
            for key, verb in (("added", "ajouté"), ("changed", "modifié"), ("removed", "supprimé")):
                if stage[key]:
                    noun = ("énoncé ", "énoncés ") if not counts else ("", "")
                    counts.append(_counted(stage[key], noun[0] + verb, noun[1] + verb + "s"))
            if stage["rows"]:
                counts.append("lignes modifiées")
            lines.append(f"{stage['label']}{NBSP}: {', '.join(counts)}")
        if section["retex"]:
            lines.append("Fiches RETEX modifiées")
        described.append((heading, lines))
    if summary.get("other"):
        described.append(("Autres changements", summary["other"]))
    return described


# A version as model instances --------------------------------------------------------------


class _Ids:
    """Stand-in primary keys for the unsaved instances of a version (Django's related
    managers ask for one), unique within the version."""

    def __init__(self):
        self._next = itertools.count(1)

    def __call__(self):
        return next(self._next)


def _prefetched(instance, name, items):
    """Makes `instance.<name>.all()` return `items`, as prefetch_related would, no query."""
    related = getattr(type(instance), name).rel.related_model
    queryset = related._default_manager.none()
    queryset._result_cache = list(items)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset
    return queryset._result_cache


@dataclass
class Reference:
    """The reference data a version names by natural key, read once per request."""

    thematics: dict = field(default_factory=dict)
    categories: dict = field(default_factory=dict)
    loaded: bool = False

    def load(self):
        if not self.loaded:
            self.thematics = Thematic.objects.in_bulk(field_name="number")
            self.categories = ParticipantCategory.objects.in_bulk(field_name="number")
            self.loaded = True
        return self


def materialise(version, synthesis=None, *, sections=None, whole=True, reference=None):
    """A published version as unsaved model instances, every related list prefetched.

    What the report (`etatsgeneraux.reports.pdf`) and the synthesis page read of a stored
    synthesis, they read of this one: the same templates print it, so the PDF of a version
    looks exactly as the PDF of the synthesis did when it was published. `synthesis` is the
    stored synthesis (for its region, department and parent, when the version names the same
    ones); `sections` keeps only the sections it accepts (a thematic report); `whole` False
    leaves out the introduction and the proposals, as `_load` does for a thematic report.
    """
    live = synthesis or version.synthesis
    reference = (reference or Reference()).load()
    document = version.document
    fields, content = document["synthesis"], document["content"]
    new_id = _Ids()
    shown = Synthesis(
        pk=live.pk,
        slug=fields["slug"],
        title=fields["title"],
        year=fields["year"],
        status=fields["status"],
        created_at=live.created_at,
        updated_at=version.published_at,
        archived_at=live.archived_at,
        archived_by_id=live.archived_by_id,
    )
    shown.region = (
        live.region
        if live.region.code == fields["region"]
        else Region.objects.get_by_natural_key(fields["region"])
    )
    department = fields.get("department")
    if department is None:
        shown.department = None
    elif live.department_id and live.department.code == department:
        shown.department = live.department
    else:
        shown.department = Department.objects.filter(code=department).first()
    parent = fields.get("parent")
    if parent is None:
        shown.parent = None
    elif live.parent_id and live.parent.slug == parent:
        shown.parent = live.parent
    else:
        shown.parent = Synthesis.objects.filter(slug=parent).first()
    shown.published_version = version

    shared = _sheets_of(content.get("retex", []), live.pk, None, new_id)
    all_sheets = list(shared.values())
    built_sections = []
    for data in content.get("sections", []):
        section = ThematicSection(
            pk=new_id(),
            synthesis_id=live.pk,
            thematic=reference.thematics[data["thematic"]],
            position=data["position"],
            title=data.get("title", ""),
        )
        own = _sheets_of(data.get("retex", []), live.pk, section.pk, new_id)
        all_sheets += own.values()
        _build_rows(section, data, own, shared, new_id)
        built_sections.append(section)
    if sections is not None:
        built_sections = [section for section in built_sections if sections(section)]
    _prefetched(shown, "sections", sorted(built_sections, key=lambda s: s.position))
    _prefetched(shown, "retex_sheets", sorted(all_sheets, key=lambda s: s.number))
    if whole:
        _prefetched(
            shown,
            "sessions",
            [_session(data, live.pk, reference, new_id) for data in content.get("sessions", [])],
        )
        _prefetched(
            shown,
            "flagship_proposals",
            [
                FlagshipProposal(
                    pk=new_id(),
                    synthesis_id=live.pk,
                    position=data["position"],
                    **{name: data.get(name, "") for name in FLAGSHIP_FIELDS},
                )
                for data in content.get("flagship_proposals", [])
            ],
        )
    return shown


def _session(data, synthesis_id, reference, new_id):
    session = Session(
        pk=new_id(),
        synthesis_id=synthesis_id,
        position=data["position"],
        title=data["title"],
        dates_places=data.get("dates_places", ""),
        format=data.get("format", ""),
        facilitators_note=data.get("facilitators_note", ""),
    )
    _prefetched(
        session,
        "facilitators",
        [
            Facilitator(
                pk=new_id(),
                session_id=session.pk,
                position=person["position"],
                name=person["name"],
                role=person.get("role", ""),
                note=person.get("note", ""),
            )
            for person in data.get("facilitators", [])
        ],
    )
    participations = []
    for item in sorted(data.get("participations", []), key=lambda item: item["category"]):
        participation = Participation(
            pk=new_id(),
            session_id=session.pk,
            ticked=item.get("ticked", False),
            participants=item.get("participants"),
            establishments=item.get("establishments"),
            note=item.get("note", ""),
        )
        participation.category = reference.categories[item["category"]]
        participations.append(participation)
    _prefetched(session, "participations", participations)
    return session


def _sheets_of(sheets, synthesis_id, section_id, new_id):
    """{number: RetexSheet} of a list of sheets, their links prefetched."""
    built = {}
    for data in sheets:
        sheet = RetexSheet(
            pk=new_id(),
            synthesis_id=synthesis_id,
            section_id=section_id,
            number=data["number"],
            origin=data.get("origin", ""),
            title=data.get("title", ""),
            text=data.get("text", ""),
        )
        _prefetched(
            sheet,
            "links",
            [
                RetexLink(
                    pk=new_id(),
                    sheet_id=sheet.pk,
                    position=link["position"],
                    url=link["url"],
                    label=link.get("label", ""),
                )
                for link in data.get("links", [])
            ],
        )
        built[sheet.number] = sheet
    return built


def _build_rows(section, data, own_sheets, shared_sheets, new_id):
    """The rows of the three stages of a section, their statements and links."""
    # The statements a later column may link to: {(stage key, column): {(row, position): s}}.
    sources = {target: {} for target in LINKED_COLUMNS.values()}
    for stage in STAGES.values():
        rows = []
        for row_data in data.get(stage.key, []):
            row = stage.row_model(
                pk=new_id(),
                section_id=section.pk,
                position=row_data["position"],
                **{name: row_data.get(name, "") for name in row_fields(stage)},
            )
            if RETEX_REFERENCES in stage.row_keys:
                references = []
                for cited in row_data.get(RETEX_REFERENCES, []):
                    if isinstance(cited, dict):
                        pool = shared_sheets if cited.get("shared") else own_sheets
                        sheet = pool.get(cited["number"])
                    else:
                        sheet = own_sheets.get(cited) or shared_sheets.get(cited)
                    if sheet is not None:
                        reference = RetexReference(pk=new_id(), row_id=row.pk)
                        reference.sheet = sheet
                        references.append(reference)
                references.sort(key=lambda reference: reference.sheet.number)
                _prefetched(row, "retex_references", references)
            for cell in stage.cells:
                statements = []
                target = LINKED_COLUMNS.get((stage.key, cell.key))
                for item in row_data.get(cell.key, []):
                    statement = cell.model(
                        pk=new_id(),
                        row_id=row.pk,
                        position=item["position"],
                        text=item["text"],
                        emphasised=item.get("emphasised", False),
                    )
                    if target is not None:
                        named = item.get("source")
                        statement.source = (
                            sources[target].get((named["row"], named["position"]))
                            if named
                            else None
                        )
                    statements.append(statement)
                _prefetched(row, cell.related_name, statements)
                if (stage.key, cell.key) in sources:
                    sources[(stage.key, cell.key)].update(
                        {(row.position, s.position): s for s in statements}
                    )
            rows.append(row)
        _prefetched(section, stage.related_name, rows)
