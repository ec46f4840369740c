"""`make bench`: latency and throughput tables against a bare Celery no-op task measured
in the same run."""
