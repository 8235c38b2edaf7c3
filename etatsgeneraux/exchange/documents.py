"""A synthesis as one nested document (plain dicts and lists), and back into the database.

The nested form follows the national template: sessions, then thematic sections holding
RETEX sheets and the diagnostic, projection and action-plan tables, then flagship
proposals. A statement is a string, or {"text": ..., "emphasised": true}.

A main irritant whose text is exactly that of a diagnostic irritant of the same section
is linked to it (keeping its text as written); likewise an axis (Quoi) and a lever. That
is how the facilitators' retyped statements become the chain the platform traces.
"""

from django.db import transaction
from django.db.models import Prefetch

from actionplans.models import FlagshipProposal
from etatsgeneraux.exchange import followup_part
from etatsgeneraux.stages import LINKED_COLUMNS, STAGE_COLUMNS, STAGES, STAGES_BY_KEY
from workshops.historical import batch, record, with_history
from workshops.models import (
    Department,
    Facilitator,
    ParticipantCategory,
    Participation,
    Region,
    RetexLink,
    RetexReference,
    RetexSheet,
    Session,
    Synthesis,
    Thematic,
    ThematicSection,
)

FLAGSHIP_FIELDS = [
    "title",
    "summary",
    "establishments",
    "pupils",
    "parents",
    "teachers",
    "territory",
    "referent",
    "means_financial",
    "means_human",
    "means_legal",
    "difficulties",
    "sustainability_needs",
    "effort",
    "time_needed",
]
# The row key holding the RETEX sheets a diagnostic row cites (see etatsgeneraux.stages).
RETEX_REFERENCES = "retex"


def row_layout(stage):
    """The keys of a row of `stage` in the nested document, in order (after its position in a
    backup), each with its cell: None for the row's own fields (see Stage and Cell.row_keys)."""
    layout = [(key, None) for key in stage.row_keys]
    for cell in stage.cells:
        layout += [(key, None) for key in cell.row_keys]
        layout.append((cell.key, cell))
    return layout


def row_fields(stage):
    """The fields of the row model that a row of `stage` states in the document."""
    return [key for key, cell in row_layout(stage) if cell is None and key != RETEX_REFERENCES]


def column_cell(stage_key, column):
    """The cell of a (stage, column) pair of document keys."""
    return STAGES_BY_KEY[stage_key].cell_by_key(column)


def statement_fields(statement):
    if isinstance(statement, str):
        return {"text": statement, "emphasised": False}
    return {"text": statement["text"], "emphasised": bool(statement.get("emphasised"))}


def _position(data, default):
    """The position an item states (a backup document: see backup_document), else its rank."""
    if isinstance(data, dict) and data.get("position") is not None:
        return data["position"]
    return default


def _create_statements(model, row, statements, keys=None):
    """`keys`: {position: stable follow-up identifier} of restored actions or indicators."""
    objects = []
    for position, statement in enumerate(statements, start=1):
        obj = model(row=row, position=_position(statement, position), **statement_fields(statement))
        if keys and obj.position in keys:
            obj.key = keys[obj.position]
        objects.append(obj)
    with_history(model).bulk_create(objects)


def _create_linked(model, row, statements, sources):
    """Links a statement to an earlier one of the same section when the text is identical.

    A statement that names its source ({"source": {"row": r, "position": p}} or None, as
    backup_document writes it) gets exactly that link instead: `sources` holds the earlier
    statements under their text and under (row position, position).
    """
    objects = []
    for position, statement in enumerate(statements, start=1):
        fields = statement_fields(statement)
        if isinstance(statement, dict) and "source" in statement:
            named = statement["source"]
            source = sources[(named["row"], named["position"])] if named else None
        else:
            source = sources.get(fields["text"])
        objects.append(
            model(row=row, position=_position(statement, position), source=source, **fields)
        )
    with_history(model).bulk_create(objects)


