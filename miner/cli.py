"""The `miner` command: each command builds what it needs and calls one library function.

Library errors (MinerError) become a one-line message and exit status 1 here, in one place.
"""
from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from miner.config import Settings
from miner.errors import MinerError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Mine figures out of research reports (English and Chinese), cross-check them, answer questions.",
)


class Lang(str, Enum):
    auto = "auto"
    en = "en"
    zh = "zh"


class TableFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


@app.callback()
def main(
    ctx: typer.Context,
    home: Annotated[
        Optional[Path], typer.Option(help="folder holding the claim store and index [env MINER_HOME; default ./indexes]")
    ] = None,
) -> None:
    ctx.obj = Settings(home=home) if home else Settings()


def _settings(ctx: typer.Context) -> Settings:
    return ctx.obj


def _texts(source: str, lines: bool) -> Iterator[tuple[int | None, str]]:
    """The input texts: the whole input, or with --lines each line on its own."""
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    if lines:
        yield from enumerate(text.split("\n"))
    else:
        yield None, text


def _print_jsonl(obj: dict, line: int | None) -> None:
    if line is not None:
        obj["line"] = line
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="files or folders (recursive)")],
    password: Annotated[Optional[str], typer.Option(help="password for encrypted PDFs")] = None,
    scheduler: Annotated[
        Optional[str], typer.Option(help="Dask scheduler (tcp://HOST:PORT): its workers read, extract and embed")
    ] = None,
    workers: Annotated[
        Optional[int], typer.Option(min=1, help="the same on a local Dask cluster of N processes")
    ] = None,
    jobs: Annotated[
        Optional[int],
        typer.Option(
            min=1,
            help="processes at work: N - 1 read and mine files, one embeds and stores "
            "[env MINER_JOBS; default one per core, at most 3]",
        ),
    ] = None,
) -> None:
    """Store reports and their claims. Files already stored are skipped."""
    from functools import partial

    from miner.home import Home
    from miner.ingest import collect, ingest as run

    if scheduler and workers:
        raise typer.BadParameter("give --scheduler or --workers, not both")
    if scheduler or workers:
        from miner.distributed import ingest_distributed

        run = partial(ingest_distributed, scheduler=scheduler, workers=workers)
    settings = _settings(ctx)
    if password:
        settings = settings.model_copy(update={"pdf_password": password})
    if jobs:
        settings = settings.model_copy(update={"jobs": jobs})
    counts = {"stored": 0, "skipped": 0, "failed": 0}
    claims = 0
    total = len(collect(paths).files)
    with Home(settings) as home, _progress(total) as advance:
        for result in run(paths, home):
            counts[result.status] += 1
            if result.status == "stored":
                claims += result.claims
            if result.status == "failed":
                typer.echo(f"failed: {result.path}: {result.error}", err=True)
            advance(result.path)
    typer.echo(
        f"ingested {counts['stored']}, skipped {counts['skipped']}, failed {counts['failed']}, claims {claims}"
    )
    raise typer.Exit(1 if counts["failed"] else 0)


def _progress(total: int):
    """A progress bar on a terminal; nothing when stderr is a pipe or a file."""
    from contextlib import contextmanager

    @contextmanager
    def bar():
        if not sys.stderr.isatty():
            yield lambda _path: None
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.description}"), transient=True,
        ) as progress:
            task = progress.add_task("", total=total)
            yield lambda path: progress.update(task, advance=1, description=Path(path).name)

    return bar()


@app.command()
def quantities(
    source: Annotated[str, typer.Argument(help="a text file, or - for standard input")] = "-",
    lang: Annotated[Lang, typer.Option(help="language of the text")] = Lang.auto,
    lines: Annotated[bool, typer.Option("--lines", help="each input line is a text of its own")] = False,
) -> None:
    """Print every quantity found in a text, one JSON object a line. Stores nothing."""
    from miner.quantities import find_quantities

    language = None if lang is Lang.auto else lang.value
    for line, text in _texts(source, lines):
        for q in find_quantities(text, language):
            _print_jsonl(q.model_dump(mode="json"), line)


@app.command()
def extract(
    source: Annotated[str, typer.Argument(help="a text file, or - for standard input")] = "-",
    lines: Annotated[bool, typer.Option("--lines", help="each input line is a text of its own")] = False,
) -> None:
    """Print the claims a text holds, one Claim JSON a line. Stores nothing."""
    from miner.claims import extract_text

    for line, text in _texts(source, lines):
        for claim in extract_text(text):
            _print_jsonl(claim.model_dump(mode="json"), line)


CLAIM_FIELDS = (
    "id", "document_id", "document_title", "source", "published", "page", "quote", "entity", "metric",
    "value", "unit", "raw", "approximate", "bound", "range", "period", "kind", "language",
)


