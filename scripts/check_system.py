"""Checks the system libraries before `make run` and `make test`; installs nothing.

WeasyPrint needs Pango >= 1.44 (with HarfBuzz and fontconfig) from the system: without it,
stops with a clear message and the command that installs it. Optional packages only get a
line of advice with their command: libharfbuzz-subset0 (WeasyPrint subsets the PDF fonts in
C, about 0.5 s less per synthesis than its fontTools fallback) and, with --tests, Debian's
Chromium (the browser tests are skipped without it). .ci/run installs all of them.
"""

import argparse
import ctypes.util
import sys
from pathlib import Path

HELP = """\
Les bibliothèques système nécessaires à WeasyPrint (génération des PDF) sont absentes
ou trop anciennes : Pango 1.44 ou plus récent est requis.
  Debian / Ubuntu : apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b\\
                    fonts-dejavu-core
  Fedora          : dnf install pango
  macOS (Homebrew): brew install pango
Détail : {error}"""

PANGO_MINIMUM = 14400  # 1.44.0, as pango_version() encodes it
CHROMIUM = Path("/usr/bin/chromium")  # the browser tests' (tests/browser/conftest.py)


def check_pango():
    try:
        import weasyprint  # noqa: F401
        from weasyprint.text.ffi import pango
    except OSError as error:
        sys.exit(HELP.format(error=error))
    except ImportError as error:
        sys.exit(f"WeasyPrint n'est pas installé dans l'environnement : {error}")

    version = pango.pango_version()
    if version < PANGO_MINIMUM:
        found = f"{version // 10000}.{version // 100 % 100}.{version % 100}"
        sys.exit(HELP.format(error=f"Pango {found} trouvé"))


def advise(missing, command):
    print(f"Conseil : {missing} ; pour l'installer (Debian / Ubuntu) : {command}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tests", action="store_true", help="vérifie aussi Chromium")
    arguments = parser.parse_args()

    check_pango()
    if ctypes.util.find_library("harfbuzz-subset") is None:
        advise(
            "libharfbuzz-subset0 absent, les PDF sont plus lents à produire",
            "apt-get install -y libharfbuzz-subset0",
        )
    if arguments.tests and not CHROMIUM.exists():
        advise(
            f"Chromium absent ({CHROMIUM}), les tests dans le navigateur seront sautés",
            "apt-get install -y chromium",
        )


if __name__ == "__main__":
    main()
