"""Questions are answered at most `answer_threads` at once: more threads than cores only take
turns at the GIL (benchmarks/serve.py); the rest wait, and every request is answered."""
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

import api.routes.ask
import miner.home
from api.app import create_app
from miner.config import Settings
from miner.model import Answer
from tests.hostile import FakeEmbedder


@pytest.mark.parametrize("threads", [1, 2])
def test_no_more_questions_are_answered_at_once_than_configured(tmp_path, monkeypatch, threads):
    monkeypatch.setattr(miner.home, "Embedder", FakeEmbedder)
    running, most, lock = 0, 0, threading.Lock()

    def slow_answer(question, home, k=10):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.2)
        with lock:
            running -= 1
        return Answer(question=question, answer="-")

    monkeypatch.setattr(api.routes.ask, "run", slow_answer)
    with TestClient(create_app(Settings(home=tmp_path / "home", answer_threads=threads))) as client:
        with ThreadPoolExecutor(6) as pool:
            codes = list(pool.map(lambda i: client.post("/ask", json={"question": f"q{i}?"}).status_code, range(6)))
        assert client.get("/healthz").status_code == 200
    assert codes == [200] * 6
    assert most == threads
