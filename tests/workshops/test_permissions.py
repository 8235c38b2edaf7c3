"""The permission matrix: role × view × own or other territory → what the server answers.

The syntheses are drafts, so that reading them already needs a role; published syntheses are
readable by everyone (tests/syntheses/test_visibility.py).
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories
from workshops.models import Department, Irritant, Region, Synthesis, Thematic

pytestmark = pytest.mark.django_db

VENDEE = "vendee-2020"  # departmental (85), annex of the regional Pays de la Loire synthesis


def facilitator_of(region_code):
    region = Region.objects.get(code=region_code)
    return factories.FacilitatorMembershipFactory(region=region).user


def referent_of(department_code):
    department = Department.objects.get(code=department_code)
    return factories.ReferentMembershipFactory(department=department).user


# Each role: how to make its user (None: an anonymous visitor).
ROLES = {
    "anonyme": lambda: None,
    "sans rôle": factories.UserFactory,
    "administrateur": lambda: factories.UserFactory(is_staff=True),
    "animateur de la région": lambda: facilitator_of("pays-de-la-loire"),
    "animateur d'une autre région": lambda: facilitator_of("bretagne"),
    "référent du département": lambda: referent_of("85"),
    "référent d'un autre département de la région": lambda: referent_of("44"),
    "référent d'une autre région": lambda: referent_of("29"),
}


def board(name, *args):
    return reverse(
        ("board:page" if name == "board" else name.replace("board_", "board:", 1)),
        args=[VENDEE, 1, *args],
    )


def first_irritant():
    return Irritant.objects.get(row__section__synthesis__slug=VENDEE)


@pytest.fixture
def drafts(reference_data):
    """A draft regional synthesis of Pays de la Loire and its draft Vendée annex."""
    region = Region.objects.get(code="pays-de-la-loire")
    regional = factories.SynthesisFactory(region=region, status=Synthesis.Status.DRAFT)
    vendee = factories.SynthesisFactory(
        slug=VENDEE,
        region=region,
        department=Department.objects.get(code="85"),
        parent=regional,
        status=Synthesis.Status.DRAFT,
    )
    factories.IrritantFactory(
        row__section__synthesis=vendee, row__section__thematic=Thematic.objects.get(number=1)
    )


# view → (method, url builder)
VIEWS = {
    "page de la synthèse": ("get", lambda: reverse("syntheses:detail", args=[VENDEE])),
    "aperçu": ("get", lambda: reverse("reports:synthesis_preview", args=[VENDEE])),
    "PDF": ("get", lambda: reverse("reports:synthesis_pdf", args=[VENDEE])),
    "tableau de l'atelier": ("get", lambda: board("board")),
    "traçabilité": ("get", lambda: board("board_traceability")),
    "modifier l'introduction": (
        "get",
        lambda: reverse("workshops:introduction_edit", args=[VENDEE]),
    ),
    "nouvelle proposition phare": (
        "get",
        lambda: reverse("actionplans:proposal_create", args=[VENDEE]),
    ),
    "historique des modifications": (
        "get",
        lambda: reverse("history:page", args=[VENDEE]),
    ),
    "mettre en avant un irritant": (
        "post",
        lambda: board("board_emphasis", "irritants", first_irritant().pk),
    ),
}
READ = ["page de la synthèse", "aperçu", "PDF", "tableau de l'atelier", "traçabilité"]
EDIT = ["modifier l'introduction", "nouvelle proposition phare", "historique des modifications"]
CHANGE = ["mettre en avant un irritant"]

# Expected answers per role, for the views that read, open a form, or change something.
# Anonymous visitors are sent to log in (an htmx change gets a 401, so the page can keep
# what was typed); a reader who may not edit gets 403; a stranger gets 404, which does not
# tell whether the draft exists.
EXPECTED = {
    "anonyme": {"read": 302, "edit": 302, "change": 401},
    "sans rôle": {"read": 404, "edit": 404, "change": 404},
    "administrateur": {"read": 200, "edit": 200, "change": 200},
    "animateur de la région": {"read": 200, "edit": 200, "change": 200},
    "animateur d'une autre région": {"read": 404, "edit": 404, "change": 404},
    "référent du département": {"read": 200, "edit": 403, "change": 403},
    "référent d'un autre département de la région": {"read": 404, "edit": 404, "change": 404},
    "référent d'une autre région": {"read": 404, "edit": 404, "change": 404},
}


def kind(view):
    return "read" if view in READ else "edit" if view in EDIT else "change"


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("role", list(ROLES))
def test_permission_matrix(drafts, role, view):
    user = ROLES[role]()
    client = Client()
    if user is not None:
        client.force_login(user)
    method, url = VIEWS[view]
    irritant = first_irritant()
    data = {"version": irritant.version, "emphasised": "true"} if method == "post" else None
    headers = {"HX-Request": "true"} if method == "post" else {}
    response = getattr(client, method)(url(), data, headers=headers)

    assert response.status_code == EXPECTED[role][kind(view)]
    irritant.refresh_from_db()
    assert irritant.emphasised == (method == "post" and EXPECTED[role]["change"] == 200), (
        "a refused change must not be saved"
    )
