"""Indicators: unit, initial value and target with their dates, dated measurements, and a
progress always shown with its figures."""

import html
from datetime import date
from decimal import Decimal

import pytest

from actionplans.followup import IndicatorTarget, Measurement, indicator_progress
from etatsgeneraux.followup import recording

from .helpers import indicator_url, indicators_of, page_url, target_post

pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


def test_progress_is_current_minus_initial_over_target_minus_initial():
    assert indicator_progress(Decimal(10), Decimal(50), Decimal(30)) == 50
    assert indicator_progress(Decimal(100), Decimal(0), Decimal(75)) == 25  # a decrease
    assert indicator_progress(Decimal(10), Decimal(50), Decimal(70)) == 150  # beyond target
    assert indicator_progress(Decimal(10), Decimal(10), Decimal(30)) is None
    assert indicator_progress(None, Decimal(10), Decimal(30)) is None


def test_a_measurement_shows_with_its_figures_chart_and_table(synthesis, facilitator_client):
    indicator = indicators_of(synthesis).first()
    url = indicator_url(synthesis, indicator)
    assert facilitator_client.post(url, target_post()).status_code == 302
    for day, value in (("2021-03-01", "20"), ("2021-06-01", "30,5")):
        response = facilitator_client.post(
            url, {"form": "measurement", "date": day, "value": value}
        )
        assert response.status_code == 302
    page = text(facilitator_client.get(page_url(synthesis)))
    assert "51\u00a0% = (30,5 − 10) / (50 − 10)" in page
    assert "<polyline" in page
    assert "Données du graphique (2 dernières mesures sur 2)" in page
    assert "<td>01/06/2021</td><td>30,5</td>" in page
    full = text(facilitator_client.get(url))
    assert "Toutes les mesures, de la plus récente à la plus ancienne" in full
    assert 'role="img"' in full


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target_value": "10"}, "La cible est égale à la valeur initiale"),
        ({"initial_date": ""}, "Une valeur et sa date vont ensemble."),
        ({"initial_value": "douze"}, "Une valeur est un nombre"),
        ({"target_date": "31/02/2022"}, "Date invalide"),
    ],
)
def test_bad_indicator_values_are_refused_in_french(synthesis, facilitator_client, fields, message):
    indicator = indicators_of(synthesis).first()
    response = facilitator_client.post(indicator_url(synthesis, indicator), target_post(**fields))
    assert response.status_code == 200
    assert message in text(response)
    assert not IndicatorTarget.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"date": "", "value": "3"}, "Une mesure a une date."),
        ({"date": "2020-12-01", "value": "3"}, "précède la valeur initiale"),
        ({"date": "2021-03-01", "value": ""}, "Indiquez la valeur mesurée."),
    ],
)
def test_bad_measurements_are_refused_in_french(synthesis, facilitator_client, fields, message):
    indicator = indicators_of(synthesis).first()
    url = indicator_url(synthesis, indicator)
    facilitator_client.post(url, target_post())
    response = facilitator_client.post(url, {"form": "measurement", **fields})
    assert response.status_code == 200
    assert message in text(response)
    assert not Measurement.objects.exists()


def test_a_qualitative_indicator_gets_dated_notes(synthesis, facilitator):
    indicator = indicators_of(synthesis).first()
    recording.set_indicator(synthesis, indicator.pk, 0, {"qualitative": True})
    with pytest.raises(recording.FollowUpError, match="notes, pas de valeurs"):
        recording.record_measurement(synthesis, facilitator, indicator.pk, date(2021, 5, 1), 3)
    recording.record_measurement(
        synthesis, facilitator, indicator.pk, date(2021, 5, 1), None, "Retours positifs."
    )
    assert Measurement.objects.get().note == "Retours positifs."


def test_moving_the_initial_date_after_a_measurement_is_refused(synthesis, facilitator):
    indicator = indicators_of(synthesis).first()
    recording.record_measurement(synthesis, facilitator, indicator.pk, date(2021, 2, 1), 5)
    fields = {
        "initial_value": Decimal(1),
        "initial_date": date(2021, 3, 1),
        "target_value": Decimal(9),
        "target_date": date(2022, 3, 1),
    }
    with pytest.raises(recording.FollowUpError, match="précède la date de la valeur initiale"):
        recording.set_indicator(synthesis, indicator.pk, 0, fields)
    assert not IndicatorTarget.objects.exists()


def test_a_stale_indicator_form_is_refused(synthesis, facilitator_client):
    indicator = indicators_of(synthesis).first()
    url = indicator_url(synthesis, indicator)
    facilitator_client.post(url, target_post())
    response = facilitator_client.post(url, target_post(0, unit="élèves"))
    assert "modifiées entre-temps" in text(response)
    assert IndicatorTarget.objects.get().unit == "%"
