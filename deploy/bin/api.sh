#!/usr/bin/env bash
# The submission API. Stateless: run as many replicas as load needs. Its uvicorn worker
# processes' metrics are summed through PROMETHEUS_MULTIPROC_DIR and served on /metrics.
#
# Processes: API_WORKERS, else WEB_CONCURRENCY (the common convention), else one per CPU
# this process may use: each is one event loop (one core at most), so fewer leave cores
# idle and more only contend. uvloop and httptools are named, not left to `auto`: a
# missing extra fails the start instead of quietly halving throughput (asyncio + h11).
# API_MAX_CONNECTIONS bounds each process's open connections and tasks (past it, 503):
# slow clients and streams cannot pile up without end. Bodies have a deadline of their
# own (BODY_READ_TIMEOUT_S, api/body_limit.py).
set -euo pipefail
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus-api}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
exec uvicorn api.main:app \
  --host "${API_HOST:-0.0.0.0}" \
  --port "${API_PORT:-8000}" \
  --workers "${API_WORKERS:-${WEB_CONCURRENCY:-$(nproc)}}" \
  --loop uvloop \
  --http httptools \
  --proxy-headers \
  --limit-concurrency "${API_MAX_CONNECTIONS:-1000}" \
  --timeout-keep-alive 5 \
  --no-access-log
