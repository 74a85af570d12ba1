"""Release metadata: each module's version IRI, the prior version archived as it was, dates,
agents and languages; CHANGELOG.md and CITATION.cff agree with the ontology."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, XSD

from subdip import paths
from subdip.namespaces import ONTOLOGY_IRI

ROOT = paths.ontology_dir().parent
MODULES = {"subdip": ONTOLOGY_IRI, "core": ONTOLOGY_IRI + "/core", "china": ONTOLOGY_IRI + "/china"}


@pytest.fixture(scope="module")
def headers() -> dict[str, tuple[Graph, URIRef]]:
    return {
        name: (Graph().parse(paths.ontology_module(name), format="turtle"), URIRef(iri))
        for name, iri in MODULES.items()
    }


def _version(ontology: Graph) -> str:
    return str(ontology.value(URIRef(ONTOLOGY_IRI), OWL.versionInfo))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_header(
    name: str, headers: dict[str, tuple[Graph, URIRef]], ontology: Graph
) -> None:
    graph, iri = headers[name]
    assert (iri, RDF.type, OWL.Ontology) in graph
    version = _version(ontology)
    assert graph.value(iri, OWL.versionInfo) == Literal(version)
    assert graph.value(iri, OWL.versionIRI) == URIRef(f"{iri}/{version}")
    prior = graph.value(iri, OWL.priorVersion)
    assert prior == URIRef(ONTOLOGY_IRI + "/0.1.0")
    for date in (DCTERMS.created, DCTERMS.issued, DCTERMS.modified):
        assert graph.value(iri, date).datatype == XSD.date, (name, date)
    languages = set(graph.objects(iri, DCTERMS.language))
    assert {str(x).rsplit("/", 1)[1] for x in languages} == {"en", "zh"}
    for role in (DCTERMS.creator, DCTERMS.publisher):
        agent = graph.value(iri, role)
        assert isinstance(agent, URIRef), f"{name}: {role} is a string, not an agent"
        assert (agent, RDF.type, FOAF.Organization) in ontology
        assert ontology.value(agent, FOAF.name)


def test_prior_version_is_archived_as_it_was() -> None:
    archived = paths.ontology_dir() / "versions" / "0.1.0" / "subdip.ttl"
    old = Graph().parse(archived, format="turtle")
    assert old.value(URIRef(ONTOLOGY_IRI), OWL.versionIRI) == URIRef(ONTOLOGY_IRI + "/0.1.0")
    assert old.value(URIRef(ONTOLOGY_IRI), OWL.versionInfo) == Literal("0.1.0")
    # the terms 0.2.0 deprecates are defined there, with their old meaning
    assert (URIRef(ONTOLOGY_IRI + "#LocalGovernment"), RDF.type, OWL.Class) in old


def test_citation_file_matches_the_release(ontology: Graph) -> None:
    """CITATION.cff is YAML; its top-level scalars are read with a pattern (no YAML parser is a
    dependency of the project)."""
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    citation = {
        key: value.strip().strip('"')
        for key, value in re.findall(r"^([a-z-]+):[ ]*(.*)$", text, re.MULTILINE)
    }
    header = URIRef(ONTOLOGY_IRI)
    assert citation["cff-version"] == "1.2.0"
    assert citation["version"] == _version(ontology)
    assert citation["date-released"] == str(ontology.value(header, DCTERMS.issued))
    assert citation["license"] == "CC-BY-4.0"
    assert citation["title"] and re.search(r"^authors:\n  - name: \S", text, re.MULTILINE)
    iris = set(re.findall(r'^    value: "([^"]+)"$', text, re.MULTILINE))
    assert str(ontology.value(header, OWL.versionIRI)) in iris


def test_changelog_has_each_release_and_every_deprecation(ontology: Graph) -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    header = URIRef(ONTOLOGY_IRI)
    issued = ontology.value(header, DCTERMS.issued)
    assert f"## [{_version(ontology)}] - {issued}" in text
    for folder in (paths.ontology_dir() / "versions").iterdir():
        assert re.search(
            rf"^## \[{re.escape(folder.name)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", text, re.M
        )
    deprecated = list(ontology.subjects(OWL.deprecated, Literal(True)))
    assert len(deprecated) >= 10
    for term in deprecated:
        old = str(term).split("#")[1]
        new = str(ontology.value(term, DCTERMS.isReplacedBy)).split("#")[1]
        assert f"`{old}` → `{new}`" in text, old
