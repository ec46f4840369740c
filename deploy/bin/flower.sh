#!/usr/bin/env bash
# Flower, the Celery UI and API, behind basic auth (FLOWER_BASIC_AUTH=user:password).
# Flower reads FLOWER_BASIC_AUTH from the environment itself (its FLOWER_* variables):
# it stays off the command line, which every user of the machine can read.
set -euo pipefail
: "${FLOWER_BASIC_AUTH:?set FLOWER_BASIC_AUTH=user:password; Flower never runs unauthenticated}"
export FLOWER_BASIC_AUTH
exec celery -A config.celery_app flower \
  --address="${FLOWER_HOST:-0.0.0.0}" \
  --port="${FLOWER_PORT:-5555}" \
  --persistent=False
