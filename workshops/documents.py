"""A synthesis as one nested document (plain dicts and lists), and back into the database.

The nested form follows the national template: sessions, then thematic sections holding
RETEX sheets and the diagnostic, projection and action-plan tables, then flagship
proposals. A statement is a string, or {"text": ..., "emphasised": true}.

A main irritant whose text is exactly that of a diagnostic irritant of the same section
is linked to it (keeping its text as written); likewise an axis (Quoi) and a lever. That
is how the facilitators' retyped statements become the chain the platform traces.
"""

from django.db import transaction

from actionplans.models import (
    Action,
    ActionPlanRow,
    Actor,
    Axis,
    FlagshipProposal,
    Indicator,
    Timing,
)

from .models import (
    Department,
    DiagnosticRow,
    Facilitator,
    Irritant,
    Lever,
    MainIrritant,
    Need,
    ParticipantCategory,
    Participation,
    ProjectionRow,
    Region,
    RetexLink,
    RetexReference,
    RetexSheet,
    Session,
    Strength,
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


def statement_fields(statement):
    if isinstance(statement, str):
        return {"text": statement, "emphasised": False}
    return {"text": statement["text"], "emphasised": bool(statement.get("emphasised"))}


def _create_statements(model, row, statements):
    model.objects.bulk_create(
        model(row=row, position=position, **statement_fields(statement))
        for position, statement in enumerate(statements, start=1)
    )


def _create_linked(model, row, statements, sources):
    """Links a statement to an earlier one of the same section when the text is identical."""
    objects = []
    for position, statement in enumerate(statements, start=1):
        fields = statement_fields(statement)
        source = sources.get(fields["text"])
        objects.append(model(row=row, position=position, source=source, **fields))
    model.objects.bulk_create(objects)


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
        RetexLink.objects.bulk_create(
            RetexLink(sheet=sheet, position=position, url=url)
            for position, url in enumerate(data.get("links", []), start=1)
        )
        created[sheet.number] = sheet
    return created


@transaction.atomic
def create_synthesis(document):
    """Creates a synthesis and all its content from a nested document; returns it."""
    synthesis = Synthesis.objects.create(
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
    categories = {category.number: category for category in ParticipantCategory.objects.all()}
    for position, data in enumerate(document.get("sessions", []), start=1):
        session = Session.objects.create(
            synthesis=synthesis,
            position=position,
            title=data["title"],
            dates_places=data.get("dates_places", ""),
            format=data.get("format", ""),
            facilitators_note=data.get("facilitators_note", ""),
        )
        Facilitator.objects.bulk_create(
            Facilitator(
                session=session,
                position=index,
                name=facilitator["name"],
                role=facilitator.get("role", ""),
                note=facilitator.get("note", ""),
            )
            for index, facilitator in enumerate(data.get("facilitators", []), start=1)
        )
        Participation.objects.bulk_create(
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
        _create_section(synthesis, position, thematics[data["thematic"]], data, shared_sheets)

    for position, data in enumerate(document.get("flagship_proposals", []), start=1):
        FlagshipProposal.objects.create(
            synthesis=synthesis,
            position=position,
            **{field: data.get(field, "") for field in FLAGSHIP_FIELDS},
        )
    return synthesis


def _create_section(synthesis, position, thematic, data, shared_sheets):
    section = ThematicSection.objects.create(
        synthesis=synthesis, thematic=thematic, position=position, title=data.get("title", "")
    )
    sheets = {**shared_sheets, **_create_retex_sheets(synthesis, section, data.get("retex", []))}

    irritants = {}
    for row_position, row_data in enumerate(data.get("diagnostic", []), start=1):
        row = DiagnosticRow.objects.create(
            section=section,
            position=row_position,
            thematic_label=row_data.get("thematic_label", ""),
            retex_label=row_data.get("retex_label", ""),
        )
        RetexReference.objects.bulk_create(
            RetexReference(row=row, sheet=sheets[number]) for number in row_data.get("retex", [])
        )
        _create_statements(Irritant, row, row_data.get("irritants", []))
        _create_statements(Strength, row, row_data.get("strengths", []))
        for irritant in row.irritants.all():
            irritants.setdefault(irritant.text, irritant)

    levers = {}
    for row_position, row_data in enumerate(data.get("projections", []), start=1):
        row = ProjectionRow.objects.create(
            section=section,
            position=row_position,
            thematic_label=row_data.get("thematic_label", ""),
        )
        _create_linked(MainIrritant, row, row_data.get("main_irritants", []), irritants)
        _create_statements(Need, row, row_data.get("needs", []))
        _create_statements(Lever, row, row_data.get("levers", []))
        for lever in row.levers.all():
            levers.setdefault(lever.text, lever)

    for row_position, row_data in enumerate(data.get("action_plan", []), start=1):
        row = ActionPlanRow.objects.create(
            section=section,
            position=row_position,
            thematic_label=row_data.get("thematic_label", ""),
            horizon=row_data.get("horizon", ""),
        )
        _create_linked(Axis, row, row_data.get("axes", []), levers)
        _create_statements(Action, row, row_data.get("actions", []))
        _create_statements(Actor, row, row_data.get("actors", []))
        _create_statements(Timing, row, row_data.get("timing", []))
        _create_statements(Indicator, row, row_data.get("indicators", []))
    return section
