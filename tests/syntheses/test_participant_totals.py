"""Participant totals of the introduction: per session and per synthesis, on the synthesis
page and in the PDF (participants of the nine categories; establishments of the first two)."""

import re
from html import unescape

import pytest
from django.db.models import Sum
from django.urls import reverse

from etatsgeneraux.publishing import versions as publishing
from etatsgeneraux.reports import pdf as reports
from etatsgeneraux.syntheses import participants
from tests import factories
from workshops.models import ParticipantCategory, Participation, Session, Synthesis

NNBSP = "\u202f"


def text_of(html):
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def grouped(number):
    """As printed (with a narrow no-break space), once text_of squeezed the spaces."""
    return f"{number:,}".replace(",", " ")


def expected(sessions):
    rows = Participation.objects.filter(session__in=sessions)
    people = rows.aggregate(total=Sum("participants"))["total"] or 0
    places = (
        rows.filter(category__counts_establishments=True).aggregate(total=Sum("establishments"))[
            "total"
        ]
        or 0
    )
    return people, places


@pytest.fixture
def counted(reference_data):
    """A synthesis with two sessions whose numbers are known."""
    synthesis = factories.SynthesisFactory(status=Synthesis.Status.PUBLISHED)
    categories = {c.number: c for c in ParticipantCategory.objects.all()}
    first = factories.SessionFactory(synthesis=synthesis, title="Séance académique", position=1)
    second = factories.SessionFactory(synthesis=synthesis, title="Rencontres", position=2)
    for session, numbers in (
        (first, {1: (12, 3), 2: (8, 2), 3: (5, None), 9: (1, None)}),
        (second, {1: (1000, 40), 4: (7, None), 5: (None, None)}),
    ):
        for number, (people, places) in numbers.items():
            factories.ParticipationFactory(
                session=session,
                category=categories[number],
                participants=people,
                establishments=places,
            )
    return synthesis


def test_totals_add_the_participants_of_every_category_and_the_establishments_of_two():
    one = ParticipantCategory(number=1, label="1er degré", counts_establishments=True, pk=1)
    three = ParticipantCategory(number=3, label="Académie", counts_establishments=False, pk=3)
    categories = [
        (one, Participation(participants=12, establishments=3)),
        # An establishment count in another category (not possible in the forms) is not added.
        (three, Participation(participants=5, establishments=9)),
        (ParticipantCategory(number=4, pk=4), None),
    ]
    totals = participants.session_totals(categories)
    assert (totals.participants, totals.establishments) == (17, 3)
    assert totals.text == "17\u00a0participants, 3\u00a0établissements représentés"
    empty = participants.session_totals([(one, Participation(participants=None))])
    assert not empty.entered
    assert empty.text == "aucun nombre de participants renseigné"
    only_people = participants.session_totals([(three, Participation(participants=1))])
    assert only_people.text == "1\u00a0participant"


def test_the_synthesis_page_shows_the_totals_of_each_session_and_of_the_synthesis(counted, client):
    page = text_of(client.get(reverse("syntheses:detail", args=[counted.slug])).content.decode())
    assert (
        f"Au total, sur les 2 sessions : {grouped(1033)} participants, "
        "45 établissements représentés" in page
    )
    assert "Total de la session 26 5" in page  # 12 + 8 + 5 + 1; 3 + 2
    assert "Total de la session 1007 40" in page


def test_the_totals_of_the_shipped_synthesis_match_its_numbers(regional, client):
    people, places = expected(Session.objects.filter(synthesis=regional))
    assert people > 0 and places > 0
    page = text_of(client.get(reverse("syntheses:detail", args=[regional.slug])).content.decode())
    assert f"{grouped(people)} participants, {grouped(places)} établissements représentés" in page
    for session in Session.objects.filter(synthesis=regional):
        own_people, own_places = expected([session])
        assert f"Total de la session {own_people} {own_places or '—'}" in page


def test_the_report_prints_the_same_totals(counted):
    report = reports.build_report(Synthesis.objects.get(pk=counted.pk), None)
    text = text_of(reports.render_html(report, for_pdf=True))
    assert f"Participants, sur les 2 sessions : {grouped(1033)} participants, 45" in text
    assert "Total de la session 26 participants 5 établissements représentés" in text
    assert f"Total de la session {grouped(1007)} participants 40 établissements" in text


def test_a_reader_of_a_published_version_sees_its_totals(counted, client):
    publishing.publish(counted)
    Participation.objects.filter(session__synthesis=counted).update(participants=1)
    page = text_of(client.get(reverse("syntheses:detail", args=[counted.slug])).content.decode())
    assert f"{grouped(1033)} participants" in page  # the published numbers, not today's


@pytest.mark.slow
@pytest.mark.usefixtures("fresh_cache")
def test_the_pdf_prints_the_totals(counted, client):
    import io

    from pypdf import PdfReader

    response = client.get(reverse("reports:synthesis_pdf", args=[counted.slug]))
    text = " ".join(
        page.extract_text() or "" for page in PdfReader(io.BytesIO(response.content)).pages
    )
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace(NNBSP, " "))
    assert "1 033 participants, 45 établissements représentés" in text
    assert "Total de la session" in text
