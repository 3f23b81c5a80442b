from fastapi import APIRouter

from api.deps import HomeDep
from api.schemas import AskRequest
from miner.answer import ask as run
from miner.model import Answer

router = APIRouter(tags=["ask"])


@router.post("/ask", response_model=Answer)
def ask(body: AskRequest, home: HomeDep) -> Answer:
    return run(body.question, home, k=body.k)