def _link_fields(link, position):
    """A RETEX link: an address, or {"url", "label", "position"} (backup_document)."""
    if isinstance(link, str):
        return {"position": position, "url": link}
    return {"position": _position(link, position), "url": link["url"], "label": link["label"]}


def _referenced_sheet(reference, sheets, shared_sheets):
    """A number names the section's sheet, else the shared one with that number;
    {"number": n, "shared": true} the shared one even when the section has a sheet n."""
    if isinstance(reference, dict):
        return (shared_sheets if reference.get("shared") else sheets)[reference["number"]]
    return sheets[reference]


def _create_retex_sheets(synthesis, section, sheets):
    created = {}
    for data in sheets:
        sheet = RetexSheet.objects.create(
            synthesis=synthesis,
            section=section,
            number=data["number"],
            origin=data.get("origin", ""),
            title=data.get("title", ""),
            text=data.get("text", ""),
        )
        with_history(RetexLink).bulk_create(
            RetexLink(sheet=sheet, **_link_fields(link, position))
            for position, link in enumerate(data.get("links", []), start=1)
        )
        created[sheet.number] = sheet
    return created


@transaction.atomic
def create_synthesis(document):
    """Creates a synthesis and all its content from a nested document; returns it."""
    synthesis = _create_synthesis_row(document)
    create_synthesis_content(synthesis, document)
    return synthesis


def _create_synthesis_row(document):
    return Synthesis.objects.create(
        slug=document["slug"],
        title=document["title"],
        year=document["year"],
        status=document.get("status", Synthesis.Status.DRAFT),
        region=Region.objects.get(code=document["region"]),
        department=(
            Department.objects.get(code=document["department"])
            if document.get("department")
            else None
        ),
        parent=(Synthesis.objects.get(slug=document["parent"]) if document.get("parent") else None),
    )


@transaction.atomic
@batch()  # its history: one INSERT per table at the end, not one per object
def create_synthesis_content(synthesis, document, *, keys=None):
    """Creates the content of a nested document (sessions, RETEX, sections, flagship
    proposals) in a synthesis that has none. `keys`: the follow-up identifiers of the
    actions and indicators, by place (a backup: exchange.followup_part.statement_keys)."""
    categories = {category.number: category for category in ParticipantCategory.objects.all()}
    for position, data in enumerate(document.get("sessions", []), start=1):
        session = Session.objects.create(
            synthesis=synthesis,
            position=_position(data, position),
            title=data["title"],
            dates_places=data.get("dates_places", ""),
            format=data.get("format", ""),
            facilitators_note=data.get("facilitators_note", ""),
        )
        with_history(Facilitator).bulk_create(
            Facilitator(
                session=session,
                position=_position(facilitator, index),
                name=facilitator["name"],
                role=facilitator.get("role", ""),
                note=facilitator.get("note", ""),
            )
            for index, facilitator in enumerate(data.get("facilitators", []), start=1)
        )
        with_history(Participation).bulk_create(
            Participation(
                session=session,
                category=categories[participation["category"]],
                ticked=participation.get("ticked", False),
                participants=participation.get("participants"),
                establishments=participation.get("establishments"),
                note=participation.get("note", ""),
            )
            for participation in data.get("participations", [])
        )

    shared_sheets = _create_retex_sheets(synthesis, None, document.get("retex", []))
    thematics = {thematic.number: thematic for thematic in Thematic.objects.all()}
    for position, data in enumerate(document.get("sections", []), start=1):
        _create_section(
            synthesis, position, thematics[data["thematic"]], data, shared_sheets, keys or {}
        )

    for position, data in enumerate(document.get("flagship_proposals", []), start=1):
        FlagshipProposal.objects.create(
            synthesis=synthesis,
            position=_position(data, position),
            **{field: data.get(field, "") for field in FLAGSHIP_FIELDS},
        )
    return synthesis


