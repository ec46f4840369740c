#!/usr/bin/env bash
# Flower, the Celery UI and API, behind basic auth (FLOWER_BASIC_AUTH=user:password).
set -euo pipefail
: "${FLOWER_BASIC_AUTH:?set FLOWER_BASIC_AUTH=user:password; Flower never runs unauthenticated}"
exec celery -A config.celery_app flower \
  --address="${FLOWER_HOST:-0.0.0.0}" \
  --port="${FLOWER_PORT:-5555}" \
  --basic-auth="$FLOWER_BASIC_AUTH" \
  --persistent=False
