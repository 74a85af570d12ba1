"""Queries in the worker's own threads (``--isolation worker``): same answers as the query
processes, a 503 at the time limit with the overrun reported, and the replacement that waits
for the worker's other requests before it exits."""

from __future__ import annotations

import threading
import time

import pytest

from subdip.errors import QueryError, QueryTimeout
from subdip.sparql.executor import Job
from subdip.sparql.formats import FormatChoice
from subdip.sparql.inworker import ThreadRunner
from subdip.web.worker import EXIT_OVERRUN, InFlight, Replacement

FILLER = "http://example.org/filler/"
#: ~400^3 = 64 M combinations over the filler: seconds, far past a 50 ms limit.
SLOW = f"SELECT (COUNT(*) AS ?n) {{ ?a <{FILLER}next> ?b . ?c <{FILLER}next> ?d . ?e ?f ?g }}"


def job(query: str) -> Job:
    return Job(query, None, None, True, FormatChoice(), 1_000_000)


def test_same_bytes_as_a_query_process(fixture_build, shared_backend):
    runner = ThreadRunner(fixture_build / "store", 2)
    try:
        query = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 5"
        here = runner.run(job(query), 10)
        there = shared_backend.pool.run(job(query), 10)
        assert here.body == there.body and here.media_type == there.media_type
        with pytest.raises(QueryError, match="line 1"):
            runner.run(job("SELECT * WHERE { ?s ?p }"), 10)
    finally:
        runner.close()


def test_an_overrun_is_a_503_and_is_reported_once(fixture_build):
    reported: list[float] = []
    runner = ThreadRunner(
        fixture_build / "store", 2, on_overrun=lambda: reported.append(time.monotonic())
    )
    try:
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="time limit"):
            runner.run(job(SLOW), 0.05)
        assert time.monotonic() - started < 2  # answered at the limit, not at the end
        assert len(reported) == 1 and runner.others_running() == 0
        assert runner.run(job("ASK {}"), 10).body  # the other thread still answers
    finally:
        runner.close()


def test_a_query_no_thread_could_take_is_busy_not_an_overrun(fixture_build):
    reported: list[float] = []
    runner = ThreadRunner(fixture_build / "store", 1, on_overrun=lambda: reported.append(1.0))
    slow_errors: list[BaseException] = []

    def occupy() -> None:
        try:
            runner.run(job(SLOW), 0.5)
        except QueryTimeout as err:
            slow_errors.append(err)

    try:
        occupier = threading.Thread(target=occupy)
        occupier.start()
        time.sleep(0.1)  # the only query thread is now in SLOW
        with pytest.raises(QueryTimeout, match="busy"):
            runner.run(job("ASK {}"), 0.05)
        assert runner.stats["busy"] == 1 and reported == []  # waiting is not overrunning
        occupier.join()
        assert len(slow_errors) == 1 and "time limit" in str(slow_errors[0])
        assert len(reported) == 1 and runner.stats["timeouts"] == 1
    finally:
        runner.close()


def test_the_replacement_waits_for_the_other_requests_then_exits():
    release = threading.Event()
    exits: list[tuple[int, float]] = []

    def slow_app(environ, start_response):
        release.wait(5)
        start_response("200 OK", [])
        return [b"done"]

    in_flight = InFlight(slow_app)
    replacement = Replacement(
        in_flight,
        max_wait=10,
        settle=0.05,
        min_lifetime=0,  # the module may have been imported a moment ago
        exit=lambda code: exits.append((code, time.monotonic())),
    )
    request = threading.Thread(target=in_flight, args=({}, lambda *a: None))
    request.start()
    time.sleep(0.05)
    replacement.trigger()
    replacement.trigger()  # a second overrun does not start a second replacement
    time.sleep(0.3)
    assert exits == []  # a request is still being answered
    finished = time.monotonic()
    release.set()
    request.join()
    deadline = time.monotonic() + 5
    while not exits and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(exits) == 1 and exits[0][0] == EXIT_OVERRUN and exits[0][1] >= finished
