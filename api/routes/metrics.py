from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, PlainTextResponse

from api.deps import HomeDep
from miner import feed
from miner.entities import canonical

router = APIRouter(tags=["metrics"])


_ROWS = {"type": "array", "items": {"type": "object"}}


@router.get("/metrics", response_class=JSONResponse, responses={
    200: {"description": "one row per claim; CONTRACT.md lists the columns",
          "content": {"application/json": {"schema": _ROWS}, "text/csv": {"schema": {"type": "string"}}}},
})
def metrics(
    home: HomeDep,
    format: Literal["json", "csv"] = "json",
    entity: Annotated[str | None, Query(max_length=200)] = None,
    metric: Annotated[str | None, Query(max_length=200)] = None,
):
    """The metrics feed: one row per claim with its fact's status (consistent, conflict, single)."""
    entity = (canonical(entity) or entity) if entity else None
    rows = feed.rows(home.store.claims(entity=entity, metric=metric), home.embedder.encode)
    if format == "csv":
        return PlainTextResponse(feed.to_csv(rows), media_type="text/csv; charset=utf-8")
    return JSONResponse(rows)
