"""Benchmark: the cold PDF export, whole process, against LibreOffice converting the DOCX of
the same content, run in turn (A B A B …) so that a drift of the machine hits both alike.

A: `manage.py export_synthesis_pdf SLUG --sans-cache` (Django start-up, loading, rendering,
writing the file). B: `soffice --headless --convert-to pdf` of the DOCX exports
(etatsgeneraux.exchange.exports.word) of the synthesis and of each annex the regional PDF
prints, converted by one LibreOffice process. LibreOffice gets its own profile directory,
created by an uncounted first run, so its figures do not include making a profile.

Reads the current database (the PDF command runs as a separate process and must see the
synthesis): `loaddata` the demo data first in an empty database.
"""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from etatsgeneraux.exchange.exports import files as exports
from workshops.models import Synthesis
from workshops.text import NBSP


def soffice_path():
    return shutil.which("soffice") or shutil.which("libreoffice")


def timed(command, **kwargs):
    """(wall seconds, peak resident memory in MB of the process and its waited children)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        error = process.stderr.read().decode(errors="replace")[-500:]
        raise CommandError(f"Échec de {Path(command[0]).name}{NBSP}: {error}")
    process.stderr.close()
    return elapsed, usage.ru_maxrss / 1024


class Command(BaseCommand):
    help = (
        "Compare l'export PDF à froid (processus entier) et la conversion par LibreOffice du "
        "DOCX équivalent, en alternance, et affiche les médianes et le rapport."
    )

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5, help="Exécutions de chaque (5).")
        parser.add_argument("--slug", default="pays-de-la-loire-2020", help="Synthèse mesurée.")

    def handle(self, *args, runs, slug, **options):
        if runs < 1:
            raise CommandError("Il faut au moins une exécution.")
        soffice = soffice_path()
        if soffice is None:
            raise CommandError(
                "LibreOffice est introuvable : apt-get install libreoffice-writer-nogui."
            )
        synthesis = Synthesis.objects.filter(slug=slug).first()
        if synthesis is None:
            raise CommandError(
                f"Synthèse introuvable{NBSP}: {slug} (manage.py loaddata "
                "fixtures/reference.json fixtures/pays-de-la-loire-2020.json)."
            )
        # The annexes the command-line export prints: every active departmental synthesis.
        printed = [synthesis]
        if not synthesis.is_departmental:
            printed += list(
                Synthesis.objects.active().filter(parent=synthesis).order_by("department__code")
            )
        with tempfile.TemporaryDirectory(prefix="bench-lo-") as work:
            work = Path(work)
            documents = []
            for item in printed:
                path = work / f"{item.slug}.docx"
                path.write_bytes(exports.export("docx", [item]).data)
                documents.append(str(path))
            profile = (work / "profile").as_uri()
            pdf = [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "export_synthesis_pdf",
                slug,
                "--sans-cache",
                "-o",
                str(work / "plateforme.pdf"),
            ]
            office = [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work / "libreoffice"),
                *documents,
            ]
            timed(office)  # creates the profile: not counted
            timed(pdf)  # warm-up of the page cache: not counted
            pdf_runs, office_runs = [], []
            for _ in range(runs):
                pdf_runs.append(timed(pdf))
                office_runs.append(timed(office))
        ratios = [a[0] / b[0] for a, b in zip(pdf_runs, office_runs, strict=True)]
        self.stdout.write(
            f"« {synthesis.title} » et {len(printed) - 1} annexe(s), {runs} exécutions "
            "alternées, processus entiers"
        )
        rows = [
            ("Export PDF de la plateforme (médiane)", pdf_runs),
            ("LibreOffice DOCX → PDF (médiane)", office_runs),
        ]
        for label, values in rows:
            seconds = statistics.median(v[0] for v in values)
            memory = max(v[1] for v in values)
            self.stdout.write(f"  {label:<37} : {seconds:.2f} s, pic mémoire {memory:.0f} Mo")
        self.stdout.write(
            f"  Rapport plateforme / LibreOffice        : {statistics.median(ratios):.2f} "
            f"(min {min(ratios):.2f}, max {max(ratios):.2f}, par paire)"
        )
