from fastapi import APIRouter

from api.deps import HomeDep
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz(home: HomeDep) -> Health:
    return Health(status="ok", **home.store.counts())
