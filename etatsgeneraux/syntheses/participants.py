"""Participant totals of the introduction block: per session and per synthesis.

A session counts participants in nine categories, and the establishments represented in
the first two (the teams of primary and secondary schools: `counts_establishments`). A
total adds the numbers entered, whether the category's box is ticked or not; a category
left blank adds nothing. The synthesis page and the PDF print the same totals.
"""

from dataclasses import dataclass

from workshops.text import NBSP


@dataclass
class Totals:
    participants: int = 0
    establishments: int = 0
    # Whether any number was entered at all: « aucun nombre renseigné » rather than « 0 ».
    entered: bool = False
    establishments_entered: bool = False

    def __add__(self, other):
        return Totals(
            self.participants + other.participants,
            self.establishments + other.establishments,
            self.entered or other.entered,
            self.establishments_entered or other.establishments_entered,
        )

    @property
    def participants_text(self):
        return _counted(self.participants, "participant", "participants")

    @property
    def establishments_text(self):
        return _counted(
            self.establishments, "établissement représenté", "établissements représentés"
        )

    @property
    def text(self):
        """« 123 participants, 45 établissements représentés » (French, non-breaking)."""
        if not self.entered:
            return "aucun nombre de participants renseigné"
        if not self.establishments_entered:
            return self.participants_text
        return f"{self.participants_text}, {self.establishments_text}"


def _counted(number, singular, plural):
    grouped = f"{number:,}".replace(",", "\u202f")  # French thousands: a narrow space
    return f"{grouped}{NBSP}{singular if number < 2 else plural}"


def session_totals(categories):
    """The totals of one session, from its [(category, participation or None)]."""
    totals = Totals()
    for category, participation in categories:
        if participation is None:
            continue
        if participation.participants is not None:
            totals.participants += participation.participants
            totals.entered = True
        if category.counts_establishments and participation.establishments is not None:
            totals.establishments += participation.establishments
            totals.establishments_entered = True
    return totals


def synthesis_totals(sessions):
    """The totals of a synthesis: the sum of its sessions' (each with `participant_totals`)."""
    totals = Totals()
    for session in sessions:
        totals += session.participant_totals
    return totals
