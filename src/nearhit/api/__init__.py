"""The HTTP layer: FastAPI routers, one module per area, thin over the engine."""
