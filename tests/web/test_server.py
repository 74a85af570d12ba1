"""Over a real socket against `subdip serve` (granian, 2 workers, queries in the workers, a 2 s
query time limit): a real SPARQL client, the no-outbound-connection guarantees, the time limit
(503, and the overrunning worker replaced), a crashed worker restarted, a bounded load-and-fuzz
run, and the same time limit with ``--isolation process``.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from process_groups import stop_process_group
from rdflib import Graph, URIRef
from SPARQLWrapper import GET, JSON, POST, TURTLE, SPARQLWrapper
from unorderable import UNORDERABLE_QUERY

ID = "https://w3id.org/subdip/id/"
SUBDIP = "https://w3id.org/subdip/ontology#"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def wrapper(server, method=GET) -> SPARQLWrapper:
    client = SPARQLWrapper(server.endpoint)
    client.setMethod(method)
    client.setTimeout(30)
    return client


@pytest.mark.parametrize("method", [GET, POST])
def test_select_with_sparqlwrapper(server, method):
    client = wrapper(server, method)
    client.setQuery(
        "PREFIX foaf: <http://xmlns.com/foaf/0.1/> "
        f"SELECT ?name WHERE {{ <{ID}lin-songtian> foaf:name ?name }} ORDER BY ?name"
    )
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    # claims.md #16: the CPAFFC's president is Lin Songtian (林松添)
    assert [(r["name"]["value"], r["name"].get("xml:lang")) for r in rows] == [
        ("Lin Songtian", "en"),
        ("林松添", "zh"),
    ]


@pytest.mark.parametrize("method", [GET, POST])
def test_ask_with_sparqlwrapper(server, method):
    client = wrapper(server, method)
    client.setQuery(f"ASK {{ <{ID}sansha> <{SUBDIP}subordinateTo> <{ID}hainan> }}")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


@pytest.mark.parametrize("method", [GET, POST])
def test_construct_with_sparqlwrapper(server, method):
    client = wrapper(server, method)
    client.setQuery(f"CONSTRUCT WHERE {{ <{ID}hainan> <{SUBDIP}hasSubordinate> ?x }}")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert set(graph) == {
        (URIRef(ID + "hainan"), URIRef(SUBDIP + "hasSubordinate"), URIRef(ID + "sansha"))
    }


@pytest.mark.parametrize("method", [GET, POST])
def test_describe_with_sparqlwrapper(server, method):
    client = wrapper(server, method)
    client.setQuery(f"DESCRIBE <{ID}prague>")
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert (URIRef(ID + "prague"), None, None) in graph


# -- no outbound connections ---------------------------------------------------------------


class Listener:
    """A loopback socket that records every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> int:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()
        return self.connections


def request(server, method: str, path: str, body: bytes | None = None, headers=None):
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_no_query_makes_the_server_connect_anywhere(server):
    listener = Listener()
    target = f"http://127.0.0.1:{listener.port}/"
    queries = {
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}": 400,
        f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}": 400,
        # the engine ends a comment at a carriage return: SERVICE after it is query text
        f"SELECT * WHERE {{ # x\rSERVICE <{target}> {{ ?s ?p ?o }} }}": 400,
        f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}": 200,
        f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}": 200,
        f"DESCRIBE <{target}>": 200,
        f"LOAD <{target}>": 400,
    }
    try:
        for query, status in queries.items():
            got, body = request(
                server,
                "GET",
                "/sparql?query=" + quote(query),
                headers={"Accept": "*/*"},
            )
            assert got == status, body
        got, _ = request(
            server,
            "GET",
            "/sparql?query="
            + quote("SELECT * { ?s ?p ?o }")
            + "&default-graph-uri="
            + quote(target),
        )
        assert got == 200
        time.sleep(0.5)  # give a stray connection time to arrive before we look
    finally:
        connections = listener.close()
    assert connections == 0


