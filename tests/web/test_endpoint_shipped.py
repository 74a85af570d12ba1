"""The endpoint over the shipped data, built once per session (fast engine) into a tmp dir.

Expected values come from the build's own report (counts per graph) and from the sources:
claims.md #33 (Sansha's government sits under Hainan province).
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF

from subdip.build import build

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
ID = "https://w3id.org/subdip/id/"
SUBDIP = "https://w3id.org/subdip/ontology#"
G = "https://w3id.org/subdip/graph/"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("shipped") / "build"
    build(out=out, engine="fast")
    return out


@pytest.fixture
def shipped_client(shipped_build, make_app):
    backend_app = make_app(BUILD_DIR=shipped_build, BACKEND=None)
    yield backend_app.test_client()
    backend_app.extensions["subdip"]["backend"].close()


def ask(client, query: str, **params) -> bool:
    url = (
        "/sparql?query="
        + quote(query)
        + "".join(f"&{k.replace('_', '-')}={quote(v)}" for k, v in params.items())
    )
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.data)["boolean"]


def test_service_description_counts_match_the_build_report(shipped_client, shipped_build):
    report = json.loads((shipped_build / "report.json").read_text())
    expected = {report["graphs"][name]: n for name, n in report["counts"].items() if n}
    response = shipped_client.get("/sparql", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.data, format="turtle")
    found = {
        str(graph.value(named, SD.name)): graph.value(graph.value(named, SD.graph), VOID.triples)
        for named in graph.objects(None, SD.namedGraph)
    }
    assert {k: v.toPython() for k, v in found.items()} == expected


def test_asserted_and_inferred_graphs_are_addressable(shipped_client):
    asserted = f"ASK {{ <{ID}sansha> <{SUBDIP}subordinateTo> <{ID}hainan> }}"
    inferred = f"ASK {{ <{ID}hainan> <{SUBDIP}hasSubordinate> <{ID}sansha> }}"
    assert ask(shipped_client, asserted)  # claim 33, as asserted
    assert ask(shipped_client, inferred)  # its inverse, in the default (union) graph
    assert ask(shipped_client, inferred, default_graph_uri=G + "inferred")
    assert not ask(shipped_client, inferred, default_graph_uri=G + "asserted")


def test_void_describes_the_shipped_data(shipped_client):
    response = shipped_client.get("/void", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.data, format="turtle")
    dataset = next(d for d in graph.subjects(RDF.type, VOID.Dataset) if graph.value(d, VOID.subset))
    examples = set(graph.objects(dataset, VOID.exampleResource))
    assert {URIRef(ID + s) for s in ("hainan", "ccp", "sansha", "prague")} == examples
    classes = {graph.value(p, VOID["class"]) for p in graph.objects(dataset, VOID.classPartition)}
    assert URIRef(SUBDIP + "PrefectureLevelCity") in classes


def test_the_build_leaves_the_statistics_the_server_would_gather(shipped_build):
    from dataclasses import asdict

    from subdip.backends.embedded import EmbeddedBackend
    from subdip.web.service_description import gather_stats, stats_cache_file

    cache = stats_cache_file({"BUILD_DIR": str(shipped_build)})
    assert cache is not None and cache.is_file()  # written by build(), before any server ran
    backend = EmbeddedBackend(shipped_build, processes=1)
    try:
        gathered = gather_stats(backend)
    finally:
        backend.close()
    assert json.loads(cache.read_text()) == asdict(gathered)
