"""The « État d'avancement » as a PDF, in the house style of the synthesis reports.

The same WeasyPrint set-up as etatsgeneraux/reports (its stylesheet, its fetcher that serves
only the project's static files), and the same SVG charts as the page, each followed by its
data table. Cached under a key made of the last change of the syntheses it rolls up (every
follow-up change goes through `changing`, which moves it), the day (what is late depends on
it) and the version of the templates.
"""

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string

from actionplans.followup import today
from etatsgeneraux.reports import pdf as reports

from . import charts, rollup

TEMPLATE = "followup/report.html"
PDF_TABLE_ROWS = 4  # the latest measurements printed under each chart


def report_context(user, synthesis, *, for_pdf=True):
    followup, region, region_progress, region_weight = rollup.load_page_followup(user, synthesis)
    indicators = followup.indicators
    rollup.load_measurements(indicators)
    blocks = [
        {
            "indicator": indicator,
            "chart": charts.indicator_chart(indicator, chart_id=f"pdf-i{indicator.pk}"),
            "latest": indicator.measurements[-PDF_TABLE_ROWS:][::-1],
            "count": len(indicator.measurements),
        }
        for indicator in indicators
    ]
    late, soon = followup.due()
    return {
        "synthesis": synthesis,
        "followup": followup,
        "region": region,
        "region_progress": region_progress,
        "region_weight": region_weight,
        "indicator_blocks": blocks,
        "late": late,
        "soon": soon,
        "stale": followup.stale(),
        "status_counts": followup.status_counts(),
        "for_pdf": for_pdf,
        "today": today(),
        "pdf_table_rows": PDF_TABLE_ROWS,
    }


def appendix_html(user, synthesis):
    """The follow-up as an appendix of the synthesis report (templates/followup/appendix)."""
    return render_to_string("followup/appendix.html", report_context(user, synthesis))


def followup_key(user, synthesis):
    """The follow-up PDF's cache key: this user's family of syntheses as changed, the
    templates, and today (the « late » and « à relancer » lists move with the date)."""
    family = rollup.family_of(user, synthesis)
    stamps = "|".join(f"{s.pk}:{s.updated_at.isoformat()}" for s in family)
    text = "|".join(
        [reports.template_version(), _templates_version(), str(synthesis.pk), stamps, str(today())]
    )
    return "followup:pdf:" + hashlib.sha256(text.encode()).hexdigest()


def _templates_version():
    folder = Path(settings.BASE_DIR) / "templates" / "followup"
    return ",".join(
        f"{path.name}:{path.stat().st_mtime_ns}" for path in sorted(folder.glob("*.html"))
    )


def render(user, synthesis):
    html = render_to_string(TEMPLATE, report_context(user, synthesis))
    return reports.write_tagged_pdf(html)[0]


def followup_pdf(user, synthesis):
    """The follow-up PDF, rendered into the cache if it is not there (commands, jobs)."""
    key = followup_key(user, synthesis)
    cached = cache.get(key)
    if cached is None:
        cached = render(user, synthesis)
        cache.set(key, cached)
    return cached


def appendix_key(user, synthesis):
    """The key of the synthesis PDF with its follow-up appendix: both documents' keys."""
    syntheses, versions, unpublished = reports.shown_to(user, synthesis)
    report_key = reports.pdf_key(syntheses, versions=versions, unpublished=unpublished)
    both = f"{report_key}|{followup_key(user, synthesis)}"
    return "followup:appendix:" + hashlib.sha256(both.encode()).hexdigest()


def synthesis_pdf_with_appendix(user, synthesis):
    """The synthesis report (as this user reads it, annexes included) with the follow-up as
    its last appendix, rendered into the cache if it is not there."""
    key = appendix_key(user, synthesis)
    cached = cache.get(key)
    if cached is None:
        syntheses, versions, unpublished = reports.shown_to(user, synthesis)
        report = reports.build_report(
            synthesis, user, versions=versions, unpublished=unpublished, syntheses=syntheses
        )
        report.followup_appendix = appendix_html(user, synthesis)
        cached = reports.render_pdf(report).pdf
        cache.set(key, cached)
    return cached
