"""Fixtures for the data tests: the shipped data, the ontology, the reasoned graph (computed once
per session), SPARQL stores built like the server's default graph, and the facts the data must
match (read from ../shared/facts, never copied into the tests)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.term import Node

from subdip.loading import LoadedGraph, data_files, link_files, load_graph, ontology_graph
from subdip.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_LINKS, GRAPH_ONTOLOGY
from subdip.reasoning import infer

FACTS = Path(__file__).resolve().parents[2].parent / "shared" / "facts"


def facts_file(name: str) -> str:
    path = FACTS / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: the data tests check the data against the shared facts")
    return path.read_text(encoding="utf-8")


def table_rows(markdown: str, section: str | None = None) -> list[list[str]]:
    """Cells of the Markdown table rows (header and separator excluded), optionally only those
    under the heading that starts with ``section``."""
    if section is not None:
        start = markdown.index(section)
        following = markdown.find("\n## ", start + 1)
        markdown = markdown[start : following if following != -1 else None]
    rows = []
    for line in markdown.splitlines():
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return [
        row
        for row in rows
        if row and row[0] not in {"#", "key", "date", "entity", "unit", "property"}
    ]


def number_set(text: str) -> set[int]:
    """'1–42' or '14, 38' or '6' -> the claim numbers."""
    numbers: set[int] = set()
    for part in re.split(r",\s*", text):
        bounds = re.fullmatch(r"(\d+)\s*[–-]\s*(\d+)", part.strip())
        if bounds:
            numbers.update(range(int(bounds[1]), int(bounds[2]) + 1))
        elif part.strip().isdigit():
            numbers.add(int(part))
    return numbers


@dataclass(frozen=True)
class BibEntry:
    key: str  # as in bibliography.md
    slug: str  # our IRI slug under id/pub/ (underscore -> hyphen)
    claims: frozenset[int]
    is_publication: bool


@pytest.fixture(scope="session")
def claim_numbers() -> set[int]:
    """The row numbers of claims.md."""
    return {int(row[0]) for row in table_rows(facts_file("claims.md")) if row[0].isdigit()}


@pytest.fixture(scope="session")
def bibliography() -> list[BibEntry]:
    entries = []
    for row in table_rows(facts_file("bibliography.md")):
        key, full = row[0], row[2]
        entries.append(
            BibEntry(
                key=key,
                slug=key.replace("_", "-"),
                claims=frozenset(number_set(row[-1])),
                is_publication="not a publication" not in full and "not a cited work" not in full,
            )
        )
    return entries


@pytest.fixture(scope="session")
def extra_md() -> str:
    return facts_file("extra.md")


@pytest.fixture(scope="session")
def ontology() -> Graph:
    return ontology_graph()


@pytest.fixture(scope="session")
def asserted() -> LoadedGraph:
    return load_graph(data_files())


@pytest.fixture(scope="session")
def links() -> LoadedGraph:
    return load_graph(link_files())


@pytest.fixture(scope="session")
def inferred(ontology: Graph, asserted: LoadedGraph) -> Graph:
    return infer(ontology, asserted.graph)


def _store(graphs: Iterable[tuple[Node, Graph]]) -> ox.Store:
    store = ox.Store()
    for name, graph in graphs:
        store.load(
            graph.serialize(format="nt", encoding="utf-8"),
            format=ox.RdfFormat.N_TRIPLES,
            to_graph=ox.NamedNode(str(name)),
        )
    return store


@pytest.fixture(scope="session")
def reasoned_store(
    ontology: Graph, asserted: LoadedGraph, inferred: Graph, links: LoadedGraph
) -> ox.Store:
    """The four named graphs, as the build ships them; query with the union default graph."""
    return _store(
        [
            (GRAPH_ONTOLOGY, ontology),
            (GRAPH_ASSERTED, asserted.graph),
            (GRAPH_INFERRED, inferred),
            (GRAPH_LINKS, links.graph),
        ]
    )


@pytest.fixture(scope="session")
def asserted_store(ontology: Graph, asserted: LoadedGraph) -> ox.Store:
    """Ontology and asserted data only: what the questions see without reasoning."""
    return _store([(GRAPH_ONTOLOGY, ontology), (GRAPH_ASSERTED, asserted.graph)])
