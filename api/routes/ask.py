from fastapi import APIRouter

from api.deps import AnsweringDep, HomeDep
from api.schemas import AskRequest, error_responses
from miner.answer import ask as run
from miner.model import Answer

router = APIRouter(tags=["ask"])


@router.post("/ask", response_model=Answer, responses=error_responses(400, 413, 422))
async def ask(body: AskRequest, home: HomeDep, answering: AnsweringDep) -> Answer:
    return await answering(run, body.question, home, k=body.k)
