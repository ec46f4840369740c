"""The `componentforge` console script: API keys and tenants (issue 13 adds jobs)."""
