"""The HTTP layer every read route shares (subdip.web.http): CORS, HEAD, the response cache of
the immutable build, strong ETags and 304, Cache-Control and gzip."""

# ruff: noqa: F811  (fixtures imported from conftest_pages are redefined as test arguments)
from __future__ import annotations

import gzip
import json
from urllib.parse import quote

import pytest
from conftest_pages import (  # noqa: F401  (fixtures)
    make_pages_app,
    pages_app,
    pages_build,
    pages_cache,
    pages_client,
)

from subdip.web.http import ResponseCache, accepts_gzip

ID = "https://w3id.org/subdip/id/"
READ_ROUTES = [
    "/",
    "/id/hainan",
    "/ontology",
    "/ontology.ttl",
    "/shapes",
    "/void",
    "/download/",
    "/download/asserted.ttl",
    "/sparql",
    "/sparql?query=" + quote(f"SELECT ?p ?o WHERE {{ <{ID}hainan> ?p ?o }}"),
]


@pytest.mark.parametrize("path", READ_ROUTES)
def test_every_read_route_has_cors_etag_cache_control_304_and_head(pages_client, path):
    first = pages_client.get(path)
    assert first.status_code == 200, first.get_data(as_text=True)[:300]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in first.headers
    assert "max-age=" in first.headers["Cache-Control"]
    assert len(first.headers.getlist("Cache-Control")) == 1  # one freshness policy, not two
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    again = pages_client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    head = pages_client.head(path)
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == str(len(first.data))
    assert head.headers["ETag"] == etag
    assert head.headers["Content-Type"] == first.headers["Content-Type"]


def test_gzip_for_text_above_the_threshold_only(pages_client):
    plain = pages_client.get("/ontology", headers={"Accept": "text/html"})
    zipped = pages_client.get(
        "/ontology", headers={"Accept": "text/html", "Accept-Encoding": "br, gzip"}
    )
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 2
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert zipped.headers["ETag"] != plain.headers["ETag"]  # another representation
    refused = pages_client.get("/ontology", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers
    tiny = pages_client.get("/sparql?query=ASK%7B%7D", headers={"Accept-Encoding": "gzip"})
    assert len(tiny.data) < 1024 and "Content-Encoding" not in tiny.headers
    assert json.loads(tiny.data) == {"head": {}, "boolean": True}


def test_gzip_also_on_answers_that_are_not_cached(pages_client):
    query = f"SELECT ?p ?o WHERE {{ <{ID}hainan> ?p ?o }}"
    plain = pages_client.post("/sparql", data={"query": query})
    zipped = pages_client.post(
        "/sparql", data={"query": query}, headers={"Accept-Encoding": "gzip"}
    )
    assert len(plain.data) >= 1024  # the fixture describes Hainan at length
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" not in zipped.headers  # POST answers are not cached


def test_the_same_query_however_encoded_is_answered_from_the_cache(pages_app):
    client = pages_app.test_client()
    pool = pages_app.extensions["subdip"]["backend"].pool
    first = client.get("/sparql?query=" + quote("ASK { ?s ?p ?o }"))
    asked = pool.stats["queries"]
    second = client.get("/sparql?query=ASK+%7B+%3Fs+%3Fp+%3Fo+%7D")
    assert pool.stats["queries"] == asked  # the engine was not asked again
    assert second.data == first.data and second.headers["ETag"] == first.headers["ETag"]
    other = client.get("/sparql?query=" + quote("ASK { ?s ?p ?o }"), headers={"Accept": "text/csv"})
    assert other.headers["ETag"] != first.headers["ETag"]  # another negotiated format
    assert other.headers["Content-Type"].startswith("text/csv")


def test_errors_are_not_cached_and_keep_cors(pages_client):
    for _ in range(2):
        response = pages_client.get("/sparql?query=" + quote("SELECT * WHERE { ?s ?p }"))
        assert response.status_code == 400
        assert "ETag" not in response.headers
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    missing = pages_client.get("/id/no-such-thing-here")
    assert missing.status_code == 404 and "ETag" not in missing.headers


def test_a_new_build_empties_the_cache_and_changes_every_etag(tmp_path, pages_build):
    import shutil

    build = tmp_path / "build"
    shutil.copytree(pages_build, build)
    app = make_pages_app(build, tmp_path / "cache")
    try:
        client = app.test_client()
        layer = app.wsgi_app
        before = client.get("/void").headers["ETag"]
        assert len(layer.cache) >= 1
        (build / "report.json").write_text('{"input_hash": "another build"}\n')
        layer.build.refresh(force=True)
        assert len(layer.cache) == 0
        after = client.get("/void")
        assert after.status_code == 200 and after.headers["ETag"] != before
        assert client.get("/void", headers={"If-None-Match": before}).status_code == 200
    finally:
        app.extensions["subdip"]["backend"].close()


def test_cors_preflight_on_any_route(pages_client):
    for path in ("/sparql", "/id/hainan", "/void"):
        response = pages_client.options(
            path,
            headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
        )
        assert response.status_code == 204
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in response.headers["Access-Control-Allow-Methods"]


def test_the_cache_is_bounded_least_recently_used_first():
    from subdip.web.http import Entry

    cache = ResponseCache(max_bytes=3 * (100 + 512), max_entry_bytes=10_000)
    for i in range(5):
        cache.put(("k", i), Entry("text/plain", [], b"x" * 100, f'"{i}"'))
        cache.get(("k", 0))  # keep the first one in use
    assert len(cache) == 3
    assert cache.get(("k", 0)) is not None and cache.get(("k", 1)) is None
    cache.put(("big",), Entry("text/plain", [], b"x" * 20_000, '"b"'))
    assert cache.get(("big",)) is None  # larger than one entry may be


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("gzip", True),
        ("deflate, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("*", True),
        ("identity", False),
        ("*;q=0, br", False),
    ],
)
def test_accept_encoding(header, expected):
    assert accepts_gzip(header) is expected


def test_remembered_requests_are_bounded_in_bytes(pages_app, monkeypatch):
    import subdip.web.http as http_layer

    monkeypatch.setattr(http_layer, "MAX_ALIAS_BYTES", 5_000)
    client = pages_app.test_client()
    layer = pages_app.extensions["subdip"]["http"]
    for i in range(60):
        assert client.get("/sparql?query=" + quote(f"ASK {{ ?s ?p {i} }}")).status_code == 200
        assert layer._alias_bytes <= 5_000
    assert 0 < len(layer._aliases) < 60
