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
def ontology_path() -> Path:
    path = paths.ontology_file()
    assert path.is_file(), f"the ontology is missing at {path}"
    return path


@pytest.fixture(scope="session")
def ontology(ontology_path: Path) -> Graph:
    graph = Graph().parse(ontology_path, format="turtle")
    assert len(graph) > 0, f"{ontology_path} parsed to an empty graph"
    return graph


@pytest.fixture(scope="session")
def ontology_store(ontology_path: Path) -> ox.Store:
    """The ontology in an in-memory Oxigraph store, for the hygiene queries."""
    store = ox.Store()
    store.load(path=str(ontology_path), format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="session")
def ontology_closure(ontology: Graph) -> Closure:
    return close(ontology)
