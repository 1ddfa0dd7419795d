"""Chat completions from any OpenAI-compatible endpoint, for the LLM caller and the LLM judge."""

from sparring.llm.client import LLMClient, LLMReply, LLMToolCall

__all__ = ["LLMClient", "LLMReply", "LLMToolCall"]
