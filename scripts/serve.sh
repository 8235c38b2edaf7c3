#!/bin/sh
# `make serve`: the production mode (DEBUG off, gunicorn, WhiteNoise), tried locally over plain
# http on 127.0.0.1. See README, « Mise en production ».
set -eu

PY=${PY:-.venv/bin/python}
VENV=${VENV:-.venv}
PORT=${PORT:-8000}

# A secret key made once for this machine and kept in var/ (not versioned), unless given.
if [ -z "${SECRET_KEY:-}" ]; then
    if [ ! -s var/secret_key ]; then
        mkdir -p var
        (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >var/secret_key)
        echo "Clé secrète créée dans var/secret_key."
    fi
    SECRET_KEY=$(cat var/secret_key)
fi
# Production settings, but over http and on this machine only (check --deploy warns: HTTPS=0).
DEBUG=0
HTTPS=0
ALLOWED_HOSTS=127.0.0.1,localhost
export SECRET_KEY DEBUG HTTPS ALLOWED_HOSTS

# Static files under hashed names, compressed: gathered again only when they changed (about
# a minute for the 9 000 files of the DSFR and the admin).
if [ ! -f staticfiles/staticfiles.json ] \
    || [ -n "$(find static "$VENV/.installed" -newer staticfiles/staticfiles.json -print -quit)" ]; then
    echo "Préparation des fichiers statiques (collectstatic)…"
    "$PY" manage.py collectstatic --noinput --verbosity 0
fi

"$PY" manage.py migrate --noinput --verbosity 0
"$PY" manage.py loaddata reference --verbosity 0
# The Pays de la Loire synthesis, only into a database without any synthesis. No demo
# account: they are refused with DEBUG off.
if "$PY" manage.py shell --verbosity 0 --command \
    'from workshops.models import Synthesis; raise SystemExit(int(Synthesis.objects.exists()))'; then
    "$PY" manage.py loaddata pays-de-la-loire-2020 --verbosity 0
    echo "Synthèse Pays de la Loire 2020 chargée."
fi

echo "Mode production sur http://127.0.0.1:$PORT/ (Ctrl+C pour arrêter)."
echo "Pas de compte de démonstration en production ; pour créer un administrateur :"
echo "  SECRET_KEY=\$(cat var/secret_key) $PY manage.py createsuperuser"
# gunicorn and the background job workers (JOB_WORKERS, 2 by default), stopped together.
exec "$PY" scripts/with_workers.py --workers "${JOB_WORKERS:-2}" -- \
    "$VENV/bin/gunicorn" --config etatsgeneraux/gunicorn.conf.py \
    --bind "127.0.0.1:$PORT" etatsgeneraux.wsgi
