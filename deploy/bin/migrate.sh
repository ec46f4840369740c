#!/usr/bin/env bash
# Apply database migrations (one-shot, before api and workers start).
set -euo pipefail
exec alembic upgrade head
