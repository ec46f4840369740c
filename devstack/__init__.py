"""Local stand-ins for production: embedded Redis, Postgres and S3 servers, fakes of the paid
APIs, and the tools that run on them (make up, demo, bench, chaos)."""
