"""Integration tier: real Redis, Postgres, S3 API servers and Celery worker processes."""
