"""GET / serves the web page: one HTML file, no CDN, calling only endpoints that exist."""
from __future__ import annotations

import re


def test_page_is_served(client):
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert "<title>miner</title>" in html
    for tab in ("ask", "claims", "chart", "conflicts"):
        assert f'data-tab="{tab}"' in html and f'<section id="{tab}"' in html


def test_page_loads_nothing_from_elsewhere(client):
    html = client.get("/").text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.I)
    assert "@import" not in html and "cdn" not in html.lower()


def test_page_calls_only_existing_endpoints(client):
    html = client.get("/").text
    called = set(re.findall(r"""api\(\s*["'`](/[a-z]+)""", html))
    assert called >= {"/ask", "/claims", "/conflicts", "/metrics", "/healthz"}
    paths = set(client.get("/openapi.json").json()["paths"])
    assert called <= paths


def test_openapi_lists_the_contract_endpoints(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/healthz", "/documents", "/documents/{document_id}", "/claims", "/search", "/ask", "/conflicts",
            "/metrics"} <= set(paths)
    assert set(paths["/documents/{document_id}"]) == {"get", "delete"}
