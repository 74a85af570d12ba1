# ruff: noqa: F811  (fixtures imported from conftest_pages are redefined as test arguments)
"""Linked-data formats: compact JSON-LD against the published context (one node object per
subject), TriG with one block per named graph."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import pytest
from conftest_pages import (  # noqa: F401  (fixtures)
    pages_app,
    pages_build,
    pages_cache,
    pages_client,
    parse_rdf,
)
from rdflib.compare import isomorphic

from subdip.web.jsonld import dumps

CONTEXT = "https://w3id.org/subdip/context.jsonld"


def test_the_context_is_published_at_its_own_iri(pages_client):
    response = pages_client.get("/context.jsonld")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    context = json.loads(response.data)["@context"]
    assert context["subdip"] == "https://w3id.org/subdip/ontology#"
    assert context["skos"] == "http://www.w3.org/2004/02/skos/core#"
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # other sites' processors


@pytest.mark.parametrize(
    "path", ["/id/hainan.jsonld", "/ontology.jsonld", "/download/asserted.jsonld"]
)
def test_json_ld_is_compact_one_node_per_subject(pages_client, path):
    response = pages_client.get(path)
    assert response.status_code == 200
    document = json.loads(response.data)
    assert document["@context"] == CONTEXT
    nodes = document["@graph"]
    ids = [node["@id"] for node in nodes]
    assert len(ids) == len(set(ids))  # grouped: no subject twice
    graph = parse_rdf(response.data, "json-ld")
    assert len(ids) == len(set(graph.subjects()))
    text = response.get_data(as_text=True)
    assert '"subdip:' in text or '"rdfs:' in text  # IRIs written as the context's CURIEs


def test_the_writer_round_trips_every_kind_of_term():
    s, p = ox.NamedNode("https://w3id.org/subdip/id/hainan"), ox.NamedNode("http://ex.org/p")
    blank = ox.BlankNode("b1")
    quads = [
        ox.Quad(
            s,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("https://w3id.org/subdip/ontology#Government"),
            ox.NamedNode("https://w3id.org/subdip/graph/asserted"),
        ),
        ox.Quad(
            s,
            p,
            ox.Literal("海南", language="zh"),
            ox.NamedNode("https://w3id.org/subdip/graph/asserted"),
        ),
        ox.Quad(
            s,
            p,
            ox.Literal("1988", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")),
            ox.NamedNode("https://w3id.org/subdip/graph/asserted"),
        ),
        ox.Quad(s, p, ox.Literal("plain"), ox.NamedNode("https://w3id.org/subdip/graph/inferred")),
        ox.Quad(blank, p, s, ox.NamedNode("https://w3id.org/subdip/graph/inferred")),
    ]
    from subdip.web.rendering import CONTEXT_PREFIXES

    data = dumps(quads, context=CONTEXT, quads=True, prefixes=CONTEXT_PREFIXES)
    document = json.loads(data)
    assert [g["@id"] for g in document["@graph"]] == [
        "https://w3id.org/subdip/graph/asserted",
        "https://w3id.org/subdip/graph/inferred",
    ]
    from conftest_pages import with_context
    from rdflib import Dataset

    served = Dataset().parse(data=with_context(data), format="json-ld")
    expected = Dataset().parse(
        data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS), format="nquads"
    )
    for name in (
        "https://w3id.org/subdip/graph/asserted",
        "https://w3id.org/subdip/graph/inferred",
    ):
        assert isomorphic(served.graph(name), expected.graph(name))


def test_trig_has_one_block_per_graph(pages_client):
    response = pages_client.get("/download/dataset.trig")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    headers = re.findall(r"^(\S+) \{$", text, re.M)
    assert len(headers) == len(set(headers)) == 4, headers
    resource = pages_client.get("/id/hainan.trig").get_data(as_text=True)
    blocks = re.findall(r"^(\S+) \{$", resource, re.M)
    assert len(blocks) == len(set(blocks)), blocks
