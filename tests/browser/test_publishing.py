"""End to end, in Debian's Chromium: a facilitator publishes on purpose; a visitor reads the
last published version until then, and every page of the path respects the CSP."""

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.pages import download_rendered_in_the_background, log_in
from workshops.models import PublishedVersion, Synthesis

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser")]

SYNTHESIS = "/syntheses/vendee-2020/"
BOARD = "/syntheses/vendee-2020/thematiques/1/"
PREVIEW = "/syntheses/vendee-2020/apercu/"
ADDED = "Des clés 4G prêtées aux familles après la publication"

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def watched(browser, live_demo):
    """A browser context of its own (a person), which records CSP violations and errors."""
    context = browser.new_context(base_url=live_demo.url, locale="fr-FR", accept_downloads=True)
    context.set_default_timeout(10_000)
    problems = []
    context.expose_function("reportCspViolation", lambda text: problems.append(f"CSP {text}"))
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on(
        "console",
        lambda message: message.type == "error" and problems.append(f"console: {message.text}"),
    )
    page.problems = problems
    return context, page


def preview_text(page):
    page.goto(PREVIEW)
    return page.locator("article.document").inner_text()


def test_a_visitor_reads_the_published_version_until_the_facilitator_publishes(
    browser, live_demo, facilitator
):
    # Loading the shipped data published the Vendée annex: its first version.
    synthesis = Synthesis.objects.get(slug="vendee-2020")
    assert PublishedVersion.objects.filter(synthesis=synthesis).count() == 1

    visitor_context, visitor = watched(browser, live_demo)
    facilitator_context, page = watched(browser, live_demo)
    try:
        visitor.goto(SYNTHESIS)
        expect(visitor.get_by_text(re.compile(r"Version n°\s1, publiée le"))).to_be_visible()

        # The facilitator adds a strength on the board.
        log_in(page, facilitator)
        page.goto(BOARD)
        field = page.get_by_label("Nouveau point fort, ligne 1", exact=False).first
        field.fill(ADDED)
        field.press("Enter")
        expect(page.get_by_text(ADDED, exact=True)).to_be_visible()

        # The visitor does not see it; the facilitator is told it is not published.
        assert ADDED not in preview_text(visitor)
        page.goto(SYNTHESIS)
        notice = page.locator("#modifications-non-publiees")
        expect(notice).to_contain_text("Modifications non publiées")
        notice.get_by_role("link", name="Publier les modifications").click()

        # The confirmation page says what changed, then publishes.
        expect(page.get_by_role("heading", level=1)).to_contain_text("Publier les modifications")
        expect(page.locator(".publication-changes")).to_contain_text("1\u00a0énoncé ajouté")
        page.get_by_role("button", name="Publier les modifications").click()
        expect(page.get_by_text(re.compile("Version 2 publiée"))).to_be_visible()
        assert page.url.endswith(SYNTHESIS + "#versions")
        expect(page.locator("#modifications-non-publiees")).to_have_count(0)

        # The visitor reads it now; version 1 stays downloadable without it.
        assert ADDED in preview_text(visitor)
        visitor.goto(SYNTHESIS)
        versions = visitor.locator("#versions")
        expect(versions.locator("li.section-summary")).to_have_count(2)
        download = download_rendered_in_the_background(  # right after a change
            visitor, versions.get_by_role("link", name=re.compile(r"PDF de la version n°\s1"))
        )
        assert download.suggested_filename == "synthese-vendee-2020-version-1.pdf"
        reader = PdfReader(download.path())
        old = " ".join(pdf_page.extract_text() or "" for pdf_page in reader.pages)
        assert "clés 4G prêtées" not in old

        assert not visitor.problems, "\n".join(visitor.problems)
        assert not page.problems, "\n".join(page.problems)
    finally:
        visitor_context.close()
        facilitator_context.close()
