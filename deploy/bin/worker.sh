#!/usr/bin/env bash
# A Celery worker for generation.run. Prefork, one job per process at a time (prefetch 1),
# task events for Flower and celery-exporter unless TASK_EVENTS=false. The pool's metrics
# are summed through PROMETHEUS_MULTIPROC_DIR and served on WORKER_METRICS_PORT (9101).
set -euo pipefail
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus-worker}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
exec celery -A config.celery_app worker \
  --queues "${GENERATION_QUEUE:-generation}" \
  --concurrency "${WORKER_CONCURRENCY:-2}" \
  --pool prefork \
  --loglevel "${LOG_LEVEL:-INFO}" \
  --hostname "worker@%h"
