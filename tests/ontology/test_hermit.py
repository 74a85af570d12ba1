"""HermiT (through owlready2, what Protégé users run) classifies the ontology alone, with the
shipped data, and with the vocabularies it is used beside: no exception, consistent, no
unsatisfiable class. The checks are shown to fail where they should."""

from __future__ import annotations

import owlready2
import pytest
from neighbours import HermitResult, hermit, union, vocabulary
from ontology_testkit import turtle
from rdflib import Graph

from subdip import paths
from subdip.loading import data_files, load_graph, ontology_graph


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return ontology_graph()


@pytest.fixture(scope="module")
def data() -> Graph:
    return load_graph(data_files()).graph


def _ok(result: HermitResult) -> None:
    assert result.consistent, result.message
    assert result.unsatisfiable == []


def test_hermit_classifies_the_ontology_alone(ontology: Graph) -> None:
    _ok(hermit(ontology))


def test_hermit_classifies_the_core_alone() -> None:
    _ok(hermit(Graph().parse(paths.ontology_module("core"), format="turtle")))


def test_hermit_classifies_the_ontology_with_the_shipped_data(ontology: Graph, data: Graph) -> None:
    _ok(hermit(union(ontology, data)))


def test_hermit_with_prov_o_and_the_prov_dc_mappings(ontology: Graph, data: Graph) -> None:
    _ok(hermit(union(ontology, data, vocabulary("PROV-O"), vocabulary("PROV-DC"))))


def test_hermit_with_org_foaf_and_skos(ontology: Graph, data: Graph) -> None:
    _ok(hermit(union(ontology, data, vocabulary("ORG"), vocabulary("FOAF"), vocabulary("SKOS"))))


def test_hermit_with_owl_time(ontology: Graph, data: Graph) -> None:
    """OWL-Time itself uses xsd:gYear and xsd:gYearMonth, outside the OWL 2 datatype map: HermiT
    refuses it unless told to ignore them (our ontology and data pass without that, above)."""
    with pytest.raises(owlready2.OwlReadyJavaError, match="gYear"):
        hermit(union(ontology, vocabulary("OWL-Time")))
    _ok(hermit(union(ontology, data, vocabulary("OWL-Time")), ignore_unsupported_datatypes=True))


def test_hermit_reports_an_inconsistency(ontology: Graph) -> None:
    """A near miss: one individual both an organisation and a person (declared disjoint)."""
    clash = turtle("id:test-both a subdip:Organisation , subdip:Person .")
    result = hermit(union(ontology, clash))
    assert not result.consistent


def test_hermit_reports_an_unsatisfiable_class(ontology: Graph) -> None:
    """A near miss: a class under two disjoint classes."""
    both = turtle(
        "subdip:TestBoth a owl:Class ; rdfs:subClassOf subdip:Organisation , subdip:Person ."
    )
    result = hermit(union(ontology, both))
    assert result.consistent and result.unsatisfiable == [
        "https://w3id.org/subdip/ontology#TestBoth"
    ]


def test_hermit_refused_release_0_1_0() -> None:
    """What issue 11 reported: xsd:gYear (the range of launchedIn) stops HermiT."""
    old = Graph().parse(paths.ontology_dir() / "versions" / "0.1.0" / "subdip.ttl")
    with pytest.raises(owlready2.OwlReadyJavaError, match="gYear"):
        hermit(old)
