"""The metrics feed for dashboards: one row per claim, with the status of the fact it belongs to,
in a stable column order (CONTRACT.md, Metrics feed row), as CSV, JSON or Parquet.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from miner.crosscheck import Encode, crosscheck
from miner.model import Claim

COLUMNS = ("entity", "metric", "period", "value", "unit", "document_id", "source", "published", "claim_id", "status")
FORMATS = ("csv", "json", "parquet")


def rows(claims: Sequence[Claim], encode: Encode) -> list[dict]:
    """A conflict anywhere marks the claim `conflict`; else a consistent check marks it
    `consistent`; a claim nothing was compared with is `single`."""
    status: dict[str, str] = {}
    for check in crosscheck(claims, encode):
        for claim_id in check.claim_ids:
            if status.get(claim_id) != "conflict":
                status[claim_id] = check.status
    return [
        {
            "entity": c.entity, "metric": c.metric, "period": c.period, "value": c.value, "unit": c.unit,
            "document_id": c.document_id, "source": c.source,
            "published": c.published.isoformat() if c.published else None,
            "claim_id": c.id, "status": status.get(c.id, "single"),
        }
        for c in claims
    ]


def to_csv(feed: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(feed)
    return out.getvalue()


def to_json(feed: list[dict]) -> str:
    return json.dumps(feed, ensure_ascii=False, indent=2)


def write(feed: list[dict], fmt: str, path: Path) -> None:
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([
            ("entity", pa.string()), ("metric", pa.string()), ("period", pa.string()), ("value", pa.float64()),
            ("unit", pa.string()), ("document_id", pa.string()), ("source", pa.string()),
            ("published", pa.string()), ("claim_id", pa.string()), ("status", pa.string()),
        ])
        pq.write_table(pa.Table.from_pylist(feed, schema=schema), path)
    else:
        Path(path).write_text(to_csv(feed) if fmt == "csv" else to_json(feed), encoding="utf-8")
