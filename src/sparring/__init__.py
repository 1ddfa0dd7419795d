"""sparring: self-hosted testing of conversational AI agents."""

__version__ = "0.1.0"
