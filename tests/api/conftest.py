"""Fixtures for the REST tests: one home with the demo corpus, ingested once per session, and
clients that fail the test on any 5xx answer (CONTRACT: "a 5xx is a bug").

- `corpus_home`: a closed home holding corpora/reports; never used directly, only copied, so
  every app starts from the same corpus.
- `client`: a TestClient over a copy of it, entered with `with` so the lifespan loads the store,
  the model and the index. Tests that add or delete documents put back what they change.
- `strict_client`: an app with an API key, a 0.01 MB file limit and a 0.05 MB request limit, over
  a home of its own.
- `live_server`: `miner serve` in a subprocess over another copy, for the browser test; started
  early (when a browser test is selected) so that its start-up overlaps the in-process tests.
"""
from __future__ import annotations

import functools
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from miner.config import Settings

REPO = Path(__file__).resolve().parents[2]
REPORTS = REPO / "corpora" / "reports"
CORPUS_FILES = sorted(p.name for p in REPORTS.iterdir() if p.is_file())
API_KEY = "test-key-4d1f"


# -- speed: the embedding model is loaded once while these tests run ---------------------------

API_TESTS = Path(__file__).parent
_model_memo = pytest.MonkeyPatch()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Every Home builds its own Embedder, which loads the model (~5 s each time); these tests open
    several homes, so the loader is memoised while they run (before any fixture is set up). The
    model is the same; only the repeated loading is saved. Undone when the last of them is done."""
    import miner.embed

    if not hasattr(miner.embed._load, "cache_clear"):
        _model_memo.setattr(miner.embed, "_load", functools.cache(miner.embed._load))


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if nextitem is None or API_TESTS not in Path(nextitem.path).parents:
        _model_memo.undo()


# -- the demo corpus ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def corpus_home(tmp_path_factory) -> Path:
    from miner.home import Home
    from miner.ingest import ingest

    home = tmp_path_factory.mktemp("corpus") / "home"
    with Home(Settings(home=home)) as h:
        results = list(ingest([REPORTS], h))
    failed = [(r.path, r.error) for r in results if r.status != "stored"]
    assert not failed, f"the demo corpus did not ingest cleanly: {failed}"
    assert len(results) == len(CORPUS_FILES)
    return home


def copy_home(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest)
    return dest


# -- clients that refuse 5xx -------------------------------------------------------------------

class ServerErrors:
    """A response hook that fails the test on any 5xx answer, naming the request."""

    def __call__(self, response: httpx.Response) -> None:
        request = response.request
        if response.status_code >= 500:
            response.read()
            pytest.fail(f"{request.method} {request.url} answered {response.status_code}: {response.text[:500]}")


@contextmanager
def no_5xx_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        client.event_hooks["response"].append(ServerErrors())
        yield client


@pytest.fixture(scope="session")
def client(corpus_home, tmp_path_factory) -> Iterator[TestClient]:
    home = copy_home(corpus_home, tmp_path_factory.mktemp("api") / "home")
    with no_5xx_client(Settings(home=home)) as c:
        yield c


@pytest.fixture(scope="session")
def strict_client(tmp_path_factory) -> Iterator[TestClient]:
    home = tmp_path_factory.mktemp("strict") / "home"
    with no_5xx_client(Settings(home=home, api_key=API_KEY, max_file_mb=0.01, max_request_mb=0.05)) as c:
        yield c


@pytest.fixture(scope="session")
def corpus_files() -> list[str]:
    """The demo corpus's file names."""
    return CORPUS_FILES


@pytest.fixture(scope="session")
def api_key() -> str:
    """The key `strict_client` wants in X-API-Key."""
    return API_KEY


@pytest.fixture(scope="session")
def corpus_ids(client) -> dict[str, str]:
    """Document id by file name, for the demo corpus."""
    return {d["source"]: d["id"] for d in client.get("/documents").json()}


# -- the real server, for the browser test -----------------------------------------------------

class LiveServer:
    def __init__(self, home: Path, log: Path):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        miner = Path(sys.executable).with_name("miner")
        command = [str(miner)] if miner.exists() else [sys.executable, "-c", "from miner.cli import run; run()"]
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [*command, "--home", str(home), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=REPO,
            )
        self._ready = False

    def wait(self, timeout: float = 180) -> LiveServer:
        deadline = time.monotonic() + timeout
        while not self._ready:
            if self.process.poll() is not None:
                pytest.fail(f"miner serve exited with {self.process.returncode}:\n{self.output()}")
            if time.monotonic() > deadline:
                pytest.fail(f"miner serve did not answer /healthz within {timeout:.0f} s:\n{self.output()}")
            try:
                self._ready = httpx.get(self.url + "/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                pass
            if not self._ready:
                time.sleep(0.5)
        return self

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def browser_missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        return ("headless Chromium is not installed (Debian packages chromium and chromium-driver; "
                "`make test` installs them when it runs as root)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="session")
def live_server(corpus_home, tmp_path_factory) -> Iterator[LiveServer]:
    """Started, not waited for: call .wait() before use."""
    if reason := browser_missing():
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("served")
    server = LiveServer(copy_home(corpus_home, root / "home"), root / "server.log")
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def _start_server_early(request) -> None:
    """Start `miner serve` as soon as the corpus is ready when a browser test will need it; the
    browser tests run last (see pytest_collection_modifyitems), by when it is up."""
    if any("live_server" in getattr(item, "fixturenames", ()) for item in request.session.items):
        try:
            request.getfixturevalue("live_server")
        except pytest.skip.Exception:
            pass  # the browser test reports the reason when it runs


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    browser = [i for i in items if "live_server" in getattr(i, "fixturenames", ())]
    if browser:
        items[:] = [i for i in items if i not in browser] + browser
