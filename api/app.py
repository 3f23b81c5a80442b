"""The REST service: create_app(settings) opens the home (store, embedder, indexes) once at start-up.

Routes are thin: each parses its input and calls one library function. A MinerError becomes a JSON
`{"detail": ...}` with the error's 4xx status; anything else is a bug and the app says so in JSON.
"""
from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from api.routes import ask, claims, documents, health, metrics, page, search
from miner.config import Settings
from miner.errors import MinerError
from miner.home import Home

log = logging.getLogger("miner.api")
# Every body but an upload is a small JSON document (a question, a filter).
JSON_BODY_LIMIT = 1 << 20


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        home = Home(settings)
        # Load the model and the index now, not on the first request. The index alone does not
        # load the model (it needs only the model's name and dimension): without the second line
        # the first /ask or /search waited for it (~30 s on a busy two-core machine). Nor does the
        # keyword index build itself before it is first searched (20 s at 1M claims).
        _ = home.index
        _ = home.keywords
        _ = home.embedder.model
        app.state.home = home
        app.state.lock = threading.Lock()
        app.state.answering = anyio.CapacityLimiter(settings.answer_threads)
        try:
            yield
        finally:
            home.close()

    app = FastAPI(
        title="miner",
        version="0.1.0",
        description="Figures mined from research reports (English and Chinese), with sources and cross-checks.",
        lifespan=lifespan,
        # Checked against Content-Length before the body is read, and counted while a chunked
        # body streams in: an oversized request is answered 413 without being spooled to disk.
        max_body_size=JSON_BODY_LIMIT,
    )
    app.state.settings = settings

    @app.exception_handler(MinerError)
    async def miner_error(_: Request, exc: MinerError) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": str(exc)})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        if exc.status_code == 405:
            # Starlette names only the first route that matched the path; GET and POST on
            # /documents are two routes, and a client told "Allow: GET" would never upload.
            allowed = sorted({m for route in app.routes if route.matches(request.scope)[0] != Match.NONE
                              for m in getattr(route, "methods", ())})
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(allowed)}
        return await http_exception_handler(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(status_code=500, content={"detail": f"internal error: {type(exc).__name__}"})

    app.include_router(documents.router, max_body_size=settings.max_request_bytes)
    for module in (health, claims, search, ask, metrics, page):
        app.include_router(module.router)
    return app
