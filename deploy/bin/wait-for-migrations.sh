#!/usr/bin/env bash
# Init container of the api and worker pods: returns once the database is at (or past)
# this image's Alembic head, i.e. once the migrate Job has run. Gives up after
# MIGRATIONS_WAIT_S (default 300) so a failed migration shows as a failing pod.
set -euo pipefail
exec python "$(dirname "$0")/wait_for_migrations.py" --timeout-s "${MIGRATIONS_WAIT_S:-300}"
