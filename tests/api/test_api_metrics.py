"""GET /metrics?format=json|csv&entity=&metric=: the metrics feed (CONTRACT: Metrics feed row)."""
from __future__ import annotations

import csv
import io

import pytest

COLUMNS = ["entity", "metric", "period", "value", "unit", "document_id", "source", "published", "claim_id", "status"]
STATUSES = {"consistent", "conflict", "single"}


@pytest.fixture(scope="module")
def rows(client) -> list[dict]:
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    return r.json()


def test_json_rows_have_the_columns_in_order(client, rows):
    assert len(rows) == client.get("/healthz").json()["claims"]
    for row in rows:
        assert list(row) == COLUMNS
        assert row["status"] in STATUSES
        assert isinstance(row["value"], float | int)
    assert {r["status"] for r in rows} == STATUSES


def test_csv_has_the_same_rows_in_the_same_order(client, rows):
    r = client.get("/metrics", params={"format": "csv"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0] == ",".join(COLUMNS)
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert [t["claim_id"] for t in table] == [row["claim_id"] for row in rows]
    for t, row in zip(table, rows):
        assert float(t["value"]) == row["value"] and t["status"] == row["status"]
        assert t["source"] == row["source"] and t["metric"] == row["metric"]  # Chinese survives
        assert t["published"] == (row["published"] or "")


def test_rows_point_at_claims(client, rows):
    claims = {c["id"]: c for c in client.get("/claims", params={"limit": 1000}).json()}
    for row in rows:
        c = claims[row["claim_id"]]
        assert (row["value"], row["unit"], row["document_id"], row["source"]) == (c["value"], c["unit"], c["document_id"], c["source"])


def test_conflicting_facts_are_marked(rows):
    electricity = [r for r in rows if r["unit"] == "%" and r["value"] in (30, 40)
                   and r["source"] in ("datacenter-power-outlook.txt", "openrouter-model-family-shares.pdf")
                   and ("electricity" in r["metric"] or "电" in r["metric"])]
    assert {r["source"] for r in electricity} == {"datacenter-power-outlook.txt", "openrouter-model-family-shares.pdf"}
    assert {r["status"] for r in electricity} == {"conflict"}
    zhipu = [r for r in rows if r["entity"] == "Zhipu AI" and r["unit"] == "" and r["value"] in (120, 150)]
    assert len(zhipu) == 2 and {r["status"] for r in zhipu} == {"conflict"}


def test_agreeing_facts_are_consistent(rows):
    share = [r for r in rows if r["entity"] == "Chinese models" and r["unit"] == "%" and r["value"] == 61
             and r["source"] == "ledger-wire-chinese-ai-exports.html"]
    assert share and {r["status"] for r in share} == {"consistent"}


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_filters(client, fmt):
    r = client.get("/metrics", params={"format": fmt, "entity": "稀宇科技"})
    assert r.status_code == 200
    data = r.json() if fmt == "json" else list(csv.DictReader(io.StringIO(r.text)))
    assert data and {row["entity"] for row in data} == {"MiniMax"}
    r = client.get("/metrics", params={"format": fmt, "metric": "share", "entity": "Chinese models"})
    data = r.json() if fmt == "json" else list(csv.DictReader(io.StringIO(r.text)))
    assert data and all("share" in row["metric"] and row["entity"] == "Chinese models" for row in data)
    r = client.get("/metrics", params={"format": fmt, "entity": "Nobody Incorporated"})
    assert r.status_code == 200
    assert (r.json() == []) if fmt == "json" else (r.text.strip() == ",".join(COLUMNS))


@pytest.mark.parametrize("params", [{"format": "xml"}, {"format": "parquet"}, {"format": ""}, {"metric": "m" * 201}])
def test_bad_metrics_requests_are_422(client, params):
    r = client.get("/metrics", params=params)
    assert r.status_code == 422, params
