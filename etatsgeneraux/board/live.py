"""Working together live on a board: what changed since the page was drawn, and who else is on it.

Every page open on a board asks `…/thematiques/<n>/changements/?version=…&presence=…`
(`views.changes`) every `POLL_SECONDS` (htmx polling, `templates/board/page.html`), every
`HIDDEN_POLL_SECONDS` while its tab is hidden. The answer:

- 204, empty, when the section's change marker and the people present are those the page
  already knows. It costs one indexed query (the user's right to read the synthesis and the
  section's marker, together: `current`) besides the session and the user that the
  middleware loads, and a read of the cache (a write every `PRESENCE_REFRESH` seconds);
- 200 with the RETEX sheets and the three tables (`templates/board/live.html`) when the
  marker moved: board.js merges them into the page, leaving alone the field being typed in,
  the forms open and the confirmations; or with the list of people present alone, when only
  that changed.

Change marker: `ChangeMarker.version`, one row per section, raised by one upsert (`bump`) at
the end of the transaction of every change of the synthesis (`on_content_changed`, which hears
`workshops.changes.content_changed`): the section changed on the board, or every section of
the synthesis for a change made elsewhere (the history's restorations, the administration,
an import, a publication's restoration). Two changes of one section take turns on its marker
row, and a page never sees the new marker before the change itself. The answers to the
board's own changes carry the new marker (`X-Board-Version`), so that the page that made the
change does not fetch it again.

Presence: in Django's cache (the file cache shared by gunicorn's processes by default,
`CACHES`), one entry per section, `{user id: (name, last seen)}`. Someone is present while
their page asked in the last `PRESENCE_TTL` seconds (30 s): a page closed disappears from the
others' lists within 30 s, a tab hidden for more than a few minutes too (browsers slow down
the timers of hidden tabs). Two pages writing the entry at the same moment may drop one of
them for one poll (2 s); it comes back with its next one.
"""

import time

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import connections, router
from django.utils import timezone

from workshops.models import ThematicSection
from workshops.permissions import readable_syntheses

from .models import ChangeMarker

POLL_SECONDS = 2
HIDDEN_POLL_SECONDS = 10
PRESENCE_TTL = 30
PRESENCE_REFRESH = 10  # a page rewrites its own entry at most this often


def token(section_id, version):
    """What a page knows of a section: « section id.version ». Another section (an import
    replaced it) or another version: the board changed."""
    return f"{section_id}.{version or 0}"


def token_of(section):
    """The token of a section whose marker was loaded with it (`select_related`) or not."""
    try:
        version = section.change_marker.version
    except ObjectDoesNotExist:
        version = 0
    return token(section.pk, version)


def current(user, slug, number):
    """(section id, token) of this board if the user may read its synthesis, else None.

    One query: the rules of `workshops.permissions`, the section and its marker together.
    """
    found = list(
        readable_syntheses(user)
        .filter(slug=slug, sections__thematic__number=number)
        .order_by()  # one row at most: no ordering, no join for it
        .values_list("sections__pk", "sections__change_marker__version")[:1]
    )
    if not found:
        return None
    section_id, version = found[0]
    return section_id, token(section_id, version)


def bump(section_ids):
    """Raises the marker of these sections by one, in one statement; {section id: version}.

    An upsert with RETURNING: PostgreSQL, and SQLite 3.35 or later (Debian 12 has 3.40).
    """
    section_ids = sorted(set(section_ids))
    if not section_ids:
        return {}
    connection = connections[router.db_for_write(ChangeMarker)]
    table = connection.ops.quote_name(ChangeMarker._meta.db_table)
    rows = ", ".join(["(%s, 1, %s)"] * len(section_ids))
    now = timezone.now()
    params = [value for section_id in section_ids for value in (section_id, now)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (section_id, version, changed_at) VALUES {rows} "
            f"ON CONFLICT (section_id) DO UPDATE SET version = {table}.version + 1, "
            "changed_at = excluded.changed_at RETURNING section_id, version",
            params,
        )
        return dict(cursor.fetchall())


def on_content_changed(sender, synthesis, change, **kwargs):
    """Raises the markers of the sections a change touched (all of them when unknown), and
    keeps their new versions on the change (`change.live_versions`) for the board's answer."""
    sections = change.sections
    if sections is None:
        sections = ThematicSection.objects.filter(synthesis=synthesis).values_list("pk", flat=True)
    change.live_versions = bump(sections)


# Presence -------------------------------------------------------------------------------------


def _key(section_id):
    return f"board-presence:{section_id}"


def display_name(user):
    return user.get_full_name().strip() or user.get_username()


def present(section_id, user, now=None):
    """Records that `user` is on this board now; returns the others present: [(id, name)]."""
    now = time.time() if now is None else now
    key = _key(section_id)
    stored = cache.get(key) or {}
    fresh = {
        user_id: (name, seen)
        for user_id, (name, seen) in stored.items()
        if now - seen < PRESENCE_TTL
    }
    name = display_name(user)
    mine = fresh.get(user.pk)
    if mine is None or mine[0] != name or now - mine[1] >= PRESENCE_REFRESH or fresh != stored:
        fresh[user.pk] = (name, now)
        cache.set(key, fresh, PRESENCE_TTL)
    others = [(user_id, name) for user_id, (name, _) in fresh.items() if user_id != user.pk]
    return sorted(others, key=lambda other: (other[1].casefold(), other[0]))


def presence_token(others):
    """What a page knows of the people present: their ids, in order."""
    return ",".join(str(user_id) for user_id in sorted(user_id for user_id, _ in others))
