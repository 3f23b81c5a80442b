from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import HomeDep
from miner.entities import canonical
from miner.model import Check, Claim

router = APIRouter(tags=["claims"])


@router.get("/claims", response_model=list[Claim])
def list_claims(
    home: HomeDep,
    entity: Annotated[str | None, Query(max_length=200)] = None,
    metric: Annotated[str | None, Query(max_length=200)] = None,
    document: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    # bounded: SQLite integers are 64-bit, and a larger offset was a 500
    offset: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> list[Claim]:
    entity = (canonical(entity) or entity) if entity else None
    return home.store.claims(entity=entity, metric=metric, document=document, limit=limit, offset=offset)


@router.get("/conflicts", response_model=list[Check])
def conflicts(home: HomeDep) -> list[Check]:
    from miner.crosscheck import conflicts as find

    return find(home.store.claims(), home.embedder.encode)
