#!/usr/bin/env bash
# The submission API. Stateless: run as many replicas as load needs.
set -euo pipefail
exec uvicorn api.main:app \
  --host "${API_HOST:-0.0.0.0}" \
  --port "${API_PORT:-8000}" \
  --workers "${API_WORKERS:-2}" \
  --proxy-headers \
  --no-access-log
