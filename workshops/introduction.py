"""The introduction block of a synthesis, edited on one page: its sessions, with their
facilitators and the participants of the nine categories.

`IntroductionEditor` builds the forms (one block per session, and a session to add), checks
them all, then writes what the user changed in one transaction, all or nothing:

- a form the user did not change writes nothing (each form keeps hidden the values it was
  drawn with), so two facilitators may edit different parts of the introduction at once;
- a change to an object that someone else saved since the page was drawn (its `version`
  moved on, or it was deleted) is refused: nothing at all is written, and the page comes
  back (`rebased`) with the user's values in the forms, the stored version beside each
  conflicting object, and the stored versions as the new baseline, so that saving again
  keeps the user's values on purpose. Nothing is ever overwritten silently.

Loading runs a constant number of queries, whatever the number of sessions, facilitators
and participations; saving runs one more query per object written.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import QueryDict

from .changes import changing
from .forms import (
    MAX_FACILITATORS,
    FacilitatorFormSet,
    NewSessionForm,
    ParticipationForm,
    SessionForm,
    positive_int,
)
from .models import Facilitator, ParticipantCategory, Participation, Session, StaleEditError

SESSIONS_FIELD = "sessions"  # the sessions the page shows, so a save knows which it edits
NEW_SESSION_PREFIX = "nouvelle-session"
EMPTY = "(vide)"
MAX_LOST_SESSIONS = 50  # a page never shows more; more posted ids are forged
# The « Ajouter une personne » button of a session: its value names the session's list of
# facilitators; the page comes back with one more blank form there, nothing saved.
ADD_FACILITATOR = "ajouter-animateur"


@dataclass
class Conflict:
    """An object the user changed and someone else saved (or deleted) meanwhile."""

    key: tuple
    title: str  # what the object is, for the messages: Session « … »
    current: object | None  # the object as stored now; None if it was deleted
    stored: list = field(default_factory=list)  # (label, value) of the stored version
    anchor: str = ""  # the id of the form on the page

    @property
    def deleted(self):
        return self.current is None


def _display(form, name, value):
    """A stored value as the page shows it."""
    form_field = form.fields[name]
    if isinstance(value, bool):
        return "oui" if value else "non"
    if value is None or value == "":
        choices = dict(getattr(form_field, "choices", []) or [])
        return choices.get("", EMPTY) if choices else EMPTY
    choices = getattr(form_field, "choices", None)
    if choices:
        return dict(choices).get(value, value)
    return str(value)


def _stored_values(form, current):
    if current is None:
        return []
    return [
        (form.fields[name].label, _display(form, name, getattr(current, name)))
        for name in form.tracked
    ]


class SessionBlock:
    """The forms of one session: the session itself, its facilitators, its participations."""

    def __init__(self, session, facilitators, participations, categories, data):
        self.session = session
        self.prefix = f"session-{session.pk}"
        self.form = SessionForm(data, instance=session, prefix=self.prefix)
        self.facilitators = FacilitatorFormSet(
            data,
            prefix=f"{self.prefix}-animateurs",
            initial=[
                {
                    "id": item.pk,
                    "version": item.version,
                    "name": item.name,
                    "role": item.role,
                    "note": item.note,
                }
                for item in facilitators
            ],
        )
        by_category = {item.category_id: item for item in participations}
        self.participations = [
            ParticipationForm(
                data,
                prefix=f"{self.prefix}-categorie-{category.number}",
                category=category,
                instance=by_category.get(category.pk)
                or Participation(session=session, category=category),
            )
            for category in categories
        ]

    @property
    def title(self):
        return self.session.title

    @property
    def deleting(self):
        return self.form.is_bound and self.form["delete"].value() is True

    def deletion_version(self):
        try:
            return self.form.fields["version"].clean(self.form["version"].value())
        except ValidationError:  # a tampered version: the deletion is refused as a conflict
            return None

    def is_valid(self):
        if self.deleting:
            return True
        valid = self.form.is_valid()
        valid = self.facilitators.is_valid() and valid
        # Every form is checked, so that every error shows at once.
        participations = [form.is_valid() for form in self.participations]
        return all(participations) and valid

    def facilitator_deleted(self, form):
        return bool(form.cleaned_data.get("DELETE"))

    @property
    def edited(self):
        return (
            self.deleting
            or self.form.edited
            or any(
                form.edited or form.cleaned_data.get("DELETE")
                for form in self.facilitators.forms
                if form.is_valid() or form.cleaned_data.get("DELETE")
            )
            or any(form.edited for form in self.participations)
        )

    def forms_with_errors(self):
        forms = [self.form, *self.facilitators.forms, *self.participations]
        return [form for form in forms if form.is_bound and form.errors]


class IntroductionEditor:
    def __init__(self, synthesis, data=None):
        self.synthesis = synthesis
        self.data = data
        self.categories = list(ParticipantCategory.objects.order_by("number"))
        sessions = list(
            Session.objects.filter(synthesis=synthesis)
            .order_by("position")
            .prefetch_related(
                Prefetch("facilitators", Facilitator.objects.order_by("position")),
                "participations",
            )
        )
        posted = self._posted_sessions()
        self.blocks = [
            SessionBlock(
                session,
                session.facilitators.all(),
                session.participations.all(),
                self.categories,
                data if session.pk in posted else None,
            )
            for session in sessions
        ]
        # Sessions the page showed that someone deleted since.
        shown = {session.pk for session in sessions}
        self.lost_blocks = [
            SessionBlock(Session(pk=pk, synthesis=synthesis), [], [], self.categories, data)
            for pk in sorted(posted - shown)[:MAX_LOST_SESSIONS]
        ]
        self.new_session = NewSessionForm(data, prefix=NEW_SESSION_PREFIX)
        self.conflicts = []
        self.changed = False

    def _posted_sessions(self):
        if self.data is None:
            return set()
        return {
            number
            for number in map(positive_int, self.data.getlist(SESSIONS_FIELD))
            if number is not None
        }

    def with_another_facilitator(self, formset_prefix):
        """The page again, as the user left it, with one more blank facilitator form in the
        session whose list is `formset_prefix` (the focus on its name); nothing is saved.

        An unknown list (a forged post, a session deleted meanwhile) adds nothing.
        """
        block = next(
            (block for block in self.posted_blocks if block.facilitators.prefix == formset_prefix),
            None,
        )
        if block is None:
            return self
        total_field = f"{formset_prefix}-TOTAL_FORMS"
        total = positive_int(self.data.get(total_field, "")) or 0
        if total >= MAX_FACILITATORS:
            return self
        data = self.data.copy()
        data[total_field] = str(total + 1)
        editor = IntroductionEditor(self.synthesis, data)
        for other in editor.blocks:
            if other.facilitators.prefix == formset_prefix:
                other.facilitators.forms[-1].fields["name"].widget.attrs["autofocus"] = True
        return editor

    @property
    def posted_blocks(self):
        return [block for block in self.blocks if block.form.is_bound]

    def is_valid(self):
        valid = self.new_session.is_valid()
        for block in self.posted_blocks:
            valid = block.is_valid() and valid
        return valid

    def forms_with_errors(self):
        forms = [form for block in self.posted_blocks for form in block.forms_with_errors()]
        if self.new_session.errors:
            forms.append(self.new_session)
        return forms

    # Saving ---------------------------------------------------------------------------------

    def save(self):
        """Writes the user's changes, all or nothing (call after `is_valid`).

        Returns True when saved; False when someone else saved one of the objects the user
        changed (`self.conflicts` says which): nothing is written then.
        """
        # Two saves of the introduction run one after the other (even for a synthesis with
        # no session yet), so new positions and participations never collide.
        with changing(self.synthesis, lock=True) as change:
            stored_sessions = {
                session.pk: session for session in Session.objects.filter(synthesis=self.synthesis)
            }
            self._facilitators = {
                item.pk: item
                for item in Facilitator.objects.filter(session__synthesis=self.synthesis)
            }
            self._participations = {
                (item.session_id, item.category_id): item
                for item in Participation.objects.filter(session__synthesis=self.synthesis)
            }
            for block in self.lost_blocks:
                if block.edited and not block.deleting:
                    self._conflict(("session", block.session.pk), block.form, None)
            for block in self.posted_blocks:
                session = stored_sessions.get(block.session.pk)
                if session is None:
                    if block.edited and not block.deleting:
                        self._conflict(("session", block.session.pk), block.form, None)
                    continue
                self._save_block(block, session)
            if self.new_session.has_changed():
                Session(synthesis=self.synthesis, **self.new_session.values()).save()
                self.changed = True
            if self.conflicts:
                transaction.set_rollback(True)
                self.changed = False
            if not self.changed:
                change.nothing_changed()
        return not self.conflicts

    def _conflict(self, key, form, current):
        title = _title(key, form, current)
        self.conflicts.append(
            Conflict(key=key, title=title, current=current, stored=_stored_values(form, current))
        )

    def _save_block(self, block, session):
        key = ("session", session.pk)
        if block.deleting:
            expected = block.deletion_version()
            deleted, _ = Session.objects.filter(pk=session.pk, version=expected).delete()
            if deleted:
                self.changed = True
            else:
                self._conflict(key, block.form, session)
            return
        if block.form.edited:
            try:
                self._write(session, block.form)
            except StaleEditError as error:
                self._conflict(key, block.form, error.current)
        for form in block.facilitators.forms:
            self._save_facilitator(block, session, form)
        for form in block.participations:
            self._save_participation(session, form)

    def _write(self, obj, form):
        for name, value in form.values().items():
            setattr(obj, name, value)
        obj.save_if_unchanged(form.cleaned_data["version"], form.tracked)
        self.changed = True

    def _save_facilitator(self, block, session, form):
        if not form.has_changed():
            return
        deleting = block.facilitator_deleted(form)
        pk = form.cleaned_data.get("id")
        if pk is None:
            if not deleting and form.edited:
                Facilitator(session=session, **form.values()).save()
                self.changed = True
            return
        key = ("facilitator", pk)
        current = self._facilitators.get(pk)
        if current is not None and current.session_id != session.pk:
            current = None
        if deleting:
            if current is None:
                return  # already gone: what the user wanted
            deleted, _ = Facilitator.objects.filter(
                pk=pk, version=form.cleaned_data.get("version")
            ).delete()
            if deleted:
                self.changed = True
            else:
                self._conflict(key, form, current)
        elif form.edited:
            if current is None:
                self._conflict(key, form, None)
                return
            try:
                self._write(current, form)
            except StaleEditError as error:
                self._conflict(key, form, error.current)

    def _save_participation(self, session, form):
        if not form.edited:
            return
        key = ("participation", session.pk, form.category.pk)
        current = self._participations.get((session.pk, form.category.pk))
        pk = form.cleaned_data.get("id")
        if pk is None:
            if current is not None:
                self._conflict(key, form, current)  # someone filled it in meanwhile
                return
            Participation(session=session, category=form.category, **form.values()).save()
            self.changed = True
            return
        if current is None or current.pk != pk:
            self._conflict(key, form, current)
            return
        try:
            self._write(current, form)
        except StaleEditError as error:
            self._conflict(key, form, error.current)

    # After a refused save -----------------------------------------------------------------

    def rebased(self):
        """The page after a refused save: the stored state, with the user's edits on top.

        Every form starts from what is stored now (its version and hidden initial values),
        so that saving again writes the user's values over the stored ones on purpose; the
        forms of the conflicting objects carry their `Conflict`, shown beside them.
        """
        fresh = IntroductionEditor(self.synthesis)
        conflicts = {conflict.key: conflict for conflict in self.conflicts}
        posted = {block.session.pk: block for block in self.posted_blocks}
        data = QueryDict(mutable=True)
        marks = {}  # prefix of a form in the new page -> its conflict
        for block in fresh.blocks:
            data.appendlist(SESSIONS_FIELD, str(block.session.pk))
            mine = posted.get(block.session.pk)
            entry = _entry(block.form)
            if mine is not None and (mine.form.edited or mine.deleting):
                _overlay(entry, mine.form, extra=["delete"])
            _write_entry(data, block.form.prefix, entry)
            key = ("session", block.session.pk)
            if key in conflicts:
                marks[block.form.prefix] = conflicts[key]
            self._rebase_facilitators(data, block, mine, conflicts, marks)
            for index, form in enumerate(block.participations):
                entry = _entry(form)
                if mine is not None and mine.participations[index].edited:
                    _overlay(entry, mine.participations[index])
                _write_entry(data, form.prefix, entry)
                key = ("participation", block.session.pk, form.category.pk)
                if key in conflicts:
                    marks[form.prefix] = conflicts[key]
        # The session to add keeps what the user typed; a session the user changed but
        # someone deleted comes back there, to be added again.
        entry = _entry(fresh.new_session)
        if self.new_session.has_changed():
            _overlay(entry, self.new_session)
        else:
            lost = [
                block
                for block in [*self.lost_blocks, *self.posted_blocks]
                if ("session", block.session.pk) in conflicts
                and conflicts[("session", block.session.pk)].deleted
            ]
            if lost:
                _overlay(entry, lost[0].form)
                marks[NEW_SESSION_PREFIX] = conflicts[("session", lost[0].session.pk)]
        _write_entry(data, NEW_SESSION_PREFIX, entry)
        editor = IntroductionEditor(self.synthesis, data)
        editor.is_valid()
        for form in editor.all_forms():
            form.conflict = marks.get(form.prefix)
            if form.conflict is not None:
                form.conflict.anchor = f"{form.prefix}-formulaire"
        editor.conflicts = self.conflicts
        return editor

    def _rebase_facilitators(self, data, block, mine, conflicts, marks):
        formset = block.facilitators
        entries = []  # (entry, conflict)
        my_forms = {}
        extra_forms = []
        if mine is not None:
            for form in mine.facilitators.forms:
                if not form.has_changed():
                    continue
                pk = form.cleaned_data.get("id")
                if pk is None:
                    if form.edited and not form.cleaned_data.get("DELETE"):
                        extra_forms.append((form, None))
                else:
                    my_forms[pk] = form
        for form in formset.initial_forms:
            pk = form.initial["id"]
            entry = _entry(form)
            mine_form = my_forms.pop(pk, None)
            if mine_form is not None and (mine_form.edited or mine_form.cleaned_data.get("DELETE")):
                _overlay(entry, mine_form, extra=["DELETE"])
            entries.append((entry, conflicts.get(("facilitator", pk))))
        # Facilitators the user changed that someone deleted: added back, as new ones.
        for pk, form in my_forms.items():
            conflict = conflicts.get(("facilitator", pk))
            if conflict is not None and not form.cleaned_data.get("DELETE"):
                extra_forms.append((form, conflict))
        for form, conflict in extra_forms:
            entry = _entry(formset.empty_form)
            _overlay(entry, form)
            entries.append((entry, conflict))
        entries.append((_entry(formset.empty_form), None))
        prefix = formset.prefix
        data[f"{prefix}-TOTAL_FORMS"] = str(len(entries))
        data[f"{prefix}-INITIAL_FORMS"] = str(len(entries) - 1)
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for index, (entry, conflict) in enumerate(entries):
            form_prefix = f"{prefix}-{index}"
            _write_entry(data, form_prefix, entry)
            if conflict is not None:
                marks[form_prefix] = conflict

    def all_forms(self):
        for block in self.blocks:
            yield block.form
            yield from block.facilitators.forms
            yield from block.participations
        yield self.new_session


def _title(key, form, current):
    kind = key[0]
    if kind == "session":
        name = getattr(current, "title", "") or form.data.get(form.add_prefix("title"), "")
        return f"Session «\u00a0{name}\u00a0»"
    if kind == "facilitator":
        name = getattr(current, "name", "") or form.data.get(form.add_prefix("name"), "")
        return f"Animateur ou animatrice «\u00a0{name}\u00a0»"
    return f"Participants de la catégorie «\u00a0{form.category.label}\u00a0»"


# Form data, as a browser posts it ------------------------------------------------------------


def _raw(value, *, checkbox):
    if checkbox:
        return "on" if value else None
    return "" if value is None else str(value)


def _entry(form):
    """What the browser posts for this unbound form left as drawn: values, hidden initials."""
    values, initials = {}, {}
    for bound in form:
        value = bound.value()
        checkbox = bound.widget_type == "checkbox"
        values[bound.name] = _raw(value, checkbox=checkbox)
        if bound.field.show_hidden_initial:
            initials[bound.name] = "" if value is None else str(value)
    return {"values": values, "initials": initials}


def _overlay(entry, form, extra=()):
    """Puts the values the user posted in `form` (its edited fields) over an entry."""
    for name in [*form.tracked, *extra]:
        if name in form.fields and name in entry["values"]:
            entry["values"][name] = form.data.get(form.add_prefix(name))


def _write_entry(data, prefix, entry):
    for name, value in entry["values"].items():
        if value is not None:
            data[f"{prefix}-{name}"] = value
    for name, value in entry["initials"].items():
        data[f"initial-{prefix}-{name}"] = value
