"""A follow-up to measure: statuses, a journal, indicator targets and weekly measurements.

For the benchmark (bench_followup) and the query-count tests: invented figures, written to
a copy of the demo synthesis inside a transaction that is rolled back; never shipped.
"""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from actionplans.followup import (
    ActionProgress,
    IndicatorTarget,
    JournalEntry,
    Measurement,
    Status,
    proposed_progress,
)
from actionplans.models import Action, Indicator


def fill_followup(synthesis, *, weeks=52, seed=2021):
    """Gives every action of the synthesis a status, a progress and a journal entry, and every
    indicator an initial value, a target and `weeks` weekly measurements. Returns the counts."""
    rng = random.Random(seed)
    now = timezone.now()
    start = (now - timedelta(weeks=weeks)).date()
    actions = list(Action.objects.filter(row__section__synthesis=synthesis).order_by("pk"))
    progress, journal = [], []
    for action in actions:
        status = rng.choice(Status.values)
        value = proposed_progress(status, rng.randrange(0, 101, 5))
        due = start + timedelta(days=rng.randrange(30, 720))
        progress.append(
            ActionProgress(
                action=action,
                status=status,
                progress=value,
                pilot_name=rng.choice(["DANE", "DSDEN 44", "Rectorat", "Canopé", ""]),
                start_date=start,
                due_date=due,
                updated_at=now - timedelta(days=rng.randrange(0, 120)),
            )
        )
        journal.append(
            JournalEntry(
                action=action,
                created_at=now - timedelta(days=rng.randrange(0, 120)),
                author_name="Banc d’essai",
                status=status,
                progress=value,
                comment="Point d’étape.",
            )
        )
    ActionProgress.objects.bulk_create(progress, batch_size=1000)
    JournalEntry.objects.bulk_create(journal, batch_size=1000)
    indicators = list(Indicator.objects.filter(row__section__synthesis=synthesis).order_by("pk"))
    targets, measurements = [], []
    for indicator in indicators:
        initial = Decimal(rng.randrange(0, 50))
        target = initial + Decimal(rng.randrange(10, 100))
        targets.append(
            IndicatorTarget(
                indicator=indicator,
                unit=rng.choice(["%", "établissements", "élèves", ""]),
                initial_value=initial,
                initial_date=start,
                target_value=target,
                target_date=start + timedelta(weeks=weeks * 2),
            )
        )
        value = float(initial)
        for week in range(1, weeks + 1):
            value += rng.uniform(-1, 3)
            measurements.append(
                Measurement(
                    indicator=indicator,
                    date=start + timedelta(weeks=week),
                    value=Decimal(f"{value:.2f}"),
                )
            )
    IndicatorTarget.objects.bulk_create(targets, batch_size=1000)
    Measurement.objects.bulk_create(measurements, batch_size=5000)
    return {
        "actions": len(actions),
        "indicators": len(indicators),
        "measurements": len(measurements),
    }
