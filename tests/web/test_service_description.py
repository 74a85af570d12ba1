"""SPARQL 1.1 Service Description at GET /sparql and VoID at /void.

Expected counts are read from fixture.nq itself (plus the synthetic filler), not from the app.
"""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
ENT = Namespace("http://www.w3.org/ns/entailment/")
G = "https://w3id.org/subdip/graph/"
SPARQL_BLUEPRINTS = ("subdip.web.sparql", "subdip.web.service_description")
ID = "https://w3id.org/subdip/id/"


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
        ("application/n-triples", "nt"),
    ],
)
def test_service_description_formats(client, accept, rdflib_format):
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == accept
    graph = Graph().parse(data=response.data, format=rdflib_format)
    service = graph.value(predicate=RDF.type, object=SD.Service)
    assert graph.value(service, SD.endpoint) == URIRef("http://localhost/sparql")
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph


def sd_graph(client) -> Graph:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    return Graph().parse(data=response.data, format="turtle")


def test_service_description_names_every_graph_with_count_and_entailment(client, expected_counts):
    graph = sd_graph(client)
    service = graph.value(predicate=RDF.type, object=SD.Service)
    dataset = graph.value(service, SD.defaultDataset)
    expected = expected_counts
    found = {}
    for named in graph.objects(dataset, SD.namedGraph):
        name = str(graph.value(named, SD.name))
        triples = graph.value(graph.value(named, SD.graph), VOID.triples).toPython()
        found[name] = (triples, graph.value(named, SD.entailmentRegime))
    assert {n: t for n, (t, _) in found.items()} == dict(expected)
    assert found[G + "asserted"][1] == ENT.Simple
    assert found[G + "inferred"][1] == ENT["OWL-RDF-Based"]
    default = graph.value(dataset, SD.defaultGraph)
    assert graph.value(default, VOID.triples).toPython() == sum(expected.values())
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.defaultEntailmentRegime, ENT["OWL-RDF-Based"]) in graph


def test_server_base_sets_the_endpoint_iri(make_app):
    app = make_app(SERVER_BASE="https://w3id.org/subdip/")
    graph = sd_graph(app.test_client())
    assert (None, SD.endpoint, URIRef("https://w3id.org/subdip/sparql")) in graph


def void_graph(client) -> Graph:
    response = client.get("/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return Graph().parse(data=response.data, format="turtle")


def test_void_counts_and_subsets(client, expected_counts):
    graph = void_graph(client)
    dataset = next(d for d in graph.subjects(RDF.type, VOID.Dataset) if graph.value(d, VOID.subset))
    expected = expected_counts
    assert graph.value(dataset, VOID.triples).toPython() == sum(expected.values())
    subsets = {
        str(s): graph.value(s, VOID.triples).toPython() for s in graph.objects(dataset, VOID.subset)
    }
    assert subsets == dict(expected)
    assert graph.value(dataset, VOID.sparqlEndpoint) == URIRef("http://localhost/sparql")


def test_void_partitions_and_examples(client, filler_size):
    graph = void_graph(client)
    dataset = next(d for d in graph.subjects(RDF.type, VOID.Dataset) if graph.value(d, VOID.subset))
    classes = {
        graph.value(p, VOID["class"]): graph.value(p, VOID.entities)
        for p in graph.objects(dataset, VOID.classPartition)
    }
    # fixture.nq: Hainan is the one Province (claim 33)
    assert classes[URIRef("https://w3id.org/subdip/ontology#ChineseProvince")] == Literal(1)
    properties = {
        graph.value(p, VOID.property): graph.value(p, VOID.triples).toPython()
        for p in graph.objects(dataset, VOID.propertyPartition)
    }
    assert properties[URIRef("http://example.org/filler/next")] == filler_size
    assert properties[URIRef("http://xmlns.com/foaf/0.1/name")] == 2  # Lin Songtian, en + zh
    examples = set(graph.objects(dataset, VOID.exampleResource))
    # present in the fixture: hainan, sansha, prague; not: ccp
    assert examples == {URIRef(ID + s) for s in ("hainan", "sansha", "prague")}
    assert (dataset, VOID.vocabulary, URIRef("https://w3id.org/subdip/ontology#")) in graph


def test_void_is_linked_from_the_service_description(client):
    graph = sd_graph(client)
    assert any(str(o).endswith("/void") for o in graph.objects())


class RefusingBackend:
    """A backend that must not be asked: the statistics come from the cache file."""

    def query(self, *args, **kwargs):
        raise AssertionError("statistics were gathered again instead of read from the cache")


def test_statistics_are_cached_per_build(client, make_app, fixture_build):
    assert client.get("/void").status_code == 200
    cached = list((fixture_build / "web-cache").glob("void-stats-*.json"))
    assert len(cached) == 1
    again = make_app(BACKEND=RefusingBackend())
    assert again.test_client().get("/void").status_code == 200


def test_void_links_the_downloads_the_ontology_and_the_shapes(make_app):
    app = make_app(BLUEPRINTS=(*SPARQL_BLUEPRINTS, "subdip.web.downloads"))
    client = app.test_client()
    graph = void_graph(client)
    dataset = next(d for d in graph.subjects(RDF.type, VOID.Dataset) if graph.value(d, VOID.subset))
    dumps = [str(u) for u in graph.objects(dataset, VOID.dataDump)]
    assert dumps and all(u.startswith("http://localhost/download/") for u in dumps)
    asserted_dumps = list(graph.objects(URIRef(G + "asserted"), VOID.dataDump))
    assert asserted_dumps
    for url in [*dumps[:1], *asserted_dumps[:1]]:  # the links lead to real files
        response = client.get(str(url).removeprefix("http://localhost"))
        assert response.status_code == 200, url
    conforms = set(graph.objects(dataset, DCTERMS.conformsTo))
    assert URIRef("https://w3id.org/subdip/ontology") in conforms
    assert URIRef("http://localhost/shapes") in conforms
