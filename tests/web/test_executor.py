"""The pool of query processes: time limit, crash recovery, result cap, dataset semantics."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from subdip.backends.base import Backend
from subdip.backends.embedded import EmbeddedBackend
from subdip.errors import QueryTimeout, QueryTooLarge
from subdip.sparql.executor import ExecutorCrashed, QueryOutOfMemory
from subdip.sparql.formats import FormatChoice, NotAcceptable

ID = "https://w3id.org/subdip/id/"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_embedded_backend_implements_the_protocol(shared_backend):
    assert isinstance(shared_backend, Backend)


def test_a_crashed_query_process_is_replaced(fixture_build):
    """Kill the process running a query (as a segfault would): 500, then service continues."""
    backend = EmbeddedBackend(fixture_build, processes=1)  # one child: the one that runs it
    errors: list[BaseException] = []

    def run() -> None:
        try:
            backend.query(RUNAWAY, timeout=60)
        except BaseException as err:
            errors.append(err)

    try:
        backend.query("ASK {}", timeout=30)  # the process is up and has opened the store
        (pid,) = backend.child_pids()
        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(0.5)
        os.kill(pid, signal.SIGSEGV)
        thread.join(timeout=60)
        assert len(errors) == 1 and isinstance(errors[0], ExecutorCrashed), errors
        assert errors[0].status == 500
        (replacement,) = backend.child_pids()
        assert replacement != pid
        outcome = backend.query(f"ASK {{ <{ID}prague> ?p ?o }}", timeout=30)
        assert json.loads(outcome.body)["boolean"] is True
    finally:
        backend.close()


def test_timeout_replaces_the_process(shared_backend):
    shared_backend.query("ASK {}", timeout=30)
    before = set(shared_backend.child_pids())
    with pytest.raises(QueryTimeout, match=r"time limit of 0\.5 s"):
        shared_backend.query(RUNAWAY, timeout=0.5)
    after = set(shared_backend.child_pids())
    assert len(after) == len(before) and after != before


def test_result_cap(shared_backend):
    with pytest.raises(QueryTooLarge):
        shared_backend.query("SELECT * { ?s ?p ?o }", timeout=10, max_result_bytes=500)


def test_family_without_a_format_is_not_acceptable(shared_backend):
    with pytest.raises(NotAcceptable):
        shared_backend.query(
            f"DESCRIBE <{ID}prague>", timeout=10, formats=FormatChoice(solutions="json", graph=None)
        )


def test_describe_resource_gives_quads_in_their_graphs(shared_backend):
    quads = shared_backend.describe_resource(ID + "hainan")
    graphs = {q.graph_name.value for q in quads}
    # hainan: asserted (type, label, object of sansha's subordinateTo), inferred, links
    assert graphs == {
        f"https://w3id.org/subdip/graph/{g}" for g in ("asserted", "inferred", "links")
    }
    assert any(q.object.value == ID + "hainan" for q in quads)  # incoming links too
    assert len(shared_backend.describe_resource(ID + "hainan", limit=2)) == 2


def test_graph_names_and_counts(shared_backend, expected_counts):
    assert shared_backend.graph_names() == sorted(expected_counts)
    assert shared_backend.count() == sum(expected_counts.values())
    for graph, n in expected_counts.items():
        assert shared_backend.count(graph) == n


def test_a_memory_hungry_query_is_stopped_at_the_limit(fixture_build):
    backend = EmbeddedBackend(fixture_build, processes=1, memory_mib=200)
    try:
        backend.query("ASK {}", timeout=30)
        # three-way cross product, sorted: ~70 M solutions held in memory at once
        with pytest.raises(QueryOutOfMemory, match="200 MiB") as info:
            backend.query("SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?i", timeout=120)
        assert info.value.status == 503
        assert json.loads(backend.query("ASK {}", timeout=30).body)["boolean"] is True
    finally:
        backend.close()


def test_a_process_that_died_while_idle_is_replaced_transparently(fixture_build):
    backend = EmbeddedBackend(fixture_build, processes=1)
    try:
        backend.query("ASK {}", timeout=30)
        (pid,) = backend.child_pids()
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        assert json.loads(backend.query("ASK {}", timeout=30).body)["boolean"] is True
        assert backend.child_pids() != [pid]
    finally:
        backend.close()
