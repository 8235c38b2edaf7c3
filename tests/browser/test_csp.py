"""The Content Security Policy: sent on every page, and respected by the pages themselves."""

import re

import pytest
from playwright.sync_api import expect

from etatsgeneraux.settings import BASE_DIR
from tests import factories
from workshops.models import Synthesis

SYNTHESIS = "/syntheses/vendee-2020/"
BOARD = "/syntheses/vendee-2020/thematiques/1/"
MISSING = "/cette-page-n-existe-pas/"


def policy(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


# The header ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/comptes/connexion/", SYNTHESIS, MISSING])
def test_every_page_sends_a_policy_without_inline_scripts(client, demo_data, path):
    response = client.get(path)
    assert response.status_code in {200, 404}
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'self'"]
    assert "unsafe" not in response["Content-Security-Policy"]


def test_the_board_and_the_admin_send_the_policy_too(admin_client, demo_data):
    for path in [BOARD, "/admin/", "/admin/workshops/synthesis/"]:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert policy(response)["script-src"] == ["'self'"]


INLINE = [
    # A <script> without src (not a JSON data block), a <style> element, a style attribute,
    # an event handler attribute.
    re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I),
    re.compile(r"<style[\s>]", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
]


def test_no_template_of_the_project_holds_inline_script_or_style():
    offending = []
    for template in sorted((BASE_DIR / "templates").rglob("*.html")):
        # Template comments ({# #} and {% comment %}) may talk about what they avoid.
        text = re.sub(r"{#.*?#}", "", template.read_text(), flags=re.S)
        text = re.sub(r"{% comment %}.*?{% endcomment %}", "", text, flags=re.S)
        for pattern in INLINE:
            for match in pattern.finditer(text):
                offending.append(f"{template.relative_to(BASE_DIR)}: {match.group(0)}")
    assert offending == []


# In the browser -----------------------------------------------------------------------------

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(
    `${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@pytest.fixture
def watched_page(browser, live_demo):
    """A browser page that records CSP violations, console errors and failed requests.

    The listener is an init script, which Playwright injects outside the page's policy.
    """
    context = browser.new_context(base_url=live_demo.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    problems = []
    context.expose_function("reportCspViolation", lambda text: problems.append(f"CSP {text}"))
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()

    def on_console(message):
        if message.type in {"error", "warning"}:
            where = message.location.get("url", "")
            # The 404 page's own status, which Chromium reports in the console.
            if not (MISSING in where and "404" in message.text):
                problems.append(f"console {message.type}: {message.text} ({where})")

    def on_response(response):
        if response.status >= 400 and MISSING not in response.url:
            problems.append(f"HTTP {response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
    page.on("response", on_response)
    page.problems = problems
    yield page
    context.close()


def visit(page, path):
    response = page.goto(path)
    page.wait_for_load_state("networkidle")
    return response


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.xdist_group("browser")
def test_the_pages_respect_the_policy_htmx_and_the_admin_included(
    watched_page, facilitator, admin_user
):
    page = watched_page
    synthesis = Synthesis.objects.get(slug="vendee-2020")

    # Anonymous: the home page, the login page, the 404 page.
    visit(page, "/")
    assert visit(page, MISSING).status == 404
    expect(page.get_by_role("heading", name="Page introuvable")).to_be_visible()
    visit(page, "/comptes/connexion/")
    page.get_by_label(re.compile("Nom d.utilisateur|Identifiant")).fill(facilitator.username)
    page.get_by_role("textbox", name=re.compile("^Mot de passe")).fill(factories.PASSWORD)
    page.get_by_role("button", name=re.compile("Se connecter")).click()
    expect(page.get_by_role("heading", name="Mes synthèses")).to_be_visible()

    # A facilitator: the synthesis, the board (an htmx save), its traceability, the
    # introduction form, the report preview, the history, the password form.
    visit(page, SYNTHESIS)
    visit(page, BOARD)
    field = page.get_by_label("Nouvel irritant, ligne 1", exact=False).first
    field.fill("Des tablettes sans connexion à la maison")
    field.press("Enter")
    expect(page.get_by_text("Des tablettes sans connexion à la maison", exact=True)).to_be_visible()
    page.wait_for_load_state("networkidle")
    visit(page, BOARD + "tracabilite/")
    visit(page, SYNTHESIS + "introduction/")
    expect(page.locator("form")).not_to_have_count(0)
    visit(page, SYNTHESIS + "apercu/")
    visit(page, SYNTHESIS + "historique/")
    visit(page, "/comptes/mot-de-passe/")

    # An administrator: the admin login, index, list, change form, history, import page.
    page.context.clear_cookies()
    visit(page, "/admin/login/")
    page.locator("#id_username").fill(admin_user.username)
    page.locator("#id_password").fill(factories.PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    for path in [
        "/admin/",
        "/admin/workshops/synthesis/",
        f"/admin/workshops/synthesis/{synthesis.pk}/change/",
        f"/admin/workshops/synthesis/{synthesis.pk}/history/",
        "/admin/workshops/synthesis/importer/",
    ]:
        assert visit(page, path).status == 200, path

    assert not page.problems, "\n".join(page.problems)
