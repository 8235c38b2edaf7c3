"""What the follow-up tests share: finding the demo's actions and indicators, posting forms."""

from django.urls import reverse

from actionplans.models import Action, Indicator


def actions_of(synthesis):
    return Action.objects.filter(row__section__synthesis=synthesis).order_by(
        "row__section__position", "row__position", "position"
    )


def indicators_of(synthesis):
    return Indicator.objects.filter(row__section__synthesis=synthesis).order_by(
        "row__section__position", "row__position", "position"
    )


def action_url(synthesis, action):
    return reverse("followup:action", args=[synthesis.slug, action.key])


def indicator_url(synthesis, indicator):
    return reverse("followup:indicator", args=[synthesis.slug, indicator.key])


def page_url(synthesis):
    return reverse("followup:page", args=[synthesis.slug])


def progress_post(version=0, **fields):
    return {"version": version, "status": "en-cours", "weight": 1, "comment": "", **fields}


def target_post(version=0, **fields):
    return {
        "form": "target",
        "version": version,
        "unit": "%",
        "initial_value": "10",
        "initial_date": "2021-01-04",
        "target_value": "50",
        "target_date": "2022-06-30",
        **fields,
    }
