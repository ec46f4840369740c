#!/usr/bin/env bash
# danihodovic's celery-exporter (queue and worker metrics: celery_task_*_total,
# celery_queue_length, celery_worker_up), from its own venv: its pins clash with ours.
set -euo pipefail
EXPORTER_PYTHON="${EXPORTER_PYTHON:-.venv-exporter/bin/python}"
exec "$EXPORTER_PYTHON" -c "from src.cli import cli; cli(auto_envvar_prefix='CE')" \
  --broker-url "${BROKER_URL:-${REDIS_URL:?set BROKER_URL or REDIS_URL}}" \
  --host "${EXPORTER_HOST:-0.0.0.0}" \
  --port "${EXPORTER_PORT:-9808}"
