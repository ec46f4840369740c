"""`make chaos`: fault drills under load on real servers and processes (kill -9, outages
behind a fault proxy), counted per job."""
