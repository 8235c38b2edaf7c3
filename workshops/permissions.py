"""Who may read, change and manage a synthesis: the platform's rules, in one place.

- Read (`visible_to`): published syntheses for everyone, anonymous visitors included;
  drafts for the members of their territory and for staff. A logged-in user without a
  role reads like an anonymous visitor. An anonymous visitor asking for a draft is sent
  to the login page; a logged-in user who may not read it gets a 404, which does not tell
  whether the draft exists.
- Change (`editable_by`): staff, and the facilitators of the synthesis's region. A reader
  who may not change it gets a 403, whatever the templates show.
- Manage (`manageable_by`): archive and restore. An archived synthesis is read-only for
  everyone and readable only by those who manage it.
- The national layer (`is_national_team`): staff and the members of « Équipe nationale »
  read every active synthesis, drafts included (`visible_to`), and curate the national
  proposals, their tags and the groups of similar statements; every other logged-in user
  sees the national pages restricted to the syntheses they read, and curates nothing (403).
- Publish (`may_publish`): those who change a published synthesis make its working version
  public. Until then, whoever does not manage it reads its last published version
  (`reads_working_version`); a draft is read as it is being written.

The workshop board (`may_open_board`) asks for a login, and shows the working version only to
those who read it (`reads_working_version`).

Every view goes through one of the decorators below (or `may_read` / `may_edit` for the
views that resolve their synthesis themselves).
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods, require_safe

from .models import Membership, PublishedVersion, Synthesis

ARCHIVED_READ_ONLY = (
    "Cette synthèse est archivée\u00a0: elle ne peut plus être modifiée. "
    "Restaurez-la depuis sa page pour la modifier à nouveau."
)
READ_ONLY = "Vous pouvez lire cette synthèse, pas la modifier."
SESSION_EXPIRED = (
    "Votre session a expiré : vos modifications n'ont pas été enregistrées. "
    "Reconnectez-vous, puis saisissez-les à nouveau."
)
NOT_FOUND = "Synthèse introuvable."


def readable_syntheses(user):
    """The syntheses this user may read (`user=None`: the command line, which reads all)."""
    syntheses = Synthesis.objects.all() if user is None else Synthesis.objects.visible_to(user)
    return syntheses.select_related("region", "department", "parent")


def may_read(user, synthesis):
    """Whether this user may read this synthesis, its pages and its documents."""
    if user is None or (
        synthesis.status == Synthesis.Status.PUBLISHED and synthesis.archived_at is None
    ):
        return True
    return readable_syntheses(user).filter(pk=synthesis.pk).exists()


def is_national_team(user):
    """Whether this user curates the national layer (staff, or « Équipe nationale »)."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return user.memberships.filter(role=Membership.Role.NATIONAL).exists()


