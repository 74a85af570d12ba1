"""The SPARQL 1.1 Protocol at /sparql, in process with Flask's test client.

Expected answers come from fixture.nq (facts of ../shared/facts, see its header).
"""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

import pytest
from rdflib import Graph

ID = "https://w3id.org/subdip/id/"
G = "https://w3id.org/subdip/graph/"
PREFIX = "PREFIX subdip: <https://w3id.org/subdip/ontology#> "
LABELS = (
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
    "SELECT ?s ?label WHERE { ?s skos:prefLabel ?label } ORDER BY ?label"
)
#: A cross product of the whole store four times: far beyond any time limit used here.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SUBORDINATES = PREFIX + f"SELECT ?x WHERE {{ <{ID}hainan> subdip:hasSubordinate ?x }}"


def bindings(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    doc = json.loads(response.data)
    return [{k: v["value"] for k, v in row.items()} for row in doc["results"]["bindings"]]


def get(client, query: str, headers=None, **params):
    url = "/sparql?query=" + quote(query)
    for key, value in params.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            url += f"&{key.replace('_', '-')}=" + quote(v)
    return client.get(url, headers=headers or {})


def test_get_select_returns_sparql_json(client):
    response = get(client, LABELS)
    assert response.mimetype == "application/sparql-results+json"
    rows = bindings(response)
    assert [r["label"] for r in rows] == ["Hainan", "Prague", "Sansha"]


def test_post_form_and_post_direct_give_the_same_answer(client):
    form = client.post("/sparql", data={"query": LABELS})
    direct = client.post(
        "/sparql", data=LABELS.encode(), content_type="application/sparql-query; charset=utf-8"
    )
    assert bindings(form) == bindings(direct) == bindings(get(client, LABELS))


def test_default_graph_is_the_union_of_asserted_and_inferred(client):
    # hasSubordinate is only in the inferred graph (the inverse of claim 33's subordinateTo)
    assert bindings(get(client, SUBORDINATES)) == [{"x": ID + "sansha"}]


@pytest.mark.parametrize(
    ("graphs", "expected"),
    [
        ([G + "asserted"], []),
        ([G + "inferred"], [{"x": ID + "sansha"}]),
        ([G + "asserted", G + "inferred"], [{"x": ID + "sansha"}]),
        (["http://example.org/not-in-the-dataset"], []),
    ],
)
def test_default_graph_uri_restricts_the_default_graph(client, graphs, expected):
    assert bindings(get(client, SUBORDINATES, default_graph_uri=graphs)) == expected


def test_named_graph_uri_restricts_graph_patterns(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    everything = [r["g"] for r in bindings(get(client, query))]
    assert everything == [G + n for n in ("asserted", "inferred", "links", "ontology")]
    only_links = bindings(get(client, query, named_graph_uri=G + "links"))
    assert only_links == [{"g": G + "links"}]


def test_from_in_the_query_is_honoured_and_never_reads_files(client):
    from_inferred = f"SELECT ?x FROM <{G}inferred> WHERE {{ <{ID}hainan> ?p ?x }} ORDER BY ?x"
    assert {r["x"] for r in bindings(get(client, from_inferred))} == {
        ID + "sansha",
        "https://w3id.org/subdip/ontology#ChineseProvincialLevelGovernment",
    }
    leak = get(client, "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")
    assert bindings(leak) == []
    named = get(client, "SELECT * FROM NAMED <file:///etc/passwd> { GRAPH ?g { ?s ?p ?o } }")
    assert bindings(named) == []
    assert b"root:" not in leak.data + named.data


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/json", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/*;q=0.2, text/tab-separated-values", "text/tab-separated-values"),
        ("text/*, text/csv;q=0", "text/tab-separated-values"),
        ("*/*;q=0.1, text/csv;q=0.3", "text/csv"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "application/sparql-results+xml",
        ),
        ("", "application/sparql-results+json"),
    ],
)
def test_select_content_negotiation(client, accept, media_type):
    response = get(client, LABELS, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers.get("Vary", "")


def test_csv_result_has_the_rows(client):
    response = get(client, LABELS, headers={"Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["label"] for r in rows] == ["Hainan", "Prague", "Sansha"]


@pytest.mark.parametrize(
    ("accept", "fmt", "rdflib_format"),
    [
        ("text/turtle", None, "turtle"),
        ("application/n-triples", None, "nt"),
        ("application/ld+json", None, "json-ld"),
        ("application/rdf+xml", None, "xml"),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.9", None, "turtle"),
        ("text/html", "ntriples", "nt"),
        (None, "jsonld", "json-ld"),
        (None, "json", "json-ld"),
        (None, "xml", "xml"),
    ],
)
def test_construct_formats(client, accept, fmt, rdflib_format):
    query = PREFIX + f"CONSTRUCT WHERE {{ <{ID}sansha> subdip:subordinateTo ?x }}"
    headers = {"Accept": accept} if accept else {}
    params = {"format": fmt} if fmt else {}
    response = get(client, query, headers=headers, **params)
    assert response.status_code == 200, response.get_data(as_text=True)
    graph = Graph().parse(data=response.data, format=rdflib_format)
    assert [(str(s), str(o)) for s, _, o in graph] == [(ID + "sansha", ID + "hainan")]


def test_describe_returns_the_resource(client):
    response = get(client, f"DESCRIBE <{ID}prague>", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.data, format="turtle")
    assert {str(o) for o in graph.objects()} >= {"Prague"}


def test_ask(client):
    assert json.loads(get(client, f"ASK {{ <{ID}prague> ?p ?o }}").data)["boolean"] is True
    assert json.loads(get(client, f"ASK {{ <{ID}nowhere> ?p ?o }}").data)["boolean"] is False


@pytest.mark.parametrize(
    ("query", "accept", "fmt"),
    [
        (LABELS, "text/turtle", None),
        (LABELS, "image/png", None),
        (f"CONSTRUCT WHERE {{ <{ID}prague> ?p ?o }}", "text/csv", None),
        (f"CONSTRUCT WHERE {{ <{ID}prague> ?p ?o }}", None, "csv"),
        (LABELS, None, "turtle"),
        (LABELS, None, "no-such-format"),
    ],
)
def test_406_when_nothing_acceptable(client, query, accept, fmt):
    headers = {"Accept": accept} if accept else {}
    response = get(client, query, headers=headers, **({"format": fmt} if fmt else {}))
    assert response.status_code == 406
    assert response.mimetype == "text/plain"


def test_syntax_error_is_400_with_line_and_column(client):
    response = get(client, "SELECT ?s\nWHERE { ?s ?p }")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "line 2, column" in text and "2:" in text
    assert "Traceback" not in text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_405_with_allow(client, method):
    response = client.open("/sparql", method=method)
    assert response.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_415_for_other_post_bodies(client):
    response = client.post("/sparql", data=b"{}", content_type="application/json")
    assert response.status_code == 415


def test_post_without_query_is_400(client):
    assert client.post("/sparql", data={"format": "json"}).status_code == 400


def test_two_query_parameters_is_400(client):
    assert client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D").status_code == 400


def test_oversized_body_is_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1000)
    body = "ASK {} " + "#" * 2000
    response = app.test_client().post("/sparql", data=body, content_type="application/sparql-query")
    assert response.status_code == 413


def test_too_long_query_is_413(client):
    response = client.post(
        "/sparql", data="ASK {} #" + "x" * 200_000, content_type="application/sparql-query"
    )
    assert response.status_code == 413


def test_result_larger_than_the_limit_is_413(make_app):
    app = make_app(MAX_RESULT_BYTES=2000)
    response = get(app.test_client(), "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 413
    assert "2000 bytes" in response.get_data(as_text=True)
    small = get(app.test_client(), f"ASK {{ <{ID}prague> ?p ?o }}")
    assert small.status_code == 200


def test_timeout_is_503_and_the_app_keeps_answering(make_app):
    app = make_app(QUERY_TIMEOUT=1)
    c = app.test_client()
    response = get(c, RUNAWAY)
    assert response.status_code == 503
    assert "time limit" in response.get_data(as_text=True)
    assert response.headers.get("Retry-After")
    assert bindings(get(c, SUBORDINATES)) == [{"x": ID + "sansha"}]


def test_cors_on_reads_without_credentials(client):
    response = get(client, LABELS, headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_preflight(client):
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in response.headers
