"""Fixtures for the ontology tests: the shipped ontology parsed once, its owlrl closure.

Closing a graph with owlrl takes a few seconds, so each graph is closed once per session and the
individual checks are parametrised over the result.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from ontology_testkit import Closure, close
from rdflib import Graph

from subdip import paths


@pytest.fixture(scope="session")
def ontology_paths() -> list[Path]:
    """The modules: core, China, and the entry point that imports them."""
    files = paths.ontology_files()
    assert [f.name for f in files] == ["core.ttl", "china.ttl", "subdip.ttl"], files
    return files


@pytest.fixture(scope="session")
def ontology(ontology_paths: list[Path]) -> Graph:
    """All modules merged, as the build loads them."""
    graph = Graph()
    for path in ontology_paths:
        before = len(graph)
        graph.parse(path, format="turtle")
        assert len(graph) > before, f"{path} parsed to an empty graph"
    return graph


@pytest.fixture(scope="session")
def ontology_store(ontology_paths: list[Path]) -> ox.Store:
    """The merged ontology in an in-memory Oxigraph store, for the hygiene queries."""
    store = ox.Store()
    for path in ontology_paths:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="session")
def ontology_closure(ontology: Graph) -> Closure:
    return close(ontology)
