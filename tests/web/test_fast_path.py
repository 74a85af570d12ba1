"""GET /sparql?query= is answered by the WSGI fast path in front of Flask: same answers,
errors included (a query the engine refuses is answered once, with CORS, not re-run)."""

from __future__ import annotations

import json
from urllib.parse import quote

from subdip.web.sparql import FastPath


def test_the_fast_path_is_installed_once(app):
    assert isinstance(app.wsgi_app, FastPath)
    assert not isinstance(app.wsgi_app.wsgi_app, FastPath)


def test_a_lookup_is_answered_with_cors_and_vary(client):
    response = client.get("/sparql?query=" + quote("ASK { ?s ?p ?o }"))
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Content-Type"] == "application/sparql-results+json"
    assert json.loads(response.data) == {"head": {}, "boolean": True}


def test_an_engine_syntax_error_is_a_400_with_its_position(client, shared_backend):
    before = shared_backend.pool.stats["queries"]
    response = client.get("/sparql?query=" + quote("SELECT * WHERE {\n ?s ?p }"))
    assert response.status_code == 400
    assert "line 2" in response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert shared_backend.pool.stats["queries"] == before + 1  # asked the engine once


def test_a_guard_refusal_is_answered_by_flask_the_same_way(client):
    response = client.get(
        "/sparql?query=" + quote("SELECT * { SERVICE <http://x.org/> { ?s ?p ?o } }")
    )
    assert response.status_code == 400
    assert "SERVICE" in response.get_data(as_text=True)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
