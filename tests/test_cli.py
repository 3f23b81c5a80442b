import json

import pytest
from typer.testing import CliRunner

from miner.cli import app

runner = CliRunner()


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("MINER_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_cli_ingest_summary_and_exit_codes(tmp_path, home):
    good = tmp_path / "r.md"
    good.write_text("# Brief\nPublished 2026-03-05\n\nMiniMax raised $600 million in March 2026.\n")
    bad = tmp_path / "empty.txt"
    bad.write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(good), str(bad)])
    assert result.exit_code == 1
    assert result.stdout.strip().splitlines()[-1] == "ingested 1, skipped 0, failed 1, claims 1"
    assert f"failed: {bad}: empty file" in result.stderr
    again = runner.invoke(app, ["ingest", str(good)])
    assert again.exit_code == 0
    assert again.stdout.strip().splitlines()[-1] == "ingested 0, skipped 1, failed 0, claims 0"
    assert (home / "miner.db").exists()


def test_cli_ingest_jobs(tmp_path, home):
    for i in range(3):
        (tmp_path / f"r{i}.txt").write_text(f"简报\n\n2026年3月，智谱海外收入占比约为{30 + i}%。\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "--jobs", "2", *(str(tmp_path / f"r{i}.txt") for i in range(3))])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "ingested 3, skipped 0, failed 0, claims 3"
    assert result.stderr == ""
    assert runner.invoke(app, ["ingest", "--jobs", "0", str(tmp_path / "r0.txt")]).exit_code == 2


def test_cli_home_option_wins_over_env(tmp_path, home):
    good = tmp_path / "r.txt"
    good.write_text("Title\n\nCoreWeave ran 33 data centres in September 2026.\n")
    other = tmp_path / "other"
    assert runner.invoke(app, ["--home", str(other), "ingest", str(good)]).exit_code == 0
    assert (other / "miner.db").exists() and not (home / "miner.db").exists()


def test_cli_bad_usage_exits_2(home):
    assert runner.invoke(app, ["ingest"]).exit_code == 2
    assert runner.invoke(app, ["quantities", "--lang", "fr"]).exit_code == 2


def test_cli_quantities_lines():
    result = runner.invoke(app, ["quantities", "--lines", "-"], input="about 61% of tokens\n\n1.9亿千瓦\n")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["value"], r["unit"]) for r in rows] == [(0, 61, "%"), (2, 1.9e8, "kW")]
    assert rows[0]["raw"].endswith("61%") and rows[0]["approximate"] is True
    first = "about 61% of tokens"
    assert first[rows[0]["start"]:rows[0]["end"]] == rows[0]["raw"]


def test_cli_extract_lines():
    text = "MiniMax raised $600 million in March 2026.\n稀宇科技本轮融资6亿美元。\n"
    result = runner.invoke(app, ["extract", "--lines", "-"], input=text)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["value"], r["unit"], r["entity"]) for r in rows] == [
        (0, 6e8, "USD", "MiniMax"), (1, 6e8, "USD", "MiniMax")]
    assert rows[0]["period"] == "2026-03" and rows[0]["document_id"] is None


def test_cli_claims_filters_and_formats(tmp_path, home):
    report = tmp_path / "r.md"
    report.write_text("# Brief\nPublished 2026-03-05\n\nMiniMax raised $600 million in March 2026.\n"
                      "CoreWeave ran 33 data centres in September 2026.\n")
    runner.invoke(app, ["ingest", str(report)])
    out = runner.invoke(app, ["claims", "--entity", "稀宇科技", "--format", "json"])
    rows = json.loads(out.stdout)
    assert [(r["entity"], r["value"]) for r in rows] == [("MiniMax", 6e8)]
    csv_out = runner.invoke(app, ["claims", "--format", "csv"]).stdout.splitlines()
    assert csv_out[0].startswith("id,document_id,document_title,source,published,page,quote,entity")
    assert len(csv_out) == 3
    table = runner.invoke(app, ["claims"]).stdout
    assert "CoreWeave" in table and "2 claims" in table
