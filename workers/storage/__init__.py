"""Where things are kept: job state and the L1 cache in Redis, records and models in
Postgres, artifacts in S3, and the Figma client behind its L0 cache."""
