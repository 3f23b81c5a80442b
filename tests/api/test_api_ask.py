"""POST /ask: an Answer (CONTRACT: JSON Answer) for the demo questions in corpora/questions.jsonl."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

QUESTIONS = {
    q["id"]: q
    for q in map(json.loads, (Path(__file__).resolve().parents[2] / "corpora" / "questions.jsonl").read_text().splitlines())
}
HAN = re.compile(r"[\u4e00-\u9fff]")


def ask(client, question: str, **extra) -> dict:
    r = client.post("/ask", json={"question": question, **extra})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert set(answer) == {"question", "answer", "figure", "claims", "checks"}
    assert answer["question"] == question
    return answer


def assert_expected_figure(answer: dict, expected: dict) -> None:
    figure = answer["figure"]
    assert figure is not None, answer["answer"]
    assert set(figure) == {"value", "unit", "entity", "metric", "period"}
    assert figure["unit"] == expected["unit"]
    assert any(abs(figure["value"] - v) <= 0.01 * abs(v) for v in expected["value"]), (figure, expected["value"])
    assert answer["claims"] and all(isinstance(c["score"], float) for c in answer["claims"])
    # the figure is one of the supporting claims, and the answer names a source
    assert any(c["value"] == figure["value"] and c["unit"] == figure["unit"] for c in answer["claims"])
    assert any(c["source"] in answer["answer"] for c in answer["claims"])


def conflicts(answer: dict) -> list[dict]:
    return [c for c in answer["checks"] if c["status"] == "conflict"]


def test_english_question(client):
    q = QUESTIONS["cn-token-share-feb"]
    answer = ask(client, q["q"])
    assert_expected_figure(answer, q)
    assert answer["figure"]["entity"] == "Chinese models"
    assert answer["figure"]["period"].startswith("2026-02")
    assert "according to" in answer["answer"]  # English
    assert not conflicts(answer)  # A1: every source agrees on 61%
    assert any(c["kind"] == "agreement" and c["status"] == "consistent" for c in answer["checks"])


def test_chinese_question(client):
    q = QUESTIONS["openrouter-total-feb"]
    answer = ask(client, q["q"])
    assert_expected_figure(answer, q)
    assert answer["figure"]["value"] == 8.7e12 and answer["figure"]["period"] == "2026-02"
    assert "来源" in answer["answer"] and "8.7万亿" in answer["answer"]
    assert not conflicts(answer)


def test_chinese_question_with_an_alias(client):
    q = QUESTIONS["minimax-overseas"]
    answer = ask(client, q["q"])
    assert_expected_figure(answer, q)
    assert answer["figure"]["entity"] == "MiniMax"
    assert HAN.search(answer["answer"]) and "来源" in answer["answer"]


def test_conflicting_sources_are_flagged(client):
    q = QUESTIONS["power-share-inference"]
    assert q["conflict"] is True
    answer = ask(client, q["q"])
    assert_expected_figure(answer, q)
    [check] = [c for c in conflicts(answer) if c["kind"] == "agreement"]
    assert check["unit"] == "%" and {30, 40} <= set(check["values"])
    assert {"datacenter-power-outlook.txt", "openrouter-model-family-shares.pdf"} <= {
        c["source"] for c in answer["claims"] if c["id"] in check["claim_ids"]}
    assert "disagree" in answer["answer"]


def test_k_bounds_the_supporting_claims(client):
    answer = ask(client, QUESTIONS["cn-token-share-feb"]["q"], k=2)
    assert answer["figure"]["value"] == 61
    # at most k claims, unless the fact itself has more statements than that
    fact = max((len(c["claim_ids"]) for c in answer["checks"] if c["kind"] == "agreement"), default=0)
    assert 1 <= len(answer["claims"]) <= max(2, fact)


@pytest.mark.parametrize("question", ["What was Nvidia's revenue in 2019?", "What is the boiling point of water?"])
def test_question_without_an_answer(client, question):
    answer = ask(client, question)
    assert answer["figure"] is None  # never a guess
    assert answer["claims"] == [] and answer["checks"] == []
    # says so, in English, without a number
    assert answer["answer"] and not HAN.search(answer["answer"]) and not re.search(r"\d", answer["answer"])


def test_chinese_question_without_an_answer(client):
    answer = ask(client, "苹果公司2019年的收入是多少？")
    assert answer["figure"] is None and answer["claims"] == []
    assert HAN.search(answer["answer"])


@pytest.mark.parametrize("body", [
    {"question": ""}, {"question": "   "}, {"question": "\n"}, {}, {"question": None}, {"question": 42},
    {"question": "x" * 2001}, {"question": "How many tokens?", "k": 0}, {"question": "How many tokens?", "k": 101},
    {"k": 5},
])
def test_bad_questions_are_422(client, body):
    r = client.post("/ask", json=body)
    assert r.status_code == 422, body
    assert r.json()["detail"]


def test_odd_questions_do_not_break(client):
    for question in ("？", "\u0000💡 AND OR NOT ( 61%"):
        r = client.post("/ask", json={"question": question, "k": 3})
        assert r.status_code == 200, question
        assert r.json()["answer"]


def test_ask_needs_a_json_body(client):
    assert client.post("/ask", content=b"What share?", headers={"Content-Type": "text/plain"}).status_code == 422
    assert client.post("/ask", content=b"{not json", headers={"Content-Type": "application/json"}).status_code == 422
