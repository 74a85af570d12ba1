"""The shipped data speaks the ontology: every subdip: term it uses is declared, and the ontology
plus the data close under owlrl without a clash (a wrong domain, range or disjointness shows
up here as an error naming the individual)."""

from __future__ import annotations

import re
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


_QUERY_TERM = re.compile(r"(?<![\w:])subdip:([A-Za-z_][\w-]*)")
_CODE_TERM = re.compile(r"\bSUBDIP(?:\.([A-Za-z_]\w*)|\[\"([A-Za-z_]\w*)\"\])")


def _declared(ontology: Graph) -> set[str]:
    return {
        str(term)[len(str(SUBDIP)) :]
        for kind in _DECLARATIONS
        for term in ontology.subjects(RDF.type, kind)
        if str(term).startswith(str(SUBDIP))
    }


def _without_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def test_shapes_queries_and_code_use_declared_terms(ontology: Graph) -> None:
    """SHACL shapes, shipped SPARQL queries and the package's code name only declared terms."""
    root = paths.resource_root()
    used: dict[str, set[str]] = {}
    for path in sorted((root / "shapes").rglob("*.ttl")):
        for term in _own_terms(Graph().parse(path, format="turtle")):
            used.setdefault(str(term)[len(str(SUBDIP)) :], set()).add(path.name)
    for path in sorted((root / "queries").rglob("*.rq")):
        for name in _QUERY_TERM.findall(_without_comments(path.read_text(encoding="utf-8"))):
            used.setdefault(name, set()).add(path.name)
    for path in sorted(Path(paths.__file__).parent.rglob("*.py")):
        for match in _CODE_TERM.finditer(path.read_text(encoding="utf-8")):
            used.setdefault(match.group(1) or match.group(2), set()).add(path.name)
    assert used, f"found no subdip terms in shapes, queries or code under {root}"
    undeclared = {name: files for name, files in used.items() if name not in _declared(ontology)}
    assert not undeclared, f"undeclared subdip terms (term: files): {undeclared}"
