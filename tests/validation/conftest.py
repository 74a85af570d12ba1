"""Graphs for the validation tests, parsed once per session (they are read-only)."""

from __future__ import annotations

import pytest
from rdflib import Graph

from subdip.loading import ontology_graph
from subdip.validation import shapes_graph


@pytest.fixture(scope="session")
def ontology() -> Graph:
    return ontology_graph()


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return shapes_graph()
