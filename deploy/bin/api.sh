#!/usr/bin/env bash
# The submission API. Stateless: run as many replicas as load needs. Its uvicorn worker
# processes' metrics are summed through PROMETHEUS_MULTIPROC_DIR and served on /metrics.
set -euo pipefail
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus-api}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
exec uvicorn api.main:app \
  --host "${API_HOST:-0.0.0.0}" \
  --port "${API_PORT:-8000}" \
  --workers "${API_WORKERS:-2}" \
  --proxy-headers \
  --no-access-log
