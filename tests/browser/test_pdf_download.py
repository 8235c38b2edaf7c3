"""The PDF links of a synthesis, in Debian's Chromium, when the PDF is rendered in the
background: the click leads to the progress page, which then hands over the file.

The links used to carry the `download` attribute: the browser then saved whatever the URL
answered, here the progress page's HTML under a « .pdf » name, and showed nothing."""

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.pages import log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser")]

# The link, and a phrase of the document it gives.
LINKS = {
    "synthèse": (re.compile("^Télécharger le PDF"), "Pays de la Loire"),
    "thématique": (re.compile("^PDF de la thématique"), "THÉMATIQUE N°1"),
    "annexe": (re.compile("^PDF de l’annexe"), "Vendée"),
    "téléchargements": (re.compile("^PDF de la synthèse"), "Pays de la Loire"),
}


@pytest.mark.parametrize("which", list(LINKS))
def test_a_pdf_rendered_in_the_background_shows_its_progress_then_downloads(
    page, live_demo, facilitator, immediate_jobs, settings, which
):
    settings.PDF_INLINE_MAX_CHARACTERS = 0  # every cold PDF in the background
    link, phrase = LINKS[which]
    log_in(page, facilitator)
    page.goto("/syntheses/pays-de-la-loire-2020/")
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("link", name=link).first.click(no_wait_after=True)
    expect(page.get_by_role("heading", name=re.compile("Préparation du PDF"))).to_be_visible()
    assert download.value.suggested_filename.endswith(".pdf")
    pdf = PdfReader(download.value.path())
    text = " ".join(" ".join(page_.extract_text() or "" for page_ in pdf.pages).split())
    assert phrase in text