def _create_section(synthesis, position, thematic, data, shared_sheets, keys=None):
    keys = keys or {}
    section = ThematicSection.objects.create(
        synthesis=synthesis,
        thematic=thematic,
        position=_position(data, position),
        title=data.get("title", ""),
    )
    sheets = {**shared_sheets, **_create_retex_sheets(synthesis, section, data.get("retex", []))}

    # The statements that a later column may link to, under their text and under
    # (row position, position): {(stage, column): {...}}.
    sources = {target: {} for target in LINKED_COLUMNS.values()}
    for stage in STAGES.values():
        for row_position, row_data in enumerate(data.get(stage.key, []), start=1):
            row = stage.row_model.objects.create(
                section=section,
                position=_position(row_data, row_position),
                **{name: row_data.get(name, "") for name in row_fields(stage)},
            )
            if RETEX_REFERENCES in stage.row_keys:
                with_history(RetexReference).bulk_create(
                    RetexReference(
                        row=row, sheet=_referenced_sheet(reference, sheets, shared_sheets)
                    )
                    for reference in row_data.get(RETEX_REFERENCES, [])
                )
            for cell in stage.cells:
                statements = row_data.get(cell.key, [])
                if cell.linked:
                    target = LINKED_COLUMNS[(stage.key, cell.key)]
                    _create_linked(cell.model, row, statements, sources[target])
                else:
                    _create_statements(
                        cell.model,
                        row,
                        statements,
                        {
                            position: key
                            for (kind, number, row_position, position), key in keys.items()
                            if kind == cell.key
                            and number == thematic.number
                            and row_position == row.position
                        },
                    )
                if (stage.key, cell.key) in sources:
                    found = sources[(stage.key, cell.key)]
                    for statement in getattr(row, cell.related_name).all():
                        found.setdefault(statement.text, statement)
                        found[(row.position, statement.position)] = statement
    return section


# Database → nested document, and replacing a synthesis's content ---------------------------
#
# The inverse of create_synthesis, and what an import needs to replace the content of an
# existing synthesis without losing what a curator did on it afterwards.

# STAGE_COLUMNS (the statement columns of each stage, in the order of the document format)
# and LINKED_COLUMNS (the column of an earlier stage a linked column may point to) come from
# etatsgeneraux.stages.
# The keys of a document that an import replaces; sessions (the introduction block), title,
# year and status are left as they are.
CONTENT_KEYS = ["retex", "sections", "flagship_proposals"]


def statement_document(text, emphasised=False):
    """The canonical form of a statement in a document."""
    return {"text": text, "emphasised": True} if emphasised else text


def _statement(statement):
    text = statement.display_text if statement.text == "" else statement.text
    return statement_document(text, statement.emphasised)


def synthesis_document(synthesis):
    """The nested document of a stored synthesis, in a constant number of queries.

    create_synthesis(synthesis_document(s)) rebuilds the same synthesis; statement links are
    not part of the document (see synthesis_links).
    """
    return _serialized(synthesis)[0]


def synthesis_links(synthesis):
    """{statement key: text of its source} for every linked main irritant and axis."""
    return _serialized(synthesis)[1]


def statement_key(thematic, stage, column, text, occurrence):
    """Identifies a statement across versions: the n-th statement with this text in a column."""
    return (thematic, stage, column, text, occurrence)


def _iter_statement_keys(section):
    """(stage, column, row, index, key) for every statement of a section document, in order;
    the statement is row[column][index]."""
    for stage, columns in STAGE_COLUMNS.items():
        for column in columns:
            seen = {}
            for row in section.get(stage, []):
                for index, statement in enumerate(row.get(column, [])):
                    text = statement_fields(statement)["text"]
                    occurrence = seen.get(text, 0)
                    seen[text] = occurrence + 1
                    key = statement_key(section["thematic"], stage, column, text, occurrence)
                    yield stage, column, row, index, key


def _load(synthesis):
    """The synthesis with all its content prefetched, in one query per table."""
    return _loaded_syntheses().get(pk=synthesis.pk)


