"""Every page fits a 390 px wide phone: the page itself never scrolls sideways.

A table too wide for the screen scrolls inside its own region (labelled, reachable by
keyboard) or turns into stacked cards; the page around it stays 390 px wide. Each page is
visited as the role that uses it, on the shipped Pays de la Loire data.
"""

import pytest
from playwright.sync_api import expect

from actionplans.models import NationalProposal
from etatsgeneraux.jobs.models import Job
from etatsgeneraux.national import index
from tests import factories
from tests.browser.pages import log_in
from workshops.fixtures import DEMO_SLUGS
from workshops.models import Irritant, Membership, Thematic

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("browser")]

PHONE = {"width": 390, "height": 844}
REGIONAL = f"/syntheses/{DEMO_SLUGS[0]}/"

# The elements reaching past the right edge of the screen, to say what overflows.
OVERFLOWING = """
(width) => {
  const found = [];
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.width && box.right > width + 0.5) {
      let inScroller = false;
      for (let up = element.parentElement; up && up !== document.body; up = up.parentElement) {
        const style = getComputedStyle(up);
        if (["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) {
          inScroller = true;
          break;
        }
      }
      if (!inScroller) {
        const name = element.tagName.toLowerCase()
          + (element.id ? "#" + element.id : "")
          + (element.className && typeof element.className === "string"
             ? "." + element.className.trim().split(/\\s+/).join(".") : "");
        found.push(`${name} (right ${Math.round(box.right)} px)`);
      }
    }
  }
  return found.slice(0, 8);
}
"""

# The pages as each role finds them: (role, path, what the page must show).
PAGES = [
    ("visitor", "/", "Synthèses des ateliers"),
    ("visitor", "/comptes/connexion/", "Connexion"),
    ("facilitator", "/", "Mes synthèses"),
    ("facilitator", REGIONAL, None),
    ("facilitator", REGIONAL + "thematiques/3/", None),
    ("facilitator", REGIONAL + "thematiques/3/tracabilite/", None),
    ("facilitator", REGIONAL + "introduction/", None),
    ("facilitator", REGIONAL + "propositions/nouvelle/", None),
    ("facilitator", REGIONAL + "historique/", "Historique des modifications"),
    ("facilitator", f"/syntheses/{DEMO_SLUGS[1]}/archiver/", None),
    ("facilitator", "/comptes/mot-de-passe/", None),
    ("facilitator", REGIONAL + "apercu/", None),
    ("facilitator", REGIONAL + "suivi/", "État d’avancement"),
    ("referent", REGIONAL, None),
    ("referent", REGIONAL + "thematiques/3/", None),
    ("referent", REGIONAL + "suivi/", "État d’avancement"),
    ("admin", "/admin/", None),
    ("national", "/national/", None),
    ("national", "/national/recherche/?q=maintenance+du+mat%C3%A9riel", None),
    ("national", "/national/propositions/", None),
    ("national", "/national/propositions/12/", None),
    ("national", "/national/regroupements/", None),
    ("national", "/national/document/", None),
    ("referent", "JOB", None),  # the progress page of a background job
]


def page_width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def phone(browser, live_demo):
    """A browser context the size of a phone (390 × 844), one per role."""
    contexts = []

    def open_as(user):
        context = browser.new_context(base_url=live_demo.url, locale="fr-FR", viewport=PHONE)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            log_in(page, user)
        return page

    yield open_as
    for context in contexts:
        context.close()


# Every table that scrolls sideways inside its container is a labelled region the keyboard
# reaches: [description of each one that is not].
UNREACHABLE_SCROLLING_TABLES = """
() => [...document.querySelectorAll(".fr-table__container")]
  .filter((box) => box.offsetParent !== null && box.scrollWidth > box.clientWidth + 1)
  .filter((box) => !(box.getAttribute("role") === "region" && box.getAttribute("aria-label")
                     && box.getAttribute("tabindex") === "0"))
  .map((box) => (box.querySelector("caption") || box).textContent.trim().slice(0, 60))
"""


def test_every_page_fits_a_390_px_phone(phone, facilitator, referent, admin_user):
    # A change with its history, so that the history page shows its table.
    irritant = Irritant.objects.filter(row__section__synthesis__slug=DEMO_SLUGS[0]).first()
    irritant.text += " (corrigé)"
    irritant.save()
    # The national team's pages with something in them: the index, a proposal; a job.
    index.rebuild()
    national = factories.UserFactory(username="nationale")
    Membership.objects.create(user=national, role=Membership.Role.NATIONAL)
    NationalProposal.objects.create(
        number=12, thematic=Thematic.objects.get(number=1), title="Assurer la maintenance"
    )
    job = Job.objects.create(
        kind="pdf",
        requested_by=referent,
        synthesis=irritant.row.section.synthesis,
        progress=40,
        message="Mise en page de la synthèse régionale et de ses annexes départementales…",
    )
    pages = {
        "visitor": phone(None),
        "facilitator": phone(facilitator),
        "referent": phone(referent),
        "admin": phone(admin_user),
        "national": phone(national),
    }
    too_wide = []
    for role, path, heading in PAGES:
        page = pages[role]
        path = job.get_absolute_url() if path == "JOB" else path
        response = page.goto(path)
        assert response.status == 200, (role, path, response.status)
        page.wait_for_load_state("networkidle")
        if heading:
            expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()
        width = page_width(page)
        if width > PHONE["width"]:
            culprits = page.evaluate(OVERFLOWING, PHONE["width"])
            too_wide.append(f"{role} {path}: {width} px – {', '.join(culprits)}")
        unreachable = page.evaluate(UNREACHABLE_SCROLLING_TABLES)
        if unreachable:
            too_wide.append(f"{role} {path}: unlabelled scrolling tables {unreachable}")
    assert too_wide == [], "\n".join(too_wide)


def test_the_board_s_rows_are_cards_that_fit_the_phone(phone, facilitator):
    """Every column of a stage is readable without scrolling: each row is a card, each
    column under its name."""
    page = phone(facilitator)
    page.goto(REGIONAL + "thematiques/3/")
    page.wait_for_load_state("networkidle")
    for stage in ("diagnostic", "projections", "plan-action"):
        page.locator(f"#tab-{stage}").click()
        table = page.locator(f"#stage-{stage} table")
        expect(table).to_be_visible()
        # The table never scrolls sideways in its container, no wider than the screen.
        widths = page.evaluate(
            """(stage) => {
                const box = document.querySelector(`#stage-${stage} .fr-table__container`);
                const cells = [...box.querySelectorAll("tbody tr:first-child > *")];
                return {
                    container: box.clientWidth,
                    content: box.scrollWidth,
                    cells: Math.max(...cells.map((cell) => cell.offsetWidth)),
                };
            }""",
            stage,
        )
        assert widths["content"] <= widths["container"] <= PHONE["width"], (stage, widths)
        assert widths["cells"] <= widths["container"], (stage, widths)
        # Each list of statements shows the name of its column.
        label = page.evaluate(
            """(stage) => {
                const list = document.querySelector(`#stage-${stage} .board-statements`);
                return getComputedStyle(list, "::before").content;
            }""",
            stage,
        )
        assert "ligne 1" in label, (stage, label)
    assert page_width(page) <= PHONE["width"]