@app.command()
def claims(
    ctx: typer.Context,
    entity: Annotated[Optional[str], typer.Option(help="canonical entity name or alias")] = None,
    metric: Annotated[Optional[str], typer.Option(help="words the metric contains")] = None,
    document: Annotated[Optional[str], typer.Option(help="document id")] = None,
    format: Annotated[TableFormat, typer.Option(help="output format")] = TableFormat.table,
) -> None:
    """List stored claims."""
    from miner.entities import canonical
    from miner.storage import open_store

    settings = _settings(ctx)
    with open_store(settings) as store:
        found = store.claims(entity=(canonical(entity) or entity) if entity else None, metric=metric, document=document)
    rows = [{k: c.model_dump(mode="json")[k] for k in CLAIM_FIELDS} for c in found]
    if format is TableFormat.json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif format is TableFormat.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=CLAIM_FIELDS)
        writer.writeheader()
        writer.writerows({k: json.dumps(v) if isinstance(v, list) else v for k, v in r.items()} for r in rows)
    else:
        _print_table(rows, ("entity", "metric", "raw", "value", "unit", "period", "kind", "source", "page"))


@app.command()
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="words or a question, English or Chinese")],
    k: Annotated[int, typer.Option("-k", min=1, max=1000, help="how many claims")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Claims ranked by keyword and meaning together."""
    from miner.home import Home
    from miner.search import search as run

    with Home(_settings(ctx)) as home:
        found = run(query, home, k=k)
    rows = [c.model_dump(mode="json") for c in found]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        _print_table(rows, ("score", "entity", "metric", "raw", "unit", "period", "source", "quote"))


@app.command()
def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="a question, English or Chinese")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="how many supporting claims")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print one Answer object")] = False,
) -> None:
    """Answer a question with the figure, its sources and cross-checks."""
    from miner.answer import ask as run
    from miner.home import Home

    with Home(_settings(ctx)) as home:
        answer = run(question, home, k=k)
    if as_json:
        typer.echo(answer.model_dump_json(indent=2))
        return
    typer.echo(answer.answer)
    for check in answer.checks:
        typer.echo(f"  [{check.status}] {check.detail}")


@app.command()
def conflicts(
    ctx: typer.Context,
    format: Annotated[TableFormat, typer.Option(help="table or json")] = TableFormat.table,
) -> None:
    """Every check whose status is conflict, across all stored claims."""
    from miner.crosscheck import conflicts as run
    from miner.home import Home

    with Home(_settings(ctx)) as home:
        found = run(home.store.claims(), home.embedder.encode)
    if format is TableFormat.json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in found], ensure_ascii=False, indent=2))
        return
    for check in found:
        typer.echo(f"[{check.kind}] {check.detail}")
    typer.echo(f"{len(found)} conflicts")


@app.command()
def reindex(ctx: typer.Context) -> None:
    """Rebuild the vector index from the store (after a model change or a damaged index)."""
    from miner.home import Home

    with Home(_settings(ctx)) as home:
        report = home.reindex()
    typer.echo(f"indexed {report['count']} claims ({report['embedded']} embedded anew)")


class FeedFormat(str, Enum):
    csv = "csv"
    json = "json"
    parquet = "parquet"


@app.command()
def export(
    ctx: typer.Context,
    format: Annotated[FeedFormat, typer.Option(help="csv, json or parquet")] = FeedFormat.csv,
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="file to write (default: stdout)")] = None,
) -> None:
    """The metrics feed for dashboards: one row per claim with its fact's status."""
    from miner import feed
    from miner.home import Home

    with Home(_settings(ctx)) as home:
        rows = feed.rows(home.store.claims(), home.embedder.encode)
    if output is not None:
        feed.write(rows, format.value, output)
        typer.echo(f"wrote {len(rows)} rows to {output}", err=True)
    elif format is FeedFormat.parquet:
        raise typer.BadParameter("parquet is binary: give a file with -o", param_hint="--format")
    else:
        sys.stdout.write(feed.to_csv(rows) if format is FeedFormat.csv else feed.to_json(rows) + "\n")


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="server processes, each with its own model and indexes (memory × N)")
    ] = 1,
) -> None:
    """Serve the REST API and the web page over the same home."""
    import uvicorn

    from api.app import create_app

    url = f"http://{host}:{port}"
    typer.echo(f"miner serving {url}  (API docs: {url}/docs)")
    typer.echo(f"  curl {url}/healthz")
    typer.echo(
        f"  curl -X POST {url}/ask -H 'Content-Type: application/json' "
        "-d '{\"question\": \"What share of OpenRouter tokens did Chinese models take in February 2026?\"}'"
    )
    settings = _settings(ctx)
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
        return
    # One process answers on about one core (the GIL): two answer 1.6x as many questions a second
    # at 16 clients on two cores (benchmarks/serve.py --workers 2). Each worker process builds its
    # app from the environment, so the settings travel there; each follows the others' writes
    # through the store (miner.home).
    for name, value in settings.model_dump(exclude_none=True).items():
        os.environ[f"MINER_{name.upper()}"] = str(value)
    uvicorn.run("api.app:create_app", factory=True, workers=workers, host=host, port=port, log_level="warning")


def _print_table(rows: list[dict], columns: tuple[str, ...]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(*columns, show_lines=False)
    for r in rows:
        table.add_row(*("" if r[c] is None else str(r[c]) for c in columns))
    # Piped output has no width to fit; keep cells whole rather than cut them at 80 columns.
    Console(width=None if sys.stdout.isatty() else 240).print(table)
    typer.echo(f"{len(rows)} claims")


def run() -> None:
    """Entry point: library errors end as one line on stderr, never as a traceback."""
    try:
        app()
    except MinerError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)
