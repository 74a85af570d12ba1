"""The build artefact on disk: open its pyoxigraph store, check it is complete, read its report.

Layout (see docs/design.md): ``dataset.nq``, ``store/`` (RocksDB, opened read-only at serve
time), ``report.json``. ``report.json`` is written last, so its presence means the rest is
complete; the folder as a whole is swapped into place by ``subdip.build``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from subdip.errors import BuildError

DATASET_FILE = "dataset.nq"
STORE_DIR = "store"
REPORT_FILE = "report.json"


def artefact_ready(build_dir: Path) -> bool:
    """True when ``build_dir`` holds a complete artefact (report, dataset and store)."""
    build_dir = Path(build_dir)
    return (
        (build_dir / REPORT_FILE).is_file()
        and (build_dir / DATASET_FILE).is_file()
        and (build_dir / STORE_DIR).is_dir()
    )


def read_report(build_dir: Path) -> dict[str, Any] | None:
    """The artefact's ``report.json`` as a dict, or None if there is none (or it is unreadable)."""
    path = Path(build_dir) / REPORT_FILE
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return report if isinstance(report, dict) else None


def open_store(build_dir: Path) -> ox.Store:
    """The artefact's pyoxigraph store, read-only (any number of processes may share it)."""
    build_dir = Path(build_dir)
    if not artefact_ready(build_dir):
        raise BuildError(
            f"no complete build artefact in {build_dir}",
            hint="run 'subdip build' first (or pass the folder it wrote with --out)",
        )
    try:
        return ox.Store.read_only(str(build_dir / STORE_DIR))
    except OSError as err:
        raise BuildError(
            f"cannot open the store in {build_dir / STORE_DIR}: {err}",
            hint="rebuild it with 'subdip build --force'",
        ) from err


# --- term conversion between rdflib and pyoxigraph -------------------------------------------


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """An rdflib term as a pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot store {term!r} as an RDF term")


def to_rdflib(term: Any) -> Node:
    """A pyoxigraph term as an rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"cannot convert {term!r} to an rdflib term")


def quads(graph: Graph, name: URIRef) -> Iterator[ox.Quad]:
    """The triples of an rdflib graph as pyoxigraph quads in the named graph ``name``."""
    g = ox.NamedNode(str(name))
    for s, p, o in graph:
        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), g)


def graph_from_store(store: ox.Store, names: Iterable[URIRef]) -> Graph:
    """The union of some named graphs of ``store`` as one rdflib graph (for small graphs)."""
    out = Graph()
    for name in names:
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(str(name))):
            out.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    return out