def load_syntheses(syntheses):
    """These syntheses with all their content prefetched, in one query per table whatever
    their number; for `backup_document(..., loaded=True)`. In the order given."""
    ids = [synthesis.pk for synthesis in syntheses]
    loaded = {synthesis.pk: synthesis for synthesis in _loaded_syntheses().filter(pk__in=ids)}
    return [loaded[pk] for pk in ids if pk in loaded]


def _loaded_syntheses():
    content = []
    for stage in STAGES.values():
        rows = f"sections__{stage.related_name}"
        content.append(Prefetch(rows, stage.row_model.objects.order_by("position")))
        if RETEX_REFERENCES in stage.row_keys:
            content.append(
                Prefetch(
                    f"{rows}__retex_references",
                    RetexReference.objects.select_related("sheet").order_by("sheet__number"),
                )
            )
        for cell in stage.cells:
            statements = cell.model.objects
            statements = statements.select_related("source") if cell.linked else statements.all()
            content.append(Prefetch(f"{rows}__{cell.related_name}", statements))
    return Synthesis.objects.select_related("region", "department", "parent").prefetch_related(
        Prefetch("sessions", Session.objects.order_by("position")),
        Prefetch("sessions__facilitators", Facilitator.objects.order_by("position")),
        Prefetch(
            "sessions__participations",
            Participation.objects.select_related("category").order_by("category__number"),
        ),
        Prefetch("retex_sheets", RetexSheet.objects.order_by("number")),
        Prefetch("retex_sheets__links", RetexLink.objects.order_by("position")),
        Prefetch("sections", ThematicSection.objects.select_related("thematic")),
        *content,
        Prefetch("flagship_proposals", FlagshipProposal.objects.order_by("position")),
    )


def session_document(session, *, positions=False):
    """One session of the introduction block; a backup keeps the positions as stored too."""

    def placed(position, fields):
        return {"position": position, **fields} if positions else fields

    return placed(
        session.position,
        {
            "title": session.title,
            "dates_places": session.dates_places,
            "format": session.format,
            "facilitators_note": session.facilitators_note,
            "facilitators": [
                placed(
                    person.position,
                    {"name": person.name, "role": person.role, "note": person.note},
                )
                for person in session.facilitators.all()
            ],
            "participations": [
                {
                    "category": participation.category.number,
                    "ticked": participation.ticked,
                    "participants": participation.participants,
                    "establishments": participation.establishments,
                    "note": participation.note,
                }
                for participation in session.participations.all()
            ],
        },
    )


def normalize_document(document):
    """The document with every optional key filled in and statements in canonical form."""

    def statements(items):
        return [statement_document(**statement_fields(item)) for item in items]

    def sheet(data):
        return {
            "number": data["number"],
            "origin": data.get("origin", ""),
            "title": data.get("title", ""),
            "text": data.get("text", ""),
            "links": list(data.get("links", [])),
        }

    def row(data, stage):
        result = {}
        for key, cell in row_layout(stage):
            if cell is not None:
                result[key] = statements(data.get(key, []))
            elif key == RETEX_REFERENCES:
                result[key] = list(data.get(key, []))
            else:
                result[key] = data.get(key, "")
        return result

    normalized = dict(document)
    normalized["retex"] = [sheet(data) for data in document.get("retex", [])]
    normalized["sections"] = [
        {
            "thematic": section["thematic"],
            "title": section.get("title", ""),
            "retex": [sheet(data) for data in section.get("retex", [])],
            **{
                stage.key: [row(data, stage) for data in section.get(stage.key, [])]
                for stage in STAGES.values()
            },
        }
        for section in document.get("sections", [])
    ]
    normalized["flagship_proposals"] = [
        {field: data.get(field, "") for field in FLAGSHIP_FIELDS}
        for data in document.get("flagship_proposals", [])
    ]
    return normalized


