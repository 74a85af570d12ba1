"""The per-request shortcuts (remembered guard verdicts and negotiations, the compact job wire
form) must not change any answer: rejections stay rejections, round trips lose nothing."""

from __future__ import annotations

import pytest

from subdip.errors import QueryRejected, QueryTooLarge
from subdip.sparql.executor import Job
from subdip.sparql.formats import FormatChoice, NotAcceptable
from subdip.sparql.guard import CHECKED_CACHE_SIZE, GuardLimits, check_query
from subdip.sparql.negotiate import negotiate


def test_a_rejected_query_is_rejected_every_time() -> None:
    hostile = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    for _ in range(3):
        with pytest.raises(QueryRejected):
            check_query(hostile)


def test_the_remembered_verdict_depends_on_the_limits() -> None:
    query = "SELECT * WHERE { ?s ?p ?o }"
    assert check_query(query, GuardLimits()).form == "SELECT"
    with pytest.raises(QueryTooLarge):
        check_query(query, GuardLimits(max_query_bytes=10))


def test_many_distinct_queries_are_all_checked() -> None:
    for i in range(CHECKED_CACHE_SIZE * 2):
        assert check_query(f"ASK {{ ?s ?p {i} }}").form == "ASK"
    with pytest.raises(QueryRejected):
        check_query("INSERT DATA { <urn:a> <urn:b> <urn:c> }")


def test_negotiation_is_stable_and_unknown_formats_always_fail() -> None:
    first = negotiate("text/csv;q=0.9, application/sparql-results+json;q=0.1")
    again = negotiate("text/csv;q=0.9, application/sparql-results+json;q=0.1")
    assert first == again == FormatChoice(solutions="csv", graph=None)
    for _ in range(2):
        with pytest.raises(NotAcceptable):
            negotiate(None, "yaml")


@pytest.mark.parametrize(
    "job",
    [
        Job("SELECT * { ?s ?p ?o }", None, None, True, FormatChoice(), 1000),
        Job(
            "ASK { ?s ?p ?o }",
            ("https://w3id.org/subdip/graph/asserted",),
            (),
            False,
            FormatChoice(solutions="tsv", graph=None),
            7,
        ),
    ],
)
def test_a_job_survives_its_wire_form(job: Job) -> None:
    assert Job.from_wire(job.to_wire()) == job
