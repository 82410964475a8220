"""nearhit: a semantic cache for LLM applications on Redis."""

__version__ = "0.1.0"