class ContentPlan:
    """What replacing a synthesis's content with a document would store.

    `document` is the new content with the curator's emphasis re-applied, `links` the
    source text of every linked statement, `lost_links` the curator's links that cannot be
    kept (their statement or its source changed), `removed_sections` the thematic numbers
    of the sections that would disappear, `changed` whether anything would be written.
    """

    def __init__(self, document, links, lost_links, removed_sections, changed, previous=None):
        self.previous = previous  # the stored document, normalized
        self.document = document
        self.links = links
        self.lost_links = lost_links
        self.removed_sections = removed_sections
        self.changed = changed


def plan_content(synthesis, document, metadata=None):
    """Compares a new document with a stored synthesis and merges the curator's work into it.

    A statement is unchanged when its key (thematic, stage, column, text and rank among the
    statements with the same text in that column) exists in both versions. An unchanged
    statement keeps its emphasis when it had one, and a linked main irritant or axis keeps its
    link when the statement it pointed to still exists (same text, same section), or stays
    unlinked when a curator removed the link. Any other statement is exactly as the document
    says, linked by identical text like create_synthesis.
    `metadata` ({"region": code, "department": code, "parent": slug}) counts as a change when
    it differs from the stored one.
    """
    old_document, old_links = _serialized(synthesis)
    old_document = normalize_document(old_document)
    new = normalize_document(document)
    old_emphasised = {
        key
        for section in old_document["sections"]
        for _stage, column, row, index, key in _iter_statement_keys(section)
        if statement_fields(row[column][index])["emphasised"]
    }
    old_keys = {
        key for section in old_document["sections"] for *_rest, key in _iter_statement_keys(section)
    }
    old_sources = {
        (section["thematic"], target): {
            statement_fields(statement)["text"]
            for row in section[target[0]]
            for statement in row[target[1]]
        }
        for section in old_document["sections"]
        for target in LINKED_COLUMNS.values()
    }
    links = {}
    for section in new["sections"]:
        sources = {
            target: {
                statement_fields(statement)["text"]
                for row in section[target[0]]
                for statement in row[target[1]]
            }
            for target in LINKED_COLUMNS.values()
        }
        for stage, column, row, index, key in _iter_statement_keys(section):
            text = key[3]
            if key in old_emphasised:
                row[column][index] = statement_document(text, True)
            target = LINKED_COLUMNS.get((stage, column))
            if target is None:
                continue
            wanted = old_links.get(key)
            unlinked = (  # by a curator: create_synthesis would have linked it
                key in old_keys and wanted is None and text in old_sources.get((key[0], target), ())
            )
            if wanted is not None and wanted in sources[target]:
                links[key] = wanted
            elif text in sources[target] and not unlinked:
                links[key] = text
    new_sections = {section["thematic"] for section in new["sections"]}
    new_keys = {key for section in new["sections"] for *_rest, key in _iter_statement_keys(section)}
    # Links worth telling about: a curator's link (to other words) whose statement changed,
    # or any link of an unchanged statement whose source is gone. Not those of removed sections.
    lost = [
        (key, source)
        for key, source in old_links.items()
        if links.get(key) != source
        and key[0] in new_sections
        and (key in new_keys or source != key[3])
    ]
    removed = [
        section["thematic"]
        for section in old_document["sections"]
        if section["thematic"] not in new_sections
    ]
    changed = any(new[key] != old_document[key] for key in CONTENT_KEYS) or links != old_links
    if metadata:
        changed = changed or any(old_document[key] != value for key, value in metadata.items())
    return ContentPlan(new, links, lost, removed, changed, old_document)


