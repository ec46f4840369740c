"""One job from start to end: take the lease, look up L1, run the chain, upload, record,
and end the job (succeeded or failed) in Redis and Postgres."""
