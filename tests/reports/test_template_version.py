"""A cached PDF is keyed on the files that render it: changing any of them renders anew."""

from pathlib import Path

import pytest
from django.template.loader import get_template
from django.urls import reverse

from etatsgeneraux.reports import pdf

pytestmark = pytest.mark.django_db


def test_every_template_the_report_renders_is_part_of_the_cache_key(demo_data, client):
    response = client.get(reverse("reports:synthesis_preview", args=["pays-de-la-loire-2020"]))
    assert response.status_code == 200
    used = {
        Path(get_template(template.name).origin.name)
        for template in response.templates
        if template.name and template.name.startswith(("reports/", "base.html"))
    }
    assert used, "the preview rendered no report template"
    keyed = set(pdf._template_files())
    assert used <= keyed, sorted(str(path) for path in used - keyed)
