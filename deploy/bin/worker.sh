#!/usr/bin/env bash
# A Celery worker for generation.run. Prefork, one job per process at a time (prefetch 1),
# task events on for Flower and celery-exporter.
set -euo pipefail
exec celery -A config.celery_app worker \
  --queues "${GENERATION_QUEUE:-generation}" \
  --concurrency "${WORKER_CONCURRENCY:-2}" \
  --pool prefork \
  --loglevel "${LOG_LEVEL:-INFO}" \
  --hostname "worker@%h" \
  --task-events
