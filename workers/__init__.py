"""What tasks use, a subpackage per concern: pipeline (one job start to end), chain (the five
agent steps), resilience, storage and observability; clients.py and process_hooks.py span them."""