def test_from_a_local_file_leaks_nothing(server):
    for query in (
        "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    ):
        status, body = request(server, "GET", "/sparql?query=" + quote(query))
        assert status == 200
        assert b"root:" not in body


def test_long_queries_must_be_posted(server):
    query = "ASK {} #" + "x" * 9000  # beyond the longest request target accepted (8190 bytes)
    status, _ = request(server, "GET", "/sparql?query=" + quote(query))
    assert status == 414
    status, _ = request(
        server, "POST", "/sparql", query.encode(), {"Content-Type": "application/sparql-query"}
    )
    assert status == 200


# -- time limit ----------------------------------------------------------------------------


def _runaway_beside_a_simple_query(server) -> None:
    finished: dict[str, tuple[float, int]] = {}

    def run(name: str, query: str) -> None:
        status, _ = request(server, "GET", "/sparql?query=" + quote(query))
        finished[name] = (time.monotonic(), status)

    runaway = threading.Thread(target=run, args=("runaway", RUNAWAY))
    runaway.start()
    time.sleep(0.3)  # let the runaway reach the engine first
    run("simple", f"ASK {{ <{ID}prague> ?p ?o }}")
    assert "runaway" not in finished  # the simple answer came while the runaway still ran
    runaway.join(timeout=60)
    assert finished["simple"][1] == 200
    assert finished["runaway"][1] == 503
    assert finished["simple"][0] < finished["runaway"][0]


def _answers_ask(server) -> bool:
    try:
        status, _ = request(server, "GET", "/sparql?query=" + quote("ASK {}"))
    except OSError:
        return False
    return status == 200


def _ready_workers(server) -> set[int]:
    """Worker pids granian reported started (``Spawning worker-N with PID: P`` then
    ``Started worker-N``, in the server's log)."""
    latest: dict[str, int] = {}
    ready: set[int] = set()
    for line in Path(server.log_file).read_text(errors="replace").splitlines():
        spawned = re.search(r"Spawning (worker-\d+) with PID: (\d+)", line)
        if spawned:
            latest[spawned.group(1)] = int(spawned.group(2))
        started = re.search(r"Started (worker-\d+)", line)
        if started and started.group(1) in latest:
            ready.add(latest[started.group(1)])
    return ready


def _wait_for_workers(server, count: int, *, other_than: set[int] = frozenset()) -> list[int]:
    """The workers, once there are ``count`` of them and granian has started each."""
    deadline = time.monotonic() + 30
    while True:
        workers = _children(server.process.pid)
        started = set(workers) <= _ready_workers(server)
        if (
            len(workers) == count
            and started
            and not set(workers) & other_than
            and _answers_ask(server)
        ):
            return workers
        assert time.monotonic() < deadline, (workers, other_than)
        time.sleep(0.1)


def test_runaway_query_is_stopped_while_another_is_answered(server):
    before = set(_wait_for_workers(server, 2))
    _runaway_beside_a_simple_query(server)
    assert _answers_ask(server)
    # The worker whose query thread still runs the runaway is replaced by a fresh one.
    deadline = time.monotonic() + 20
    while set(_children(server.process.pid)) >= before:
        assert time.monotonic() < deadline, "the overrunning worker was not replaced"
        time.sleep(0.1)
    after = _wait_for_workers(server, 2)
    assert len(before - set(after)) == 1  # exactly one worker was replaced
    assert _answers_ask(server)


def test_a_crashed_worker_is_restarted_and_the_service_keeps_answering(server):
    workers = _wait_for_workers(server, 2)
    # A worker respawned less than 5.5 s ago (the runaway test replaces one) dying makes
    # granian restart everything (test_two_crashes_in_a_row...); here: a settled worker.
    time.sleep(6)
    os.kill(workers[0], signal.SIGKILL)  # what an engine crash does to its worker
    # Connections the dead worker held are reset; within seconds the service answers every
    # request again (the other worker, then the replacement too). Measured on a quiet machine:
    # no request failed 0.2 s after the kill; under heavy load a few did.
    deadline = time.monotonic() + 10
    streak = 0
    while streak < 20:
        assert time.monotonic() < deadline, Path(server.log_file).read_text(errors="replace")
        streak = streak + 1 if _answers_ask(server) else 0
    fresh = _wait_for_workers(server, 2, other_than={workers[0]})
    assert workers[1] in fresh


def test_two_crashes_in_a_row_do_not_stop_the_service(server):
    """Granian stops the whole server when a respawned worker dies again within 5.5 s; serve
    starts it again, so two crashing requests in a row cost seconds, not the service."""
    first = _wait_for_workers(server, 2)
    time.sleep(6)  # settled workers: the first kill respawns exactly one
    os.kill(first[0], signal.SIGKILL)
    second = _wait_for_workers(server, 2, other_than={first[0]})
    (respawned,) = set(second) - set(first)
    os.kill(respawned, signal.SIGKILL)  # within seconds of its respawn: granian's crash loop
    _wait_for_workers(server, 2, other_than={first[0], respawned})
    assert server.process.poll() is None
    assert "restarting" in Path(server.log_file).read_text(errors="replace")


def test_queries_run_in_the_workers_beside_one_query_process_for_sorts(server):
    workers = _wait_for_workers(server, 2)
    for worker in workers:
        assert len(_children(worker)) == 1


def test_a_sort_the_engine_cannot_do_costs_one_answer_not_a_worker(server):
    """The engine aborts its process on this ORDER BY (test_engine_errors); the query runs in
    a query process, so the client gets a 500 that says so, and the workers live on."""
    workers = set(_wait_for_workers(server, 2))
    for _ in range(3):  # repeated: no worker is lost to it, so granian never restarts
        status, body = request(
            server,
            "GET",
            "/sparql?query=" + quote(UNORDERABLE_QUERY),
            headers={"Accept": "text/tab-separated-values"},
        )
        assert status == 500, body
        assert b"the query engine failed on this query" in body
        assert _answers_ask(server)
    assert set(_wait_for_workers(server, 2)) == workers


@pytest.fixture(scope="module")
def process_server(fixture_build: Path, tmp_path_factory, spawn_server):
    log_file = tmp_path_factory.mktemp("serve-process") / "serve.log"
    running = spawn_server(
        fixture_build, log_file, "--workers", "2", "--isolation", "process", timeout=2.0
    )
    yield running
    stop_process_group(running.process)


def test_with_process_isolation_each_worker_has_its_query_processes(process_server):
    deadline = time.monotonic() + 15
    while True:
        workers = _children(process_server.process.pid)
        shape = sorted(len(_children(w)) for w in workers)
        if shape == [2, 2] or time.monotonic() > deadline:  # 2 workers x 2 query processes
            break
        time.sleep(0.2)
    assert shape == [2, 2]
    for worker in workers:
        for child in _children(worker):
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            assert b"subdip.sparql.executor" in cmdline
    _runaway_beside_a_simple_query(process_server)
    assert sorted(_children(process_server.process.pid)) == sorted(workers)  # none replaced
    assert _answers_ask(process_server)


# -- load and fuzz -------------------------------------------------------------------------

VALID = [
    f"SELECT ?p ?o WHERE {{ <{ID}hainan> ?p ?o }}",
    f"SELECT * WHERE {{ ?s <{SUBDIP}subordinateTo> ?o . ?o ?p ?x }} LIMIT 10",
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?s ?l WHERE { ?s skos:prefLabel ?l FILTER(lang(?l) = 'en') } ORDER BY ?l",
    f"ASK {{ <{ID}sansha> ?p <{ID}hainan> }}",
    f"CONSTRUCT WHERE {{ <{ID}prague> ?p ?o }}",
    f"DESCRIBE <{ID}lin-songtian>",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
]
ACCEPTS = [
    "application/sparql-results+json",
    "text/csv",
    "text/turtle",
    "*/*",
    "image/png",
    "application/sparql-results+xml;q=0.5, text/tab-separated-values",
    "",
]


def hostile(rng: random.Random) -> tuple[str, str, bytes, dict[str, str]]:
    """One request: (method, path, body, headers), valid, mutated or hostile."""
    kind = rng.randrange(10)
    base = rng.choice(VALID).encode()
    headers = {"Accept": rng.choice(ACCEPTS)}
    if kind <= 2:  # byte flips of a valid query
        data = bytearray(base)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        query = bytes(data)
    elif kind == 3:
        query = b"SELECT * WHERE { FILTER(" + b"(" * 5000 + b"1" + b")" * 5000 + b") }"
    elif kind == 4:
        query = b"SELECT * WHERE { ?s ?p '" + b"x" * rng.choice([5_000, 50_000]) + b"' }"
    elif kind == 5:
        query = rng.choice(
            [
                b"INSERT DATA { <http://a> <http://b> <http://c> }",
                b"SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
                b"DROP ALL",
                b"ASK { \x00 }",
                b"SELECT * { ?s ?p \xff\xfe }",
                b"SELECT * { ?s ?p ?o " + b"MINUS { ?s ?p ?o } " * 4000 + b"}",
                b"SELECT (" + b" + ".join([b"1"] * 9000) + b" AS ?x) {}",
            ]
        )
    else:
        query = base
    encoded = quote(query, safe="").encode()
    if kind == 6:  # malformed percent-encoding
        encoded = encoded[: rng.randrange(len(encoded))] + b"%G" + encoded[-3:]
    style = rng.randrange(3)
    if style == 0 and len(encoded) < 8_000:
        return "GET", "/sparql?query=" + encoded.decode("ascii"), b"", headers
    if style == 1:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return "POST", "/sparql", b"query=" + encoded, headers
    headers["Content-Type"] = "application/sparql-query"
    return "POST", "/sparql", query, headers


@pytest.mark.slow
def test_load_and_fuzz_every_request_answered_no_5xx_flat_memory(server):
    total, clients = 2_400, 16
    rng = random.Random(20261123)
    requests = [hostile(rng) for _ in range(total)]
    statuses: list[int] = [0] * total
    failures: list[str] = []
    rss_samples: list[tuple[int, int]] = []
    done = 0
    lock = threading.Lock()
    parts = urlsplit(server.url)

    def worker(indices: range) -> None:
        nonlocal done
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        for i in indices:
            method, path, body, headers = requests[i]
            try:
                conn.request(method, path, body=body or None, headers=headers)
                response = conn.getresponse()
                response.read()
                statuses[i] = response.status
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException) as err:
                failures.append(f"request {i}: {type(err).__name__}: {err}")
                conn.close()
            with lock:
                done += 1
        conn.close()

    def sampler() -> None:
        while done < total:
            rss_samples.append((done, server.rss_kib()))
            time.sleep(0.2)

    sampling = threading.Thread(target=sampler, daemon=True)
    sampling.start()
    chunk = total // clients
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(worker, [range(k * chunk, (k + 1) * chunk) for k in range(clients)]))
    sampling.join(timeout=5)

    assert failures == []
    assert all(statuses), "every request got an answer"
    server_errors = [(requests[i][:2], s) for i, s in enumerate(statuses) if s >= 500]
    assert server_errors == []
    counts = {s: statuses.count(s) for s in set(statuses)}
    assert counts.get(200, 0) > total // 5, counts  # the valid share really was answered
    first = [kib for n, kib in rss_samples if n < total // 4]
    last = [kib for n, kib in rss_samples if n >= 3 * total // 4]
    assert first and last, rss_samples
    growth_mib = (statistics.median(last) - statistics.median(first)) / 1024
    print(
        f"fuzz: statuses {sorted(counts.items())}; RSS first quarter "
        f"{statistics.median(first) / 1024:.0f} MiB, growth {growth_mib:+.1f} MiB"
    )
    # Flat: a leak of even 30 kB per request would add ~70 MiB over this run.
    assert growth_mib < 48, (growth_mib, rss_samples)
    status, body = request(server, "GET", "/sparql?query=" + quote("ASK {}"))
    assert status == 200 and json.loads(body)["boolean"] is True


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture(scope="module")
def capped_server(fixture_build: Path, tmp_path_factory, spawn_server):
    log_file = tmp_path_factory.mktemp("serve-capped") / "serve.log"
    running = spawn_server(
        fixture_build, log_file, "--workers", "2", "--query-memory", "64", timeout=60.0
    )
    yield running
    stop_process_group(running.process)


@pytest.mark.slow
def test_a_memory_hungry_query_ends_its_worker_not_the_machine(capped_server):
    """Worker heap capped at 64 + 768 MiB: a query needing more (the distinct solutions of a
    three-way cross product, ~70 M) fails to allocate; its worker dies and is replaced."""
    workers = _wait_for_workers(capped_server, 2)
    hog = "SELECT (COUNT(DISTINCT *) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    time.sleep(6)  # settled workers (granian restarts everything if a fresh one dies)
    started = time.monotonic()
    try:
        status, _ = request(capped_server, "GET", "/sparql?query=" + quote(hog))
    except (OSError, http.client.HTTPException):
        status = None  # the connection died with its worker
    # Not a 503 at the 60 s time limit: the allocation failed long before.
    assert status is None and time.monotonic() - started < 45
    deadline = time.monotonic() + 10
    while not _answers_ask(capped_server):
        assert time.monotonic() < deadline, "the service did not answer after the hog"
        time.sleep(0.2)
    fresh = _wait_for_workers(capped_server, 2)
    assert len(set(workers) - set(fresh)) == 1  # the hog's worker was replaced


@pytest.mark.slow
def test_a_memory_hungry_sort_gets_503_from_its_query_process(capped_server):
    """A sorting query runs in the worker's query process, capped at 64 MiB: sorting the
    same cross product fails there, the client is told, and no worker is lost."""
    workers = _wait_for_workers(capped_server, 2)
    hog = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?i"
    started = time.monotonic()
    status, body = request(capped_server, "GET", "/sparql?query=" + quote(hog))
    assert status == 503 and b"64 MiB" in body, body
    assert time.monotonic() - started < 45
    assert set(_wait_for_workers(capped_server, 2)) == set(workers)
