"""Dependencies shared by the routes."""
from __future__ import annotations

import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from miner.home import Home


def locked_home(request: Request) -> Iterator[Home]:
    """The app's home, used by one request at a time: the store's connection and the faiss index
    are shared by the worker threads, so access to them is serialised."""
    with request.app.state.lock:
        yield request.app.state.home


def require_key(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> None:
    """Write endpoints need the API key when one is configured; compared in constant time."""
    expected = request.app.state.settings.api_key
    if expected and not (x_api_key and hmac.compare_digest(x_api_key.encode(), expected.encode())):
        raise HTTPException(status_code=401, detail="missing or wrong API key: send it in the X-API-Key header")


HomeDep = Annotated[Home, Depends(locked_home)]
WriteAccess = Depends(require_key)