def national_team_required(view):
    """Lets the national team through; other users get a 403 (visitors, the login page)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return login_required_for(request)
        if not is_national_team(request.user):
            raise PermissionDenied("Seule l’équipe nationale peut faire cela.")
        return view(request, *args, **kwargs)

    return wrapper


def may_edit(user, synthesis):
    """Whether this user may change this synthesis (never an archived one)."""
    if not user.is_authenticated or synthesis.is_archived:
        return False
    return Synthesis.objects.editable_by(user).filter(pk=synthesis.pk).exists()


def may_manage(user, synthesis):
    """Whether this user may archive or unarchive it."""
    if not user.is_authenticated:
        return False
    return Synthesis.objects.manageable_by(user).filter(pk=synthesis.pk).exists()


def may_open_board(user, synthesis, *, reads=None, manages=None):
    """Whether this user may open the workshop board of this synthesis (read-only for those
    who may not change it): a logged-in user who reads what the facilitators are writing
    (`reads_working_version`). The board is the facilitators' live working copy: visitors,
    and the readers of a published synthesis who do not manage it, read its page, its
    preview and its PDF, as last published. `reads`, `manages`: the answers of `may_read`
    and `may_manage`, when the caller has them already."""
    if not user.is_authenticated:
        return False
    if not (may_read(user, synthesis) if reads is None else reads):
        return False
    return reads_working_version(user, synthesis, manages=manages)


def may_publish(user, synthesis, *, edits=None):
    """Whether this user may publish the working version of this synthesis (« Publier les
    modifications »): those who change it, once it is published. `edits`: the answer of
    `may_edit`, when the caller has it already."""
    if synthesis.status != Synthesis.Status.PUBLISHED:
        return False
    return may_edit(user, synthesis) if edits is None else edits


def reads_working_version(user, synthesis, *, manages=None):
    """Whether this user reads what the facilitators are writing rather than the last published
    version: everyone for a draft, only those who manage it for a published synthesis (its
    facilitators and the administrators; the others read its last published version).
    `manages`: the answer of `may_manage`, when the caller has it already."""
    if synthesis.status != Synthesis.Status.PUBLISHED or user is None:
        return True
    return may_manage(user, synthesis) if manages is None else manages


def versions_read_by(user, syntheses):
    """{synthesis id: the PublishedVersion this user reads} for the syntheses this user reads
    as published (see `reads_working_version`); the others are read as they are stored.

    `user` None (the command line) reads every synthesis as stored. Two queries at most,
    whatever the number of syntheses.
    """
    published = [s for s in syntheses if s.status == Synthesis.Status.PUBLISHED]
    if user is None or not published:
        return {}
    if len(published) == 1:
        managed = {published[0].pk} if reads_working_version(user, published[0]) else set()
    elif user.is_authenticated:
        managed = set(
            Synthesis.objects.manageable_by(user)
            .filter(pk__in=[s.pk for s in published])
            .values_list("pk", flat=True)
        )
    else:
        managed = set()
    return PublishedVersion.objects.latest_of([s for s in published if s.pk not in managed])


def refuse_edit(user, synthesis):
    """The refusal for a user who may not change this synthesis: 403 or 404."""
    if synthesis.is_archived and may_manage(user, synthesis):
        raise PermissionDenied(ARCHIVED_READ_ONLY)
    if may_read(user, synthesis):
        raise PermissionDenied(READ_ONLY)
    raise Http404(NOT_FOUND)


def login_required_for(request):
    """The login page, with a word when a form was sent from an expired session."""
    if request.method == "POST":
        messages.warning(request, SESSION_EXPIRED)
    return redirect_to_login(request.get_full_path())


def _synthesis(slug, *related):
    return get_object_or_404(
        Synthesis.objects.select_related("region", "department", "parent", *related), slug=slug
    )


def readable_synthesis(view):
    """Passes the synthesis named by the URL if the user may read it (GET and HEAD)."""

    @wraps(view)
    def wrapper(request, slug, **kwargs):
        synthesis = _synthesis(slug, "archived_by")
        if not may_read(request.user, synthesis):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            raise Http404(NOT_FOUND)
        return view(request, synthesis, **kwargs)

    return require_safe(wrapper)


def editable_synthesis(view):
    """Passes the synthesis named by the URL if the user may change it.

    Anonymous users are sent to the login page; a user who may read the synthesis but not
    change it (a departmental referent) gets a 403; one who may not even read it, a 404.
    """

    @wraps(view)
    def wrapper(request, slug, **kwargs):
        if not request.user.is_authenticated:
            return login_required_for(request)
        synthesis = _synthesis(slug)
        if not may_edit(request.user, synthesis):
            refuse_edit(request.user, synthesis)
        return view(request, synthesis, **kwargs)

    return require_http_methods(["GET", "HEAD", "POST"])(wrapper)


def managed_synthesis(view):
    """Passes the synthesis named by the URL if the user may archive or unarchive it.

    Like `editable_synthesis`, but an archived synthesis is let through.
    """

    @wraps(view)
    def wrapper(request, slug, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        synthesis = _synthesis(slug, "archived_by")
        if not may_manage(request.user, synthesis):
            if may_read(request.user, synthesis):
                raise PermissionDenied(
                    "Vous pouvez lire cette synthèse, pas l’archiver ni la restaurer."
                )
            raise Http404(NOT_FOUND)
        return view(request, synthesis, **kwargs)

    return require_http_methods(["GET", "HEAD", "POST"])(wrapper)
