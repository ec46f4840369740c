"""What the API and the workers share, with no I/O: the job contract (spec), job state and
its statuses, Redis key names, the one error tree, and the L1 cache key."""
