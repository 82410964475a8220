"""The web UI: the chat page at ``/``, the calculator at ``/calculator``, and ``/ui/config`` for both.

The pages are static files shipped in the package (``nearhit/web``); their scripts and styles are served
under ``/static`` by the app. Nothing here renders server data into HTML: the pages fetch JSON and insert
it as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from nearhit import __version__, validate
from nearhit.api.access import policy_of, reads_every_tenant
from nearhit.api.deps import RuntimeDep

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
STATIC_DIR = WEB_DIR / "static"

SIMULATED_HINT = "set OPENAI_API_KEY or AZURE_OPENAI_* to use a real model"

router = APIRouter(tags=["ui"])

# The pages change with each release, not each request; make the browser revalidate rather than guess.
_PAGE_HEADERS = {"Cache-Control": "no-cache"}


@router.get("/", include_in_schema=False)
async def chat_page() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html", media_type="text/html", headers=_PAGE_HEADERS)


@router.get("/calculator", include_in_schema=False)
async def calculator_page() -> FileResponse:
    return FileResponse(WEB_DIR / "calculator.html", media_type="text/html", headers=_PAGE_HEADERS)


@router.get(
    "/ui/config", summary="What the web UI shows in its header: model, threshold, embedder, whether it needs a key"
)
async def ui_config(request: Request, runtime: RuntimeDep) -> dict[str, Any]:
    provider = runtime.provider
    settings = runtime.settings
    return {
        "version": __version__,
        "model": provider.model,
        "provider": provider.name,
        "priced_as": provider.imitates or provider.model,
        "simulated": provider.simulated,
        "hint": SIMULATED_HINT if provider.simulated else None,
        "threshold": settings.similarity_threshold,
        "embedder": runtime.embedder.model_name,
        "embedding_dimension": runtime.embedder.dimension,
        "index_name": settings.index_name,
        # Secured (a key table or an admin token): the pages ask for a key and send it with every call.
        "secured": not policy_of(request).open,
        # Whether this caller may read what sums over every tenant (the metrics panel asks before it polls).
        "aggregates": reads_every_tenant(request),
        # A conversation sends its earlier turns with each question: the newest that fit in this many characters.
        "max_history_chars": validate.MAX_HISTORY_CHARS,
    }