@transaction.atomic
@batch()  # its history: one INSERT per table at the end, not one per object
def replace_synthesis_content(synthesis, plan, **fields):
    """Replaces the sections, shared RETEX sheets and flagship proposals of a synthesis.

    `plan` comes from plan_content; `fields` (region, department, parent…) are saved on the
    synthesis too. Sessions are left as they are. Links are set as the plan says.
    """
    document = plan.document
    # The follow-up of the actions and indicators the document keeps (same thematic, same
    # text) survives the import, with their identifiers.
    followup = followup_part.carry_over(synthesis, document)
    keys = followup_part.statement_keys({followup_part.KEY: followup})
    with batch(synthesis.pk):  # their history: one INSERT per table, not one per object
        synthesis.flagship_proposals.all().delete()
        synthesis.sections.all().delete()
        synthesis.retex_sheets.all().delete()
    for name, value in fields.items():
        setattr(synthesis, name, value)
    synthesis.save()  # also moves updated_at

    shared_sheets = _create_retex_sheets(synthesis, None, document.get("retex", []))
    thematics = {thematic.number: thematic for thematic in Thematic.objects.all()}
    for position, data in enumerate(document.get("sections", []), start=1):
        section = _create_section(
            synthesis, position, thematics[data["thematic"]], data, shared_sheets, keys
        )
        _apply_links(section, data, plan.links)
    for position, data in enumerate(document.get("flagship_proposals", []), start=1):
        FlagshipProposal.objects.create(
            synthesis=synthesis,
            position=position,
            **{field: data.get(field, "") for field in FLAGSHIP_FIELDS},
        )
    followup_part.create_followup(synthesis, {followup_part.KEY: followup})
    return synthesis


def _apply_links(section, data, links):
    """Points the section's linked statements (main irritants, axes) to the sources the plan
    decided."""
    for (stage, column), target in LINKED_COLUMNS.items():
        model, source_model = column_cell(stage, column).model, column_cell(*target).model
        first_source = {}
        for source in source_model.objects.filter(row__section=section).order_by(
            "row__position", "position"
        ):
            first_source.setdefault(source.text, source)
        statements = model.objects.filter(row__section=section).order_by(
            "row__position", "position"
        )
        keys = [
            key
            for key_stage, key_column, _row, _index, key in _iter_statement_keys(data)
            if (key_stage, key_column) == (stage, column)
        ]
        changed = []
        for statement, key in zip(statements, keys, strict=True):
            wanted = first_source.get(links[key]) if key in links else None
            if statement.source_id != (wanted.pk if wanted else None):
                statement.source = wanted
                changed.append(statement)
        model.objects.bulk_update(changed, ["source"])
        record(changed)


# The exact form, for backups -----------------------------------------------------------------


def backup_document(synthesis, *, loaded=False):
    """The content of a stored synthesis, with all create_synthesis needs to rebuild it exactly.

    The nested form of synthesis_document (so an import or create_synthesis reads it too),
    without the synthesis's own fields (etatsgeneraux.exchange.backup writes them) and with:
    - the position of every session, facilitator, section, row, statement, link and flagship
      proposal, as stored (gaps included);
    - every statement as an object, a linked statement with its own text as written (even
      empty) and its exact link: "source": {"row": r, "position": p}, the irritant (or lever)
      at position p of row r of the earlier stage of the same section, or null;
    - each RETEX link as {"position", "url", "label"};
    - a diagnostic row's reference to a shared RETEX sheet as {"number": n, "shared": true}
      when its section has a sheet n of its own (a bare number names the section's sheet).
    Raises ValueError, in French, for a link the document cannot name (to another section:
    the models' validation forbids it). One query per table; none when `loaded`, for a
    synthesis that `load_syntheses` returned.
    """
    return _serialized(synthesis, exact=True, loaded=loaded)[0]


def synthesis_fields(synthesis):
    """The synthesis's own fields, with natural keys instead of ids (codes, slugs)."""
    return {
        "slug": synthesis.slug,
        "title": synthesis.title,
        "year": synthesis.year,
        "status": synthesis.status,
        "region": synthesis.region.code,
        "department": synthesis.department.code if synthesis.department_id else None,
        "parent": synthesis.parent.slug if synthesis.parent_id else None,
    }


