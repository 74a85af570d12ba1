"""Every engine error is an answer, not a crash: each kind gets a 4xx a person can act on,
and the query processes that saw it are still the same processes afterwards."""

from __future__ import annotations

import http.client
import json
from urllib.parse import quote, urlsplit

import pytest

from subdip.backends.embedded import EmbeddedBackend
from subdip.errors import QueryError
from subdip.sparql.executor import ExecutorCrashed, Job, QueryUnsupported, outcome_of
from subdip.sparql.formats import FormatChoice

#: (query, what the message must say) -- one per kind of error the engine raises.
KINDS = [
    pytest.param(
        "SELECT * WHERE { ?s ?p }", "line 1, column ", id="syntax"
    ),
    pytest.param(
        "PREFIX ex: <http://example.org/> SELECT (ex:nosuch(1) AS ?x) {}",
        "<http://example.org/nosuch>",
        id="unknown-function",
    ),
    pytest.param(
        "SELECT * WHERE { ?s ?p ?o FILTER(<http://example.org/f>(?o)) } LIMIT 1",
        "<http://example.org/f>",
        id="unknown-function-in-filter",
    ),
    pytest.param(
        "SELECT (SAMPLE(?x) AS ?y) ?x {}", "The SELECT contains a variable that is unbound",
        id="unbound-in-aggregate",
    ),
    pytest.param(
        "SELECT * WHERE { ?s a nope:Thing }", "nope:", id="undeclared-prefix"
    ),
    pytest.param(
        "SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999999",
        "non negative integer",
        id="limit-out-of-range",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("query", "says"), KINDS)
def test_in_process(client, shared_backend, query: str, says: str) -> None:
    client.get("/sparql", query_string={"query": "ASK {}"})  # the pool is up
    before = sorted(shared_backend.child_pids())
    for _ in range(3):  # every child of the pool sees it at least once
        response = client.get("/sparql", query_string={"query": query + " " * _})
        text = response.get_data(as_text=True)
        assert response.status_code == 400, text
        assert says in text, text
    assert sorted(shared_backend.child_pids()) == before
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


def _get(server, query: str) -> tuple[int, str]:
    url = urlsplit(server.endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request("GET", f"/sparql?query={quote(query)}")
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_over_a_real_socket_no_process_dies(server) -> None:
    """Two workers, each with its query processes: the same process ids before and after."""
    for i in range(12):  # start every worker's query processes
        assert _get(server, f"ASK {{ FILTER({i} > 0) }}")[0] == 200
    before = sorted(server.pids())
    for query, says in ((p.values[0], p.values[1]) for p in KINDS):
        for i in range(4):
            status, text = _get(server, query + " " * i)
            assert status == 400 and says in text, text
    assert sorted(server.pids()) == before
    status, text = _get(server, "SELECT (1 AS ?one) {}")
    assert status == 200 and json.loads(text)["results"]["bindings"]


JOB = Job("ASK {}", None, None, True, FormatChoice(), 1000)


def test_an_unsupported_feature_is_a_501_and_an_engine_failure_a_500() -> None:
    """The replies a query process sends for what the engine cannot do (no shipped query
    triggers them today; pyoxigraph raises RuntimeError or a Rust panic for such cases)."""
    with pytest.raises(QueryUnsupported) as unsupported:
        outcome_of(("error", "unsupported", "something new"), JOB)
    assert unsupported.value.status == 501 and "something new" in unsupported.value.message
    with pytest.raises(ExecutorCrashed) as crashed:
        outcome_of(("error", "engine", "PanicException: boom"), JOB)
    assert crashed.value.status == 500 and "survived" in crashed.value.message
    with pytest.raises(QueryError) as unknown:
        outcome_of(("error", "unknown-function", "<http://example.org/f>"), JOB)
    assert unknown.value.status == 400


@pytest.mark.parametrize(("query", "says"), KINDS)
def test_in_a_web_worker(fixture_build, query: str, says: str) -> None:
    """The same answers when queries run in the web worker's own threads (``worker``
    isolation): the error is raised to the caller and the runner keeps answering."""
    backend = EmbeddedBackend(fixture_build, isolation="worker")
    try:
        with pytest.raises(QueryError) as err:
            backend.query(query, timeout=5)
        assert err.value.status == 400 and says in str(err.value)
        assert backend.query("ASK {}", timeout=5).body
    finally:
        backend.close()


def test_the_engine_aborts_its_process_on_an_unorderable_sort() -> None:
    """Why sorting queries run in a query process even in worker isolation
    (``EmbeddedBackend.query``): no exception reaches Python, the process just ends. If a
    new pyoxigraph sorts these values, this fails: the detour may then go."""
    import signal
    import subprocess
    import sys

    from unorderable import UNORDERABLE_QUERY

    script = "import sys, pyoxigraph as ox; ox.Store().query(sys.stdin.read()).serialize()"
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=UNORDERABLE_QUERY,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == -signal.SIGABRT, done.stderr[-500:]
    assert "total order" in done.stderr
