"""A router per resource: generations, cache, health, metrics, dashboard. api/main.py
assembles them."""
