"""Stops `make` with a clear message when the Python interpreter is too old."""

import sys

if sys.version_info < (3, 11):  # noqa: UP036 (runs under the system python3)
    sys.exit(
        f"Python 3.11 ou plus récent est nécessaire (trouvé : {sys.version.split()[0]}). "
        "Installez python3.11 et relancez la commande."
    )