def _serialized(synthesis, *, exact=False, loaded=False):
    """(document, links) of a stored synthesis, in one query per table.

    By default the document of synthesis_document, and `links` that of synthesis_links.
    `exact`: the document of backup_document, and no links (they are in the document).
    """
    if not loaded:
        synthesis = _load(synthesis)
    sheets = list(synthesis.retex_sheets.all())
    section_sheets = {(sheet.section_id, sheet.number) for sheet in sheets if sheet.section_id}

    def placed(item, fields):
        return {"position": item.position, **fields} if exact else fields

    def statement(item, sources=None):
        if not exact:
            return _statement(item)
        data = {"position": item.position, "text": item.text, "emphasised": item.emphasised}
        if sources is not None:
            if item.source_id is not None and item.source_id not in sources:
                raise ValueError(
                    f"L'énoncé « {item.display_text} » est relié à un énoncé d'une autre "
                    "section : corrigez ce lien dans l'administration avant la sauvegarde."
                )
            data["source"] = sources.get(item.source_id)
        return data

    def link_document(link):
        if not exact:
            return link.url
        return {"position": link.position, "url": link.url, "label": link.label}

    def sheet_document(sheet):
        return {
            "number": sheet.number,
            "origin": sheet.origin,
            "title": sheet.title,
            "text": sheet.text,
            "links": [link_document(link) for link in sheet.links.all()],
        }

    def reference(row, sheet):
        if not exact:
            return sheet.number
        if sheet.section_id not in (None, row.section_id):
            raise ValueError(
                f"Une ligne de diagnostic cite la fiche RETEX {sheet.number} d'une autre "
                "section : corrigez-la dans l'administration avant la sauvegarde."
            )
        if sheet.section_id is None and (row.section_id, sheet.number) in section_sheets:
            return {"number": sheet.number, "shared": True}
        return sheet.number

    def row_document(stage, row, positions):
        data = {}
        for key, cell in row_layout(stage):
            if cell is not None:
                sources = positions[LINKED_COLUMNS[(stage.key, key)]] if cell.linked else None
                data[key] = [statement(s, sources) for s in getattr(row, cell.related_name).all()]
            elif key == RETEX_REFERENCES:
                data[key] = [reference(row, r.sheet) for r in row.retex_references.all()]
            else:
                data[key] = getattr(row, key)
        return placed(row, data)

    document = {} if exact else synthesis_fields(synthesis)
    document["sessions"] = [
        session_document(session, positions=exact) for session in synthesis.sessions.all()
    ]
    document["retex"] = [sheet_document(sheet) for sheet in sheets if sheet.section_id is None]
    document["sections"] = []
    document["flagship_proposals"] = [
        placed(proposal, {field: getattr(proposal, field) for field in FLAGSHIP_FIELDS})
        for proposal in synthesis.flagship_proposals.all()
    ]
    links = {}
    for section in sorted(synthesis.sections.all(), key=lambda section: section.position):
        data = placed(
            section,
            {
                "thematic": section.thematic.number,
                "title": section.title,
                "retex": [sheet_document(s) for s in sheets if s.section_id == section.pk],
            },
        )
        # Per link target (stage, column): {pk: {"row", "position"}} of its statements; per
        # linked column: its stored statements, in the order of _iter_statement_keys.
        positions, linked = {}, {}
        for stage in STAGES.values():
            rows = list(getattr(section, stage.related_name).all())
            data[stage.key] = [row_document(stage, row, positions) for row in rows]
            for cell in stage.cells:
                column = (stage.key, cell.key)
                if column in LINKED_COLUMNS.values():
                    positions[column] = {
                        item.pk: {"row": row.position, "position": item.position}
                        for row in rows
                        for item in getattr(row, cell.related_name).all()
                    }
                if column in LINKED_COLUMNS:
                    linked[column] = iter(
                        [item for row in rows for item in getattr(row, cell.related_name).all()]
                    )
        document["sections"].append(data)
        if not exact:
            for stage, column, _row, _index, key in _iter_statement_keys(data):
                if (stage, column) in linked:
                    stored = next(linked[(stage, column)])
                    if stored.source_id:
                        links[key] = stored.source.text
    return document, links
