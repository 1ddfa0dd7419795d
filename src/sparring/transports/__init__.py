"""Ways of reaching the agent under test: one module per protocol, one class each."""

from sparring.transports.base import AgentReply, Connection, Transport
from sparring.transports.registry import get_transport, transport_types

__all__ = ["AgentReply", "Connection", "Transport", "get_transport", "transport_types"]
