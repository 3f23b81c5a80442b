from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["page"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page() -> HTMLResponse:
    """The web page: plain HTML and one small script, no CDN, so it works offline."""
    return HTMLResponse((resources.files("api") / "static" / "index.html").read_text("utf-8"))
