"""Graphs for the validation tests, parsed once per session (they are read-only)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rdflib import Graph
from validation_cases import CASES, load_manifest

from subdip.loading import load_graph, ontology_graph
from subdip.validation import ValidationResult, shapes_graph, validate


@pytest.fixture(scope="session")
def ontology() -> Graph:
    return ontology_graph()


@pytest.fixture(scope="session")
def shapes() -> Graph:
    return shapes_graph()


@pytest.fixture(scope="session")
def run_case(ontology: Graph, shapes: Graph) -> Callable[[str, str], ValidationResult]:
    """Validate base.ttl + a case file; each (file, engine) is validated once per session."""
    base = CASES / load_manifest()["base"]
    done: dict[tuple[str, str], ValidationResult] = {}

    def run(case_file: str, engine: str = "oxigraph") -> ValidationResult:
        key = (case_file, engine)
        if key not in done:
            loaded = load_graph([base, CASES / case_file])
            done[key] = validate(
                loaded.graph,
                ontology=ontology,
                shapes=shapes,
                locate=loaded.locate,
                sparql_engine=engine,
            )
        return done[key]

    return run
