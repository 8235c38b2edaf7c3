import pytest
from django.urls import reverse
from actionplans.models import Action, Indicator

@pytest.mark.django_db
def test_smoke(synthesis, facilitator_client, referent_client):
    url = reverse("followup:page", args=[synthesis.slug])
    r = facilitator_client.get(url)
    assert r.status_code == 200, r.content[:3000]
    action = Action.objects.filter(row__section__synthesis=synthesis).first()
    r = facilitator_client.post(reverse("followup:action", args=[synthesis.slug, action.key]), {"version": 0, "status": "en-cours", "progress": 40, "weight": 1, "comment": "ça avance"})
    assert r.status_code == 302, r.content.decode()[:5000]
    ind = Indicator.objects.filter(row__section__synthesis=synthesis).first()
    u = reverse("followup:indicator", args=[synthesis.slug, ind.key])
    r = facilitator_client.post(u, {"form": "target", "version": 0, "unit": "%", "initial_value": "10", "initial_date": "2021-01-01", "target_value": "50", "target_date": "2022-01-01"})
    assert r.status_code == 302, r.content.decode()[:5000]
    r = facilitator_client.post(u, {"form": "measurement", "date": "2021-06-01", "value": "30,5"})
    assert r.status_code == 302, r.content.decode()[:5000]
    r = referent_client.get(url)
    assert r.status_code == 200
    open("/tmp/page.html","wb").write(r.content)
    r = referent_client.get(u)
    assert r.status_code == 200
    r = referent_client.get(reverse("followup:action", args=[synthesis.slug, action.key]))
    assert b"a avance" in r.content
    r = referent_client.get(reverse("followup:export_csv", args=[synthesis.slug]))
    open("/tmp/fu.csv","wb").write(r.content)
    r = referent_client.get(reverse("followup:pdf", args=[synthesis.slug]))
    assert r.status_code == 200
    open("/tmp/fu.pdf","wb").write(r.content)
