"""The OpenAI-compatible gateway, without HTTP: OpenAI's wire format, the key table, a chat through the cache.

``nearhit.api.gateway`` serves it under ``/v1``; any OpenAI client gets the cache by changing its base URL.
"""

from nearhit.gateway.chat import CacheStatus, ChatRun, Controls, start_chat
from nearhit.gateway.errors import GatewayError
from nearhit.gateway.protocol import ChatCall, EmbeddingCall, parse_chat, parse_embeddings, parse_json
from nearhit.gateway.settings import GatewayConfig, KeyTable

__all__ = [
    "CacheStatus",
    "ChatCall",
    "ChatRun",
    "Controls",
    "EmbeddingCall",
    "GatewayConfig",
    "GatewayError",
    "KeyTable",
    "parse_chat",
    "parse_embeddings",
    "parse_json",
    "start_chat",
]
