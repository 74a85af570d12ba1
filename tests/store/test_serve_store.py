"""The web app in store mode: the same site as the embedded mode, over a real Oxigraph server.

Most checks use ``create_app`` with ``STORE_URL`` (a fresh app per test); one starts the real
``subdip serve --store URL`` and queries it over a socket.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from subdip.paths import queries_dir
from subdip.web import create_app

CQ_FILES = sorted((queries_dir() / "cq").glob("*.rq"))
JSON = "application/sparql-results+json"
NT = "application/n-triples"
START_TIMEOUT = 60.0


def solutions(body: bytes) -> object:
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return bool(parsed)
    names = [v.value for v in parsed.variables]
    return Counter(
        tuple(
            (n, "_:b" if isinstance(row[n], ox.BlankNode) else str(row[n]))
            for n in names
            if row[n] is not None
        )
        for row in parsed
    )


def ntriples(body: bytes) -> set[tuple[str, str, str]]:
    return {
        (str(t.subject), str(t.predicate), str(t.object))
        for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
        if not isinstance(t.subject, ox.BlankNode) and not isinstance(t.object, ox.BlankNode)
    }


@pytest.fixture
def store_app(published):
    app = create_app({"STORE_URL": published.server.url, "TESTING": True})
    yield app
    app.extensions["subdip"]["backend"].close()


@pytest.fixture
def embedded_app(shipped_build: Path):
    app = create_app({"BUILD_DIR": str(shipped_build), "TESTING": True, "EXECUTOR_PROCESSES": 1})
    yield app
    app.extensions["subdip"]["backend"].close()


def sparql(app, query: str, accept: str = JSON):
    return app.test_client().post("/sparql", data={"query": query}, headers={"Accept": accept})


def test_store_app_uses_the_remote_backend(store_app) -> None:
    from subdip.backends.remote import RemoteBackend

    assert isinstance(store_app.extensions["subdip"]["backend"], RemoteBackend)


def test_competency_questions_over_http(store_app, embedded_app) -> None:
    assert CQ_FILES, "no competency questions found"
    for path in CQ_FILES:
        query = path.read_text(encoding="utf-8")
        got, want = sparql(store_app, query), sparql(embedded_app, query)
        assert got.status_code == want.status_code == 200, (path.name, got.data[:300])
        assert got.mimetype == want.mimetype
        if want.mimetype == JSON:
            assert solutions(got.data) == solutions(want.data), path.name


def test_resource_pages_match(store_app, embedded_app, published) -> None:
    stored = f"https://w3id.org/subdip/graph/asserted/{published.report['build']}"
    rows = published.server.select(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH <{stored}> {{ ?s ?p ?o }} "
        'FILTER(STRSTARTS(STR(?s), "https://w3id.org/subdip/id/")) } ORDER BY ?s LIMIT 5'
    )["results"]["bindings"]  # read from the store directly: its current build's graph
    assert len(rows) == 5
    for row in rows:
        path = "/id/" + row["s"]["value"].removeprefix("https://w3id.org/subdip/id/")
        got = store_app.test_client().get(path, headers={"Accept": NT})
        want = embedded_app.test_client().get(path, headers={"Accept": NT})
        assert got.status_code == want.status_code == 200, path
        assert ntriples(got.data) == ntriples(want.data), path
        html = store_app.test_client().get(path, headers={"Accept": "text/html"})
        assert html.status_code == 200


def test_service_refused_over_http(published, fault_proxy) -> None:
    proxy = fault_proxy(published.server.url)
    app = create_app({"STORE_URL": proxy.url, "TESTING": True})
    answer = sparql(app, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert answer.status_code == 400
    assert b"SERVICE" in answer.data
    assert proxy.faults.requests == 0


def test_unreachable_store_is_503(closed_port_url) -> None:
    app = create_app({"STORE_URL": closed_port_url, "TESTING": True})
    answer = sparql(app, "ASK { ?s ?p ?o }")
    assert answer.status_code == 503
    assert answer.headers["Retry-After"]
    assert b"cannot reach the store" in answer.data


def test_failing_store_is_502(published, fault_proxy) -> None:
    proxy = fault_proxy(published.server.url, fail_queries=True)
    app = create_app({"STORE_URL": proxy.url, "TESTING": True})
    answer = sparql(app, "ASK { ?s ?p ?o }")
    assert answer.status_code == 502
    assert b"injected query failure" in answer.data


# --- the real command -------------------------------------------------------------------------


def _get(url: str, accept: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_subdip_serve_with_a_store(
    published, subdip_exe: str, tmp_path: Path, embedded_app, free_tcp_port: int
) -> None:
    port = free_tcp_port
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [
            subdip_exe,
            "serve",
            "--store",
            published.server.url,
            "--port",
            str(port),
            "--workers",
            "1",
            "--build-dir",
            str(tmp_path / "no-artefact-needed"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            with contextlib.suppress(OSError):
                status, _ = _get(f"{base}/sparql?query=ASK%7B%7D", JSON)
                if status == 200:
                    break
            time.sleep(0.2)
        else:
            pytest.fail(f"subdip serve did not answer: {(tmp_path / 'serve.log').read_text()}")
        query = CQ_FILES[0].read_text(encoding="utf-8")
        status, body = _get(f"{base}/sparql?query={urllib.parse.quote(query)}", JSON)
        assert status == 200, body[:300]
        assert solutions(body) == solutions(sparql(embedded_app, query).data)
        service = urllib.parse.quote("SELECT * { SERVICE <http://127.0.0.1:9/> {} }")
        status, body = _get(f"{base}/sparql?query={service}", JSON)
        assert status == 400
        unused = tmp_path / "no-artefact-needed"  # store mode builds nothing
        assert not (unused / "dataset.nq").exists()
        assert not (unused / "store").exists()
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        log.close()


def quads(body: bytes, fmt: ox.RdfFormat) -> Counter:
    def canon(term: object) -> str:
        return "_:b" if isinstance(term, ox.BlankNode) else str(term)

    return Counter(
        (canon(q.subject), str(q.predicate), canon(q.object), str(q.graph_name))
        for q in ox.parse(body, format=fmt)
    )


def test_downloads_come_from_the_store(published, tmp_path: Path) -> None:
    """With no local artefact, the downloads are exported from the store, and equal it."""
    app = create_app({"STORE_URL": published.server.url, "BUILD_DIR": str(tmp_path / "none")})
    client = app.test_client()
    assert client.get("/download/").status_code == 200
    got = client.get("/download/dataset.nq")
    assert got.status_code == 200, got.data[:300]
    want = (published.build_dir / "dataset.nq").read_bytes()
    assert quads(got.data, ox.RdfFormat.N_QUADS) == quads(want, ox.RdfFormat.N_QUADS)
    asserted = client.get("/download/asserted.nt")
    assert asserted.status_code == 200
    n = sum(1 for _ in ox.parse(asserted.data, format=ox.RdfFormat.N_TRIPLES))
    assert n == published.expected["https://w3id.org/subdip/graph/asserted"]
    assert not (tmp_path / "none" / "dataset.nq").exists()
