"""Importing a synthesis written in the national template (DOCX, or its text export).

read (sources) → blocks → nested document and issues (builder) → written through
etatsgeneraux.exchange.documents in one transaction, or not at all (this module) → report (report).
"""

from time import perf_counter

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import DatabaseError, transaction

from etatsgeneraux.exchange.documents import (
    create_synthesis,
    plan_content,
    replace_synthesis_content,
)
from workshops.changes import changing
from workshops.historical import IMPORT, change_reason
from workshops.models import Department, Region, Synthesis, SynthesisArchived, Thematic

from .builder import ERROR, WARNING, DocumentBuilder, Issue
from .markup import norm_key
from .report import COLUMN_NAMES, ImportReport, describe_changes
from .sources import (
    MAX_DOCX_BYTES,
    MAX_FILE_BYTES,
    MAX_TEXT_BYTES,
    MAX_UNCOMPRESSED_BYTES,
    ImportRefused,
    megabytes,
    read_blocks,
    read_file,
)

__all__ = [
    "MAX_DOCX_BYTES",
    "MAX_FILE_BYTES",
    "MAX_TEXT_BYTES",
    "MAX_UNCOMPRESSED_BYTES",
    "ImportRefused",
    "ImportReport",
    "import_synthesis",
    "megabytes",
    "parse_document",
    "read_file",
]

DEFAULT_YEAR = 2020
NO_TABLE = (
    "Aucun tableau du modèle national (diagnostic, projections ou plan d'action) n'a été "
    "reconnu dans ce document : rien n'a été importé. Les colonnes doivent porter les "
    "intitulés du modèle (« Thématique concernée », « Irritants », « Points forts »…)."
)
FLATTENED = (
    " Ce texte semble extrait d'un PDF : les colonnes n'y sont plus séparées par des "
    "tabulations. Importez le document Word d'origine ou son export texte."
)


def parse_document(data):
    """(format, nested document, builder) of a file; ImportRefused when it cannot be read."""
    kind, blocks = read_blocks(data)
    builder = DocumentBuilder()
    document = builder.build(blocks)
    if not builder.template_tables:
        flattened = any(
            "thematique concernee" in norm_key(issue.message) for issue in builder.issues
        )
        raise ImportRefused(NO_TABLE + (FLATTENED if flattened else ""))
    return kind, document, builder


def import_synthesis(
    data,
    *,
    filename,
    slug,
    region=None,
    department=None,
    parent=None,
    dry_run=False,
    progress=None,
):
    """Imports a file into the synthesis `slug`, all or nothing; returns the report.

    region, department (codes) and parent (a slug) override what the document says;
    `progress(percent, message)`, if given, hears of each step (a background job).
    """
    progress = progress or (lambda _percent, _message: None)
    started = perf_counter()
    report = ImportReport(filename=filename, slug=slug, dry_run=dry_run)
    report.thematic_titles = dict(Thematic.objects.values_list("number", "title"))
    try:
        report.format, report.document, builder = parse_document(data)
    except ImportRefused as refusal:
        report.refuse(refusal.message)
        report.elapsed = perf_counter() - started
        return report
    report.issues = builder.issues
    progress(60, "Document lu\u00a0: vérification de la région et de la synthèse…")
    target = _resolve_target(report, builder, slug, region, department, parent)
    if report.errors:
        report.outcome = "failed"
    else:
        progress(70, "Comparaison et écriture, tout ou rien…")
        try:
            _write(report, report.document, slug, dry_run, **target)
        except SynthesisArchived as archived:
            report.issues.append(Issue(ERROR, "identifiant", str(archived)))
            report.outcome = "failed"
        except DatabaseError as error:  # a concurrent import, a constraint: nothing written
            report.issues.append(
                Issue(
                    ERROR, "base de données", f"L'écriture a échoué, rien n'a été écrit : {error}"
                )
            )
            report.outcome = "failed"
    report.elapsed = perf_counter() - started
    return report


