from typing import Annotated

from fastapi import APIRouter, File, HTTPException, Path, Response, UploadFile

from api.deps import HomeDep, WriteAccess, WriteHomeDep
from api.schemas import UploadFailure, UploadResult, error_responses
from miner import errors
from miner.ingest import ingest_bytes
from miner.model import StoredDocument
from miner.read import SUPPORTED_EXTENSIONS

router = APIRouter(tags=["documents"])

DocumentId = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the document's bytes")]
_CHUNK = 1 << 20


@router.post("/documents", response_model=UploadResult, status_code=201, dependencies=[WriteAccess],
             responses={200: {"description": "every file was already stored"}, **error_responses(400, 401, 413, 415, 422)})
def upload(response: Response, home: WriteHomeDep, file: Annotated[list[UploadFile], File(min_length=1, description="one or more reports")]) -> UploadResult:
    """Store one or more reports. The file name only picks the reader; it is never used as a path."""
    limit = home.settings.max_file_bytes
    result = UploadResult()
    worst: int | None = None
    for upload in file:
        name = (upload.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1]
        data = _read_limited(upload, limit)
        if data is None:
            status, reason = 413, f"file is over the {home.settings.max_file_mb:g} MB limit"
        elif "." + name.rsplit(".", 1)[-1].lower() not in SUPPORTED_EXTENSIONS:
            status, reason = 415, f"unsupported file type: {name}; send one of {' '.join(sorted(SUPPORTED_EXTENSIONS))}"
        else:
            outcome = ingest_bytes(data, name, home)
            if outcome.status != "failed":
                doc = home.store.document(outcome.document_id)
                (result.stored if outcome.status == "stored" else result.skipped).append(doc)
                continue
            status = getattr(errors, outcome.error_type or "", errors.UnreadableDocument).status_code
            reason = outcome.error or "unreadable"
        result.failed.append(UploadFailure(file=name, reason=reason))
        worst = max(worst or 0, status)
    home.save_index()
    if result.failed and not (result.stored or result.skipped):
        raise HTTPException(status_code=worst or 422, detail="; ".join(f"{f.file}: {f.reason}" for f in result.failed))
    response.status_code = 201 if result.stored else 200
    return result


def _read_limited(upload: UploadFile, limit: int) -> bytes | None:
    """The upload's bytes, or None as soon as it passes the limit (nothing more is read)."""
    parts, size = [], 0
    while chunk := upload.file.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
    return b"".join(parts)


@router.get("/documents", response_model=list[StoredDocument])
def list_documents(home: HomeDep) -> list[StoredDocument]:
    return home.store.documents()


@router.get("/documents/{document_id}", response_model=StoredDocument, responses=error_responses(404, 422))
def get_document(document_id: DocumentId, home: HomeDep) -> StoredDocument:
    return home.store.document(document_id)


@router.delete("/documents/{document_id}", status_code=204, dependencies=[WriteAccess],
               responses=error_responses(401, 404, 422))
def delete_document(document_id: DocumentId, home: WriteHomeDep) -> Response:
    home.store.delete_document(document_id)
    home.removed()
    home.save_index()
    return Response(status_code=204)
