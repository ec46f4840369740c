#!/usr/bin/env bash
# A Celery worker for generation.run. WORKER_POOL=gevent (default): each job is a greenlet,
# so one process keeps WORKER_CONCURRENCY (default 400) jobs in flight while they wait on
# their models, and the CPU-bound checks run in CHECKER_PROCESSES Node checkers.
# WORKER_POOL=prefork: one job per process, WORKER_CONCURRENCY (default 2) processes.
# Prefetch 1 per slot; task events for Flower and celery-exporter unless TASK_EVENTS=false.
# Metrics are summed through PROMETHEUS_MULTIPROC_DIR, served on WORKER_METRICS_PORT (9101).
set -euo pipefail
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-/tmp/prometheus-worker}"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
# With RabbitMQ as the broker, the gevent pool with task events hung workers on a job's
# first event in our tests (Celery 5.7, py-amqp: the event dispatcher's lock never came
# back); such deployments keep prefork until that is solved (README: Workers).
default_pool=gevent
case "${BROKER_URL:-}" in amqp:* | amqps:* | pyamqp:*) default_pool=prefork ;; esac
pool="${WORKER_POOL:-$default_pool}"
# Per pool, as devstack.processes.DEFAULT_CONCURRENCY (a test keeps the two equal).
case "$pool" in
  gevent) default_concurrency=400 ;;
  threads) default_concurrency=8 ;;
  solo) default_concurrency=1 ;;
  *) default_concurrency=2 ;;
esac
# Webhook deliveries have a queue of their own (WEBHOOK_QUEUE, `<generation queue>.webhooks`
# by default), consumed here too: a generation never waits behind a slow receiver.
generation_queue="${GENERATION_QUEUE:-generation}"
exec celery -A config.celery_app worker \
  --queues "$generation_queue,${WEBHOOK_QUEUE:-$generation_queue.webhooks}" \
  --pool "$pool" \
  --concurrency "${WORKER_CONCURRENCY:-$default_concurrency}" \
  --loglevel "${LOG_LEVEL:-INFO}" \
  --hostname "${WORKER_NAME:-worker}@%h"
