"""The shipped data speaks the ontology: every subdip: term it uses is declared, and the ontology
plus the data close under owlrl without a clash (a wrong domain, range or disjointness shows
up here as an error naming the individual)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ontology_testkit import Closure, close
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from subdip import paths
from subdip.namespaces import SUBDIP

_DECLARATIONS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


def _data_files() -> list[Path]:
    root = paths.data_dir()
    return sorted(path for path in root.rglob("*.ttl") if "links" not in path.parts)


@pytest.fixture(scope="session")
def data() -> Graph:
    files = _data_files()
    assert files, f"no data files found under {paths.data_dir()}"
    graph = Graph()
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def _own_terms(graph: Graph) -> set[URIRef]:
    return {
        term
        for triple in graph
        for term in triple
        if isinstance(term, URIRef) and str(term).startswith(str(SUBDIP))
    }


def test_every_subdip_term_in_the_data_is_declared(ontology: Graph, data: Graph) -> None:
    declared = {term for kind in _DECLARATIONS for term in ontology.subjects(RDF.type, kind)}
    undeclared = sorted(_own_terms(data) - declared)
    assert not undeclared, "used in data/ but not declared in the ontology:\n" + "\n".join(
        undeclared
    )


@pytest.fixture(scope="session")
def data_closure(ontology: Graph, data: Graph) -> Closure:
    return close(ontology, data)


@pytest.mark.slow
def test_ontology_and_data_are_consistent(data_closure: Closure) -> None:
    assert not data_closure.errors, "\n".join(data_closure.errors)
    members = sorted(str(node) for node in data_closure.graph.subjects(RDF.type, OWL.Nothing))
    assert not members, members
