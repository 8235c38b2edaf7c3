"""End to end, in Debian's Chromium: a facilitator records the follow-up of Pays de la Loire
actions and indicators; a departmental referent reads the bars, the charts with their
tables, and downloads the follow-up PDF. No CSP violation, no script error on the way."""

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from actionplans.models import Indicator
from tests.browser.pages import log_in
from tests.browser.test_publishing import watched

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser")]

REGIONAL = "pays-de-la-loire-2020"
FOLLOWUP = f"/syntheses/{REGIONAL}/suivi/"


def record_indicator(page, key, unit, initial, target, measurements):
    page.goto(f"{FOLLOWUP}indicateurs/{key}/")
    page.get_by_label("Unité").fill(unit)
    page.get_by_label("Valeur initiale", exact=True).fill(initial)
    page.get_by_label("Date de la valeur initiale").fill("2021-01-04")
    page.get_by_label("Cible", exact=True).fill(target)
    page.get_by_label("Date de la cible").fill("2022-06-30")
    page.get_by_role("button", name="Enregistrer les valeurs").click()
    expect(page.get_by_text("Valeurs de l’indicateur enregistrées.")).to_be_visible()
    for day, value in measurements:
        page.get_by_label("Date de la mesure").fill(day)
        page.get_by_label("Valeur mesurée").fill(value)
        page.get_by_role("button", name="Enregistrer la mesure").click()
        expect(page.get_by_text("Mesure enregistrée.")).to_be_visible()


def test_a_facilitator_records_the_follow_up_and_a_referent_reads_it(
    browser, live_demo, facilitator, referent, immediate_jobs
):
    indicators = list(
        Indicator.objects.filter(row__section__synthesis__slug=REGIONAL)
        .order_by("row__section__position", "row__position", "position")
        .values_list("key", "text")[:2]
    )
    facilitator_context, page = watched(browser, live_demo)
    referent_context, reader = watched(browser, live_demo)
    try:
        log_in(page, facilitator)
        page.goto(f"/syntheses/{REGIONAL}/")
        page.get_by_role("link", name=re.compile("État d’avancement")).click()
        expect(page.get_by_role("heading", name="État d’avancement", level=1)).to_be_visible()

        # Three actions at once, one journal entry each.
        table = page.locator("#table-actions")
        for index in range(3):
            # The DSFR draws the box over the (transparent) input, named by a hidden label.
            table.get_by_role("checkbox").nth(index).check(force=True)
        page.get_by_label("Nouveau statut").select_option(label="En cours")
        page.get_by_label(re.compile("^Avancement \\(%\\)")).fill("30")
        page.get_by_label("Commentaire", exact=True).fill("Lancées au comité de pilotage.")
        page.get_by_role("button", name="Appliquer aux actions cochées").click()
        expect(page.get_by_text("3 actions passées à «\u00a0En cours\u00a0»")).to_be_visible()

        # One more, finished, from its own page.
        table.get_by_role("link").nth(3).click()
        page.get_by_label(re.compile("^Statut")).select_option(label="Terminée")
        page.get_by_label("Où en est-on\u00a0?").fill("Livré en juin.")
        page.get_by_role("button", name="Enregistrer le point").click()
        expect(page.get_by_text("Suivi de l’action enregistré.")).to_be_visible()
        expect(page.get_by_text("Livré en juin.")).to_be_visible()

        record_indicator(
            page, indicators[0][0], "%", "10", "50", [("2021-03-01", "20"), ("2021-06-01", "30,5")]
        )
        record_indicator(page, indicators[1][0], "élèves", "100", "400", [("2021-04-01", "180")])
        assert page.problems == []

        # The referent of the Vendée reads the region's follow-up.
        log_in(reader, referent)
        reader.goto(FOLLOWUP)
        expect(reader.locator("svg.fu-bar").first).to_be_visible()
        statuses = reader.locator("#statuts")
        expect(statuses.get_by_role("row", name=re.compile("En cours 3"))).to_be_visible()
        expect(statuses.get_by_role("row", name=re.compile("Terminée 1"))).to_be_visible()
        expect(reader.get_by_role("button", name="Appliquer aux actions cochées")).to_have_count(0)
        block = reader.locator(f"#indicateur-{indicators[0][0]}")
        expect(block.get_by_role("img")).to_be_visible()  # the chart, named by its title
        expect(block.get_by_text("51\u00a0% = (30,5 − 10) / (50 − 10)")).to_be_visible()
        block.get_by_text(re.compile("Données du graphique")).click()
        expect(block.get_by_role("cell", name="30,5")).to_be_visible()
        expect(
            reader.locator(f"#indicateur-{indicators[1][0]}").get_by_text("27\u00a0%")
        ).to_be_visible()

        # The PDF is rendered by a background job (run at once here): the link leads to
        # its progress page, which then hands over the file.
        with reader.expect_download(timeout=60_000) as download:
            reader.get_by_role("link", name="Télécharger l’état d’avancement (PDF)").click(
                no_wait_after=True
            )
        expect(reader.get_by_role("heading", name=re.compile("Préparation du PDF"))).to_be_visible()
        pdf = PdfReader(download.value.path())
        text = "\n".join(page_.extract_text() for page_ in pdf.pages)
        assert "État d’avancement" in text
        assert "30,5" in text
        assert reader.problems == []
    finally:
        facilitator_context.close()
        referent_context.close()
