from fastapi import APIRouter

from api.deps import HomeDep
from api.schemas import AskRequest, error_responses
from miner.answer import ask as run
from miner.model import Answer

router = APIRouter(tags=["ask"])


@router.post("/ask", response_model=Answer, responses=error_responses(400, 413, 422))
def ask(body: AskRequest, home: HomeDep) -> Answer:
    return run(body.question, home, k=body.k)
