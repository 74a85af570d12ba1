"""The guard refuses hostile input before the engine, and lets ordinary queries through."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from subdip.errors import QueryRejected, QueryTooLarge
from subdip.sparql.guard import GuardLimits, check_query

OK = [
    # keywords inside strings, IRIs, comments, prefixed names and variables are not keywords
    "SELECT * WHERE { ?s ?p 'SERVICE' }",
    'SELECT * WHERE { ?s ?p """INSERT DATA { <a> <b> <c> }""" }',
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://example.org/> DELETE",
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
    "PREFIX ex: <http://example.org/> SELECT ?delete WHERE { ?delete ex:load ex:drop }",
    "PREFIX : <http://example.org/> SELECT * WHERE { ?s :SERVICE ?o }",
    # brackets inside strings and comments do not count towards nesting
    "SELECT * WHERE { ?s ?p '" + "(" * 500 + "' } # " + "{" * 500,
    # ordinary shapes
    "SELECT ?s WHERE { ?s ?p ?o FILTER(regex(str(?s), '^https://w3id.org/subdip/id/h')) }",
    "SELECT * WHERE { VALUES (?a ?b) { (1 2) (3 UNDEF) } } ORDER BY ?a DESC(?b) STR(?a)",
    "ASK { " + "{ " * 60 + "}" * 60 + " }",
    # long lists where separators and signs are data, not patterns or operators
    "ASK { FILTER(?x IN (" + ",".join(f"<http://x/{i}>" for i in range(2000)) + ")) }",
    "SELECT * { VALUES ?x { " + " ".join(["-1", '"2"^^<http://x/t>'] * 1000) + " } }",
]


@pytest.mark.parametrize("query", OK)
def test_ordinary_queries_pass(query):
    check_query(query)


REJECTED = {
    "deep nesting": "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }",
    "nesting just past the limit": "ASK { " + "{ " * 64 + "}" * 64 + " }",
    "SERVICE": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SERVICE SILENT lower case": "select * where { service silent <http://x/> { ?s ?p ?o } }",
    "SERVICE spelled with an escape": r"SELECT * WHERE { SERVI\u0043E <http://x/> { } }",
    # a comment ends at a carriage return, as the engine reads it: what follows is query text
    "SERVICE after a comment ended by CR": "SELECT * WHERE { # note\rSERVICE <http://x/> { } }",
    "DELETE after a comment ended by CR": "ASK {} # note\rDELETE WHERE { ?s ?p ?o }",
    "brackets spelled with escapes": "ASK { " + r"\u007B" * 100 + " }",
    "INSERT DATA": "INSERT DATA { <http://a> <http://b> <http://c> }",
    "DELETE WHERE": "DELETE WHERE { ?s ?p ?o }",
    "LOAD": "LOAD <file:///etc/passwd>",
    "CLEAR": "CLEAR ALL",
    "DROP": "DROP GRAPH <https://w3id.org/subdip/graph/asserted>",
    "huge literal": "SELECT * WHERE { ?s ?p '" + "x" * 20_000 + "' }",
    "huge IRI": "SELECT * WHERE { ?s ?p <http://x/" + "a" * 5000 + "> }",
    "NUL": "SELECT * WHERE { ?s ?p ?o }\x00",
    "escaped NUL": r"SELECT * WHERE { ?s ?p '\u0000' }",
    "catastrophic regex": "SELECT * WHERE { ?s ?p ?o FILTER regex(?o, '^(a+)+$') }",
    "regex through BIND": "SELECT * { BIND('(x*)*y' AS ?r) ?s ?p ?o FILTER regex(?o, ?r) }",
    "huge regex repeat": "SELECT * WHERE { ?s ?p ?o FILTER regex(?o, 'a{5000}') }",
    "many ORDER BY keys": "SELECT * WHERE { ?s ?p ?o } ORDER BY " + " ?s" * 100,
    "many VALUES cells": "SELECT * WHERE { VALUES ?x { " + "1 " * 20_000 + "} }",
    "empty": "   ",
    # engine stack overflows measured without nesting (see guard._check_breadth)
    "3,000 MINUS elements": "SELECT * { ?s ?p ?o " + "MINUS { ?s ?p ?o } " * 3000 + "}",
    "3,000 BIND elements": "SELECT * { "
    + " ".join(f"BIND({i} AS ?v{i})" for i in range(3000))
    + " }",
    "8,000 additions": "SELECT (" + " + ".join(["1"] * 8000) + " AS ?x) {}",
    "200 triple patterns": "SELECT * { "
    + " ".join(f"?s <http://p> ?o{i} ." for i in range(200))
    + " }",
}


@pytest.mark.parametrize("query", REJECTED.values(), ids=REJECTED.keys())
def test_hostile_queries_are_refused_with_a_reason(query):
    with pytest.raises((QueryRejected, QueryTooLarge)) as info:
        check_query(query)
    assert info.value.message  # says what is wrong
    assert 400 <= info.value.status < 500


def test_length_limit_is_configurable():
    query = "ASK {} #" + "x" * 500
    check_query(query)
    with pytest.raises(QueryTooLarge):
        check_query(query, GuardLimits(max_query_bytes=100))


def test_depth_limit_is_configurable():
    query = "ASK { " + "{ " * 10 + "}" * 10 + " }"
    check_query(query, GuardLimits(max_depth=11))
    with pytest.raises(QueryRejected, match="deeper than 5"):
        check_query(query, GuardLimits(max_depth=5))


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("PREFIX s: <http://x/> SELECT * {}", "SELECT"),
        ("ASK {}", "ASK"),
        ("construct where { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://x>", "DESCRIBE"),
    ],
)
def test_query_form(query, form):
    assert check_query(query).form == form


# -- the same refusals over HTTP: every one is a 4xx, never a 5xx --------------------------


@pytest.mark.parametrize("query", REJECTED.values(), ids=REJECTED.keys())
def test_refusals_over_http_are_4xx(client, query):
    response = client.post("/sparql", data={"query": query})
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)


@pytest.mark.parametrize(
    "raw",
    [
        b"query=ASK%7B%7D%zz",
        b"query=ASK%7B%7D%2",
        b"query=ASK%7B%FF%7D",
        b"query=ASK%00%7B%7D",
        b"query=%C0%AFASK",
    ],
    ids=["bad escape", "truncated escape", "invalid UTF-8", "NUL", "overlong UTF-8"],
)
def test_malformed_requests_are_400(client, raw):
    by_get = client.get("/sparql?" + raw.decode("ascii"))
    by_post = client.post("/sparql", data=raw, content_type="application/x-www-form-urlencoded")
    assert by_get.status_code == 400, by_get.get_data(as_text=True)
    assert by_post.status_code == 400, by_post.get_data(as_text=True)


def test_invalid_utf8_body_is_400(client):
    response = client.post("/sparql", data=b"ASK { \xff }", content_type="application/sparql-query")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {
            "data": "INSERT DATA { <http://a> <http://b> <http://c> }",
            "content_type": "application/sparql-update",
        },
        {"data": {"update": "CLEAR ALL"}},
    ],
    ids=["update body", "update form"],
)
def test_update_requests_are_refused(client, kwargs):
    response = client.post("/sparql", **kwargs)
    assert response.status_code == 400
    assert "read-only" in response.get_data(as_text=True)


def test_graph_parameters_must_be_iris(client):
    response = client.get("/sparql?query=ASK%7B%7D&default-graph-uri=" + quote("not an iri"))
    assert response.status_code == 400
