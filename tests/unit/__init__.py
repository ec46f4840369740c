"""Unit tier: starts no server and no process; runs in seconds (`make test-unit`)."""
