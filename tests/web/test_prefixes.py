"""Known prefixes and the base IRI: a query may omit PREFIX lines for the project's prefixes,
relative IRIs resolve against the dataset's id/ namespace, and an undeclared prefix gets a
message that names it and says how to fix it."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import XSD

from subdip.namespaces import ID, PREFIXES, QUERY_BASE_IRI, SUBDIP
from subdip.sparql.guard import check_query, explicit_prologue

SH = Namespace("http://www.w3.org/ns/shacl#")


def values(client, query: str, var: str) -> set[str]:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {b[var]["value"] for b in json.loads(response.data)["results"]["bindings"] if var in b}


def test_the_table_has_the_prefixes_users_expect() -> None:
    for prefix in ("subdip", "id", "rdfs", "rdf", "skos", "dcterms", "prov", "org", "owl",
                   "xsd", "time", "foaf", "wd"):  # fmt: skip
        assert prefix in PREFIXES
    assert str(ID) == QUERY_BASE_IRI


def test_a_query_may_omit_the_known_prefixes(client) -> None:
    declared = values(
        client,
        f"PREFIX subdip: <{SUBDIP}> SELECT ?x WHERE {{ ?x a subdip:ChineseProvince }}",
        "x",
    )
    undeclared = values(client, "SELECT ?x WHERE { ?x a subdip:ChineseProvince }", "x")
    assert undeclared == declared
    assert str(ID["hainan"]) in undeclared


def test_a_prefix_the_query_declares_wins(client) -> None:
    rows = values(client, "PREFIX id: <http://example.org/> SELECT (id:hainan AS ?x) {}", "x")
    assert rows == {"http://example.org/hainan"}


def test_relative_iris_resolve_against_the_id_namespace(client) -> None:
    types = values(client, "SELECT ?t WHERE { <hainan> a ?t }", "t")
    assert str(SUBDIP["ChineseProvince"]) in types
    based = values(client, "BASE <http://example.org/> SELECT (<hainan> AS ?x) {}", "x")
    assert based == {"http://example.org/hainan"}


@pytest.mark.parametrize(
    ("query", "name", "where"),
    [
        ("SELECT * WHERE { ?s a nope:Thing }", "nope:", "line 1, column 23"),
        ("SELECT * WHERE {\n  ?s ?p ?o .\n  ?s a :Thing }", "':'", "line 3, column 8"),
    ],
)
def test_an_undeclared_prefix_is_named_with_its_place_and_the_fix(
    client, query: str, name: str, where: str
) -> None:
    response = client.get("/sparql", query_string={"query": query})
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert name in text and where in text, text
    assert "PREFIX" in text and "subdip:" in text  # how to fix it, and what needs no fix


def test_the_guard_parses_as_the_engine_does() -> None:
    """Known prefixes pass the guard; a declared one too; prefixed names in strings, IRIs,
    comments and blank node labels are not prefixed names."""
    check_query("SELECT * { ?s a subdip:Province ; rdfs:label ?l }")
    check_query("PREFIX ex: <http://example.org/> SELECT * { ?s a ex:C }")
    check_query("SELECT * { _:b <http://x/p> 'nope:x' } # nope:y")


def test_the_service_description_lists_the_prefixes(client) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=response.data, format="turtle")
    declared = {
        str(g.value(d, SH.prefix)): str(g.value(d, SH.namespace))
        for d in g.objects(None, SH.declare)
    }
    assert declared == PREFIXES
    ns = next(iter(g.objects(None, SH.namespace)))
    assert isinstance(ns, Literal) and ns.datatype == XSD.anyURI


def test_an_external_store_gets_the_prologue_written_out() -> None:
    sent = explicit_prologue("SELECT * { ?s a subdip:Province ; skos:prefLabel ?l }")
    assert sent.startswith(f"BASE <{QUERY_BASE_IRI}> ")
    assert f"PREFIX subdip: <{SUBDIP}>" in sent and "PREFIX skos:" in sent
    assert "PREFIX owl:" not in sent  # only what the query uses
    assert "\n" not in sent.split("SELECT")[0]  # the store's line numbers stay right
    own = explicit_prologue("PREFIX subdip: <http://example.org/> SELECT * { ?s a subdip:X }")
    assert "PREFIX subdip: <https" not in own
