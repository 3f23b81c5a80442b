"""`miner export --format csv|json|parquet [-o FILE]`: the metrics feed (CONTRACT: Metrics feed row),
over a home with a few demo reports, English and Chinese."""
from __future__ import annotations

import csv
import functools
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from miner.cli import app

COLUMNS = ["entity", "metric", "period", "value", "unit", "document_id", "source", "published", "claim_id", "status"]
STATUSES = {"consistent", "conflict", "single"}
REPORTS = Path(__file__).resolve().parents[1] / "corpora" / "reports"
# D1's two English sources disagree (30% vs 40%); the Chinese report brings Chinese metrics.
DOCUMENTS = ["datacenter-power-outlook.txt", "openrouter-model-family-shares.pdf", "china-ai-labs-overseas.md"]

runner = CliRunner()


@pytest.fixture(scope="module", autouse=True)
def _model_loaded_once():
    """Each command opens a Home that loads the embedding model (~5 s); load it once here."""
    import miner.embed

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(miner.embed, "_load", functools.cache(miner.embed._load))
        yield


def miner(home: Path, *args: str):
    return runner.invoke(app, ["--home", str(home), *args])


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("export") / "home"
    result = miner(home, "ingest", *(str(REPORTS / name) for name in DOCUMENTS))
    assert result.exit_code == 0, result.output
    return home


@pytest.fixture(scope="module")
def claims(home) -> list[dict]:
    result = miner(home, "claims", "--format", "json")
    assert result.exit_code == 0
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def csv_text(home, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("csv") / "feed.csv"
    result = miner(home, "export", "--format", "csv", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out.read_text().count(chr(10)) - 1} rows to {out}" in result.stderr
    return out.read_text(encoding="utf-8")


def test_parquet_has_the_contract_columns_in_order(home, claims, csv_text, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "feed.parquet"
    result = miner(home, "export", "--format", "parquet", "-o", str(out))
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.column_names == COLUMNS
    assert table.schema.field("value").type == pa.float64()
    assert all(table.schema.field(c).type == pa.string() for c in COLUMNS if c != "value")
    rows = table.to_pylist()
    assert len(rows) == len(claims)
    assert [r["claim_id"] for r in rows] == [c["id"] for c in claims]
    assert {r["status"] for r in rows} <= STATUSES
    assert {r["source"] for r in rows} == set(DOCUMENTS)
    # the same feed as the CSV, value for value
    from_csv = list(csv.DictReader(io.StringIO(csv_text)))
    assert [(r["claim_id"], r["value"], r["status"]) for r in rows] == [
        (r["claim_id"], float(r["value"]), r["status"]) for r in from_csv]


def test_csv_file(csv_text, claims):
    lines = csv_text.splitlines()
    assert lines[0] == ",".join(COLUMNS)
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert len(rows) == len(claims)
    assert {r["status"] for r in rows} <= STATUSES
    by_id = {c["id"]: c for c in claims}
    for r in rows:
        c = by_id[r["claim_id"]]
        assert (float(r["value"]), r["unit"], r["source"], r["metric"]) == (c["value"], c["unit"], c["source"], c["metric"])
        assert r["published"] == (c["published"] or "")
    assert any("\u4e00" <= ch <= "\u9fff" for r in rows for ch in r["metric"])  # Chinese written as UTF-8


def test_csv_to_stdout_is_the_same(home, csv_text):
    result = miner(home, "export", "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout == csv_text


def test_json_file_and_stdout(home, claims, csv_text, tmp_path):
    out = tmp_path / "feed.json"
    result = miner(home, "export", "--format", "json", "-o", str(out))
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [list(r) for r in rows] == [COLUMNS] * len(claims)
    assert [r["claim_id"] for r in rows] == [c["id"] for c in claims]
    assert all(isinstance(r["value"], float | int) for r in rows)
    assert json.loads(miner(home, "export", "--format", "json").stdout) == rows


def test_disagreeing_sources_are_marked_conflict(csv_text):
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    d1 = [r for r in rows if r["unit"] == "%" and float(r["value"]) in (30, 40) and "electricity" in r["metric"]]
    assert {r["source"] for r in d1} == {"datacenter-power-outlook.txt", "openrouter-model-family-shares.pdf"}
    assert {r["status"] for r in d1} == {"conflict"}


def test_parquet_without_a_file_is_bad_usage(home):
    result = miner(home, "export", "--format", "parquet")
    assert result.exit_code == 2
    assert "-o" in result.output


def test_unknown_format_is_bad_usage(home, tmp_path):
    assert miner(home, "export", "--format", "xlsx", "-o", str(tmp_path / "x")).exit_code == 2


def test_empty_home_exports_the_header_only(tmp_path):
    import pyarrow.parquet as pq

    home = tmp_path / "empty"
    result = miner(home, "export", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout == ",".join(COLUMNS) + "\n"
    assert miner(home, "export", "--format", "parquet", "-o", str(tmp_path / "e.parquet")).exit_code == 0
    table = pq.read_table(tmp_path / "e.parquet")
    assert table.column_names == COLUMNS and table.num_rows == 0
