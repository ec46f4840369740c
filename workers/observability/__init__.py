"""Watching it run: Prometheus metrics and their exposition, scrape-time gauges (resources,
circuits), LangSmith tracing, and the numbers behind /dashboard."""
