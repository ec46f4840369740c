"""What the API and the workers share, with no I/O: the job contract (spec), job state, its
statuses and its result, Redis key names, the one error tree, and the L1 cache key."""
