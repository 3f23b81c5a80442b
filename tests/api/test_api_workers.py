"""`miner serve --workers 2`: two server processes over one home, each answering."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


def test_serve_with_two_workers_answers_from_the_given_home(tmp_path):
    home = tmp_path / "home"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    miner = Path(sys.executable).with_name("miner")
    command = [str(miner)] if miner.exists() else [sys.executable, "-c", "from miner.cli import run; run()"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINER_")}
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*command, "--home", str(home), "serve", "--port", str(port), "--workers", "2"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, cwd=tmp_path,
        )
    try:
        deadline, health = time.monotonic() + 240, None
        while health is None:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"miner serve --workers 2 did not come up:\n{log.read_text(errors='replace')}")
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
            except httpx.HTTPError:
                time.sleep(0.5)
        assert health["claims"] == 0
        assert (home / "miner.db").exists()  # the workers opened the home given on the command line
        answer = httpx.post(f"http://127.0.0.1:{port}/ask", json={"question": "What share?"}, timeout=60).json()
        assert answer["figure"] is None
    finally:
        process.terminate()
        process.wait(30)