def _write(report, document, slug, dry_run, *, region, department, parent):
    with transaction.atomic(), change_reason(IMPORT):  # how the history names these changes
        existing = (
            Synthesis.objects.select_for_update(of=("self",))
            .filter(slug=slug)
            .order_by("pk")
            .first()
        )
        if existing is not None and existing.is_archived:  # archived since it was checked
            raise SynthesisArchived()
        if existing is None:
            if dry_run:
                report.outcome = "would_create"
                return
            kind = (
                f"départementale – {department.name}"
                if department
                else f"régionale – {region.name}"
            )
            create_synthesis(
                {
                    **document,
                    "slug": slug,
                    "title": f"Synthèse {kind}",
                    "year": DEFAULT_YEAR,
                    "status": Synthesis.Status.DRAFT,
                    "region": region.code,
                    "department": department.code if department else None,
                    "parent": parent.slug if parent else None,
                }
            )
            report.outcome = "created"
            return
        metadata = {
            "region": region.code,
            "department": department.code if department else None,
            "parent": parent.slug if parent else None,
        }
        plan = plan_content(existing, document, metadata)
        for key, source in plan.lost_links:
            thematic, _stage, column, text, _occurrence = key
            report.issues.append(
                Issue(
                    WARNING,
                    f"thématique {thematic}",
                    f"Le lien de l'énoncé « {text} » ({COLUMN_NAMES[column][0]}) vers "
                    f"« {source} » ne peut être gardé : l'énoncé ou celui qu'il reprend a "
                    "changé.",
                )
            )
        if plan.changed:
            metadata_changed = any(plan.previous[key] != value for key, value in metadata.items())
            report.changes = describe_changes(plan.previous, plan.document, metadata_changed)
        if not plan.changed:
            report.outcome = "unchanged"
        elif dry_run:
            report.outcome = "would_replace"
        else:
            with changing(existing):
                replace_synthesis_content(
                    existing, plan, region=region, department=department, parent=parent
                )
            report.outcome = "replaced"


def _match(names, candidates, key_of):
    """The candidate whose key begins the longest of `names`, or None."""
    best = None
    for name in names:
        name_key = f"{norm_key(name)} "
        for candidate in candidates:
            for key in key_of(candidate):
                if key and name_key.startswith(f"{key} ") and (best is None or len(key) > best[0]):
                    best = (len(key), candidate)
    return best[1] if best else None


def _resolve_target(report, builder, slug, region_code, department_code, parent_slug):
    """Region, department and parent: options, else the document, else the stored synthesis."""

    def error(message, field):
        report.issues.append(Issue(ERROR, "synthèse", message, field))

    try:
        validate_slug(slug)
        if len(slug) > Synthesis._meta.get_field("slug").max_length:
            raise ValidationError("too long")
    except ValidationError:
        error(
            f"Identifiant « {slug} » invalide : lettres non accentuées, chiffres et tirets "
            "seulement, 100 caractères au plus (par exemple pays-de-la-loire-2020).",
            "slug",
        )
    existing = (
        Synthesis.objects.select_related("region", "department", "parent").filter(slug=slug).first()
    )
    if existing is not None and existing.is_archived:
        # Archived: read-only for everyone; an import is an edit like any other.
        error(
            f"La synthèse « {slug} » est archivée : elle ne peut pas être modifiée. "
            "Désarchivez-la d'abord (page de la synthèse, ou action « Désarchiver » de "
            "l'administration), ou importez sous un autre identifiant.",
            "slug",
        )
    region = department = parent = None
    if region_code:
        region = Region.objects.filter(code=region_code).first()
        if region is None:
            error(
                f"Région académique « {region_code} » inconnue (exemple : pays-de-la-loire).",
                "region",
            )
    if department_code:
        department = Department.objects.filter(code=department_code.upper()).first()
        if department is None:
            error(f"Département « {department_code} » inconnu (exemple : 85).", "department")
    regions = list(Region.objects.all())
    found_region = _match(builder.region_names, regions, lambda r: [norm_key(r.name)])
    found_department = _match(
        builder.department_names,
        Department.objects.select_related("region"),
        lambda d: [norm_key(d.name), norm_key(d.code)],
    )
    for name in builder.region_names if found_region is None else []:
        report.issues.append(Issue(WARNING, "document", f"Région « {name} » inconnue."))
    if region and found_region and found_region != region:
        report.issues.append(
            Issue(
                WARNING,
                "document",
                f"Le document indique la région {found_region.name} ; "
                f"la région choisie, {region.name}, est retenue.",
            )
        )
    if department_code is None:
        department = found_department or (existing.department if existing else None)
    if region_code is None:
        region = (
            (department.region if department else None)
            or found_region
            or (existing.region if existing else None)
        )
        if region is None:
            error(
                "Région académique introuvable : choisissez-la (option --region, par exemple "
                "pays-de-la-loire, ou champ « Région académique »), ou écrivez « Nom de la "
                "Région académique … » dans le document.",
                "region",
            )
    if parent_slug:
        parent = Synthesis.objects.filter(slug=parent_slug).first()
        if parent is None:
            error(f"Synthèse parente « {parent_slug} » introuvable.", "parent")
        elif parent.is_archived:
            error(f"La synthèse parente « {parent_slug} » est archivée.", "parent")
    elif existing:
        parent = existing.parent
    if region and not report.errors:
        candidate = Synthesis(
            pk=existing.pk if existing else None,
            slug=slug,
            region=region,
            department=department,
            parent=parent,
        )
        try:
            candidate.clean()
        except ValidationError as invalid:
            for field, messages in invalid.message_dict.items():
                for message in messages:
                    error(message, field)
    return {"region": region, "department": department, "parent": parent}
