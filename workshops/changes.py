"""The one way to change the content of a synthesis.

Every write path — the board, the introduction and proposal forms, an import, a restore
from a backup or from the history, the administration — runs its change inside
`changing(synthesis)`, which:

- opens a transaction (or joins the caller's), so that a refused change writes nothing;
- with `lock=True`, holds the synthesis's row first, so that appends to it take turns;
- refuses at once a synthesis already archived (`SynthesisArchived`);
- gives the history records written inside the reason of the change, if any;
- ends with `Synthesis.touch`, which records the last change and re-checks, under the
  row's lock, that nobody archived the synthesis meanwhile (the change is then rolled back);
- then sends `content_changed`, still inside the transaction, so that the features that
  follow a synthesis (the live boards, cached documents) hear of every change whatever made
  it, without the domain knowing them;
- turns a unique constraint that a simultaneous change won (two people adding RETEX sheet
  n° 3 at the same moment) into `ChangeConflict`, once everything is rolled back: the
  requests answer it with a 409 and a French message, never a 500.
"""

from contextlib import contextmanager, nullcontext

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError
from django.dispatch import Signal

from .historical import change_reason, place_of
from .models import Synthesis, SynthesisArchived

# Sent at the end of every change made through `changing` (sender: Synthesis; arguments:
# synthesis, change), inside its transaction: receivers that act after the commit use
# `transaction.on_commit`.
content_changed = Signal()


class ChangeConflict(IntegrityError):
    """A change refused because a simultaneous one took the same place first; nothing of it
    was written. `message` is for the user, in French."""

    message = (
        "Quelqu’un a fait une modification au même endroit au même moment\u00a0: la vôtre "
        "n’a pas été enregistrée. Rechargez la page, vérifiez, puis réessayez."
    )


class Change:
    """What the block of `changing` gets: the synthesis, and a way to say nothing changed.

    `sections`: the ids of the thematic sections the change touched, when the block knows
    them (the board); None for a change that may touch any of them (an import, a restore).
    """

    def __init__(self, synthesis):
        self.synthesis = synthesis
        self.changed = True
        self.sections = None

    def nothing_changed(self):
        """The block found nothing to do (a move past the end): the last change stays."""
        self.changed = False


@contextmanager
def changing(synthesis, *, lock=False, reason=None, restoring=False):
    """Runs a change of this synthesis's content under the platform's rules (see above).

    `restoring`: a backup put back whole (`restore_synthesis`) sets the archive state and
    the dates as they were backed up; it may replace an archived synthesis, and does not
    count as a change of today.
    """
    change = Change(synthesis)
    try:
        with transaction.atomic():
            if lock:
                synthesis.lock()
            if synthesis.is_archived and not restoring:
                raise SynthesisArchived()
            with change_reason(reason) if reason else nullcontext():
                yield change
            if change.changed and not restoring:
                synthesis.touch()
            if change.changed:
                content_changed.send(sender=Synthesis, synthesis=synthesis, change=change)
    except (ChangeConflict, ProtectedError, RestrictedError):
        raise  # a refusal the caller answers itself (a linked statement kept)
    except IntegrityError as error:
        raise ChangeConflict(*error.args) from error


def changing_synthesis_of(obj, **options):
    """`changing` for the synthesis an object of its content belongs to (the admin's edits)."""
    synthesis_id, _ = place_of(obj)
    synthesis = Synthesis.objects.get(pk=synthesis_id)
    return changing(synthesis, **options)
