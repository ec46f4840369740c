"""Fault drills: the `make chaos` drills, short, on real services (part of `make test`)."""
