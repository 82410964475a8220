"""The OpenAI-compatible gateway, without HTTP: OpenAI's wire format, the key table, a chat through the cache.

``nearhit.api.gateway`` serves it under ``/v1``; any OpenAI client gets the cache by changing its base URL.
"""

from nearhit.gateway.chat import ChatRun, start_chat
from nearhit.gateway.errors import GatewayError
from nearhit.gateway.headers import CacheStatus, Controls
from nearhit.gateway.keys import KeyTable
from nearhit.gateway.requests import ChatCall, EmbeddingCall, parse_chat, parse_embeddings, parse_json
from nearhit.gateway.settings import GatewayConfig

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
