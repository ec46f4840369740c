"""Local HTTP servers speaking the wire protocols of Figma, an OpenAI-compatible API and
LangSmith, so the real client libraries are exercised without the internet."""
