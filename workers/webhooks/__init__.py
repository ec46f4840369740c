"""Webhooks: when a job ends, its status document POSTed, signed (Standard Webhooks),
retried for hours, each attempt recorded; addresses vetted against SSRF, then pinned."""
