"""The library face: :class:`AsyncCache` and its sync twin :class:`Cache`, exported as ``nearhit.*``."""

from nearhit.library.async_cache import Answer, AsyncCache
from nearhit.library.loop_thread import CacheClosed, SyncCallInEventLoop, WrongEventLoop
from nearhit.library.sync_cache import Cache

__all__ = ["Answer", "AsyncCache", "Cache", "CacheClosed", "SyncCallInEventLoop", "WrongEventLoop"]
