"""`make workload`: a realistic job mix (Zipf repeats, near-duplicates, edited Figma files)
replayed through the API, with hit rate, latency and dollars per cache layer."""
