from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AnsweringDep, HomeDep
from miner.model import Claim
from miner.search import search as run

router = APIRouter(tags=["search"])


@router.get("/search", response_model=list[Claim])
async def search(
    home: HomeDep,
    answering: AnsweringDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, pattern=r"\S", description="words or a question; not blank")],
    k: Annotated[int, Query(ge=1, le=200)] = 10,
) -> list[Claim]:
    return await answering(run, q, home, k=k)
