"""Stops `make run` and `make test` with a clear message when WeasyPrint cannot load.

WeasyPrint needs Pango >= 1.44 (with HarfBuzz and fontconfig) from the system.
"""

import sys

HELP = """\
Les bibliothèques système nécessaires à WeasyPrint (génération des PDF) sont absentes
ou trop anciennes : Pango 1.44 ou plus récent est requis.
  Debian / Ubuntu : apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b\\
                    fonts-dejavu-core
  Fedora          : dnf install pango
  macOS (Homebrew): brew install pango
Détail : {error}"""

PANGO_MINIMUM = 14400  # 1.44.0, as pango_version() encodes it

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
