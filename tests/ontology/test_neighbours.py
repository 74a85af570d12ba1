"""The ontology and the shipped data beside W3C PROV-O with the PROV-DC mappings, and beside ORG,
FOAF, OWL-Time and SKOS: owlrl finds no clash, and what those vocabularies add is what we mean."""

from __future__ import annotations

import pytest
from neighbours import union, vocabulary
from ontology_testkit import Closure, close, turtle
from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF

from subdip.loading import data_files, load_graph, ontology_graph
from subdip.namespaces import ID

SETS = {
    "prov": ("PROV-O", "PROV-DC"),
    "org-foaf-time-skos": ("ORG", "FOAF", "OWL-Time", "SKOS"),
}


@pytest.fixture(scope="module")
def base() -> Graph:
    return union(ontology_graph(), load_graph(data_files()).graph)


@pytest.fixture(scope="module")
def closures(base: Graph) -> dict[str, Closure]:
    """Each set's closure, computed once (owlrl takes tens of seconds on these)."""
    return {name: close(base, *(vocabulary(v) for v in vocabs)) for name, vocabs in SETS.items()}


@pytest.mark.parametrize("name", sorted(SETS))
def test_no_owlrl_clash(name: str, closures: dict[str, Closure]) -> None:
    assert closures[name].errors == (), f"{name}: {closures[name].errors[:5]}"


def test_prov_dc_reads_sources_as_derivations_without_clash(closures: dict[str, Closure]) -> None:
    """PROV-DC maps dcterms:source to prov:wasDerivedFrom (domain prov:Entity): events carry
    sources, so they become PROV entities, and nothing makes them PROV activities any more."""
    result = closures["prov"]
    event = ID["event/beijing-terminates-prague-partnership"]
    assert (event, RDF.type, PROV.Entity) in result.graph
    assert (event, RDF.type, PROV.Activity) not in result.graph
    article = URIRef(str(ID) + "pub/articleA")
    stated = {s for s in result.graph.subjects(PROV.wasDerivedFrom, article)}
    assert len(stated) > 10  # subdip:statedIn is a sub-property of prov:wasDerivedFrom


def test_prov_clash_is_detected_when_present() -> None:
    """A near miss: a sourced event that is also a PROV activity (as 0.1.0 made every event)
    clashes under PROV-DC."""
    event = turtle(
        "id:test-event a subdip:Signing , prov:Activity ; "
        "dcterms:source id:test-pub . id:test-pub a subdip:Publication ."
    )
    result = close(ontology_graph(), event, vocabulary("PROV-O"), vocabulary("PROV-DC"))
    assert any("Activity" in e and "Entity" in e for e in result.errors), result.errors
