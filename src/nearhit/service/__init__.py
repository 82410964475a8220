"""The service core under the HTTP layer and the gateway: open the cache (``bootstrap``), hold the process's
shared parts (``runtime``), answer a request as event streams (``answering``: the raw and the cache column),
share identical misses (``singleflight``), race the columns (``streaming``), record what happened
(``telemetry``) and how stores fare (``store_health``). It knows nothing of HTTP."""
