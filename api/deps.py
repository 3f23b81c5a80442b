"""Dependencies shared by the routes."""
from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from functools import partial
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Depends, Header, HTTPException, Request

from miner.home import Home


async def shared_home(request: Request) -> Home:
    """The app's home, for requests that read: they run side by side (each worker thread has its
    own store connection, and index searches run together; see miner.home). A coroutine, so that
    handing the home over costs no trip to the thread pool."""
    return request.app.state.home


T = TypeVar("T")


class Answering:
    """Runs a question's work in a worker thread, at most `answer_threads` at once (miner.config)."""

    def __init__(self, request: Request):
        self._limiter = request.app.state.answering

    async def __call__(self, fn: Callable[..., T], *args, **kwargs) -> T:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs), limiter=self._limiter)


def writing_home(request: Request) -> Iterator[Home]:
    """The app's home, for requests that store or delete documents: one of those at a time, while
    the reads go on."""
    with request.app.state.lock:
        yield request.app.state.home


def require_key(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> None:
    """Write endpoints need the API key when one is configured; compared in constant time."""
    expected = request.app.state.settings.api_key
    if expected and not (x_api_key and hmac.compare_digest(x_api_key.encode(), expected.encode())):
        raise HTTPException(status_code=401, detail="missing or wrong API key: send it in the X-API-Key header")


HomeDep = Annotated[Home, Depends(shared_home)]
AnsweringDep = Annotated[Answering, Depends(Answering)]
WriteHomeDep = Annotated[Home, Depends(writing_home)]
WriteAccess = Depends(require_key)
