"""The simulated caller and the conversation loop."""
