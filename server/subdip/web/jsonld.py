"""Compact JSON-LD: one node object per subject, IRIs as CURIEs of a published ``@context``.

Why our own writer: pyoxigraph writes expanded JSON-LD with a node object per run of equal
subject and predicate, and rdflib's compaction holds the whole graph as Python objects (too
slow and too large for the dumps). Written here as a stream over items grouped by graph and
subject (what :func:`sort_items` and the store's own index order give), so a dump of a million
triples never sits in memory.

The context (:func:`context_document` of the prefixes in :data:`subdip.web.rendering.
CONTEXT_PREFIXES`) is served at ``/context.jsonld`` and referenced by IRI
(:func:`context_iri`); it only declares prefixes, so every value keeps its explicit form
(``{"@id": ...}``, ``{"@value": ..., "@language"|"@type": ...}``; plain strings are
``xsd:string``) and nothing depends on term coercion.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

import pyoxigraph as ox

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
CONTEXT_PATH = "/context.jsonld"


def context_document(prefixes: dict[str, str]) -> dict[str, Any]:
    """The published context: the prefixes only, sorted by name (a stable document)."""
    return {"@context": {k: prefixes[k] for k in sorted(prefixes)}}


def context_iri(iri_base: str, server_base: str) -> str:
    """Where the context lives: beside ``id/`` when resource IRIs are ``…/id/…`` (the w3id
    redirect then covers it), else on this server."""
    if iri_base.endswith("/id/"):
        return iri_base[: -len("id/")] + CONTEXT_PATH.lstrip("/")
    return server_base.rstrip("/") + CONTEXT_PATH


class _Compactor:
    def __init__(self, prefixes: dict[str, str]) -> None:
        # longest namespace first, so id:pub/x loses to pub:x when both match
        self.by_length = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self._memo: dict[str, str] = {}

    def iri(self, value: str) -> str:
        found = self._memo.get(value)
        if found is not None:
            return found
        result = value
        for prefix, namespace in self.by_length:
            if value.startswith(namespace):
                local = value[len(namespace) :]
                if local and not local.startswith("//"):
                    result = f"{prefix}:{local}"
                    break
        if len(self._memo) < 100_000:
            self._memo[value] = result
        return result

    def node_id(self, term: Any) -> str:
        if isinstance(term, ox.BlankNode):
            return f"_:{term.value}"
        return self.iri(term.value)

    def value(self, term: Any) -> Any:
        if isinstance(term, ox.Literal):
            if term.language:
                return {"@value": term.value, "@language": term.language}
            datatype = term.datatype.value
            if datatype == XSD_STRING:
                return term.value
            return {"@value": term.value, "@type": self.iri(datatype)}
        return {"@id": self.node_id(term)}


def sort_items(items: Iterable[ox.Triple | ox.Quad]) -> list[ox.Triple | ox.Quad]:
    """Items ordered by graph, subject, predicate, object (small sets: pages, the ontology)."""

    def key(item: ox.Triple | ox.Quad) -> tuple[str, str, str, str]:
        graph = getattr(item, "graph_name", None)
        return (
            "" if graph is None or isinstance(graph, ox.DefaultGraph) else str(graph),
            str(item.subject),
            str(item.predicate),
            str(item.object),
        )

    return sorted(items, key=key)


def _nodes(
    compactor: _Compactor, triples: Iterable[ox.Triple | ox.Quad]
) -> Iterator[dict[str, Any]]:
    """Node objects from triples grouped by subject (a subject seen again starts a new node:
    still correct JSON-LD, only less compact, if the input was not grouped)."""
    current: Any = None
    node: dict[str, Any] = {}
    for item in triples:
        if item.subject != current:
            if node:
                yield node
            current = item.subject
            node = {"@id": compactor.node_id(current)}
        predicate = item.predicate.value
        if predicate == RDF_TYPE and not isinstance(item.object, ox.Literal):
            node.setdefault("@type", []).append(compactor.node_id(item.object))
        else:
            node.setdefault(compactor.iri(predicate), []).append(compactor.value(item.object))
    if node:
        yield node


def write(
    items: Iterable[ox.Triple | ox.Quad],
    out: IO[bytes],
    *,
    context: str,
    quads: bool,
    prefixes: dict[str, str],
) -> None:
    """Stream compact JSON-LD to ``out``: ``{"@context": IRI, "@graph": [...]}``; with
    ``quads``, one ``{"@id": graph, "@graph": [...]}`` per named graph (items grouped by graph,
    then subject). Triples in the default graph of a quad stream are top-level nodes."""
    compactor = _Compactor(prefixes)
    out.write(b'{"@context": ' + json.dumps(context).encode() + b', "@graph": [')
    separator = b"\n  "
    if not quads:
        for node in _nodes(compactor, items):
            out.write(separator + _encode(node))
            separator = b",\n  "
        out.write(b"\n]}\n")
        return
    for graph, run in itertools.groupby(items, key=lambda quad: quad.graph_name):  # type: ignore[union-attr]
        if isinstance(graph, ox.DefaultGraph):
            for node in _nodes(compactor, run):
                out.write(separator + _encode(node))
                separator = b",\n  "
            continue
        out.write(separator + b'{"@id": ' + _encode(compactor.node_id(graph)) + b', "@graph": [')
        separator = b",\n  "
        inner = b"\n    "
        for node in _nodes(compactor, run):
            out.write(inner + _encode(node))
            inner = b",\n    "
        out.write(b"\n  ]}")
    out.write(b"\n]}\n")


def _encode(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


def dumps(
    items: Iterable[ox.Triple | ox.Quad], *, context: str, quads: bool, prefixes: dict[str, str]
) -> bytes:
    import io

    buffer = io.BytesIO()
    write(items, buffer, context=context, quads=quads, prefixes=prefixes)
    return buffer.getvalue()
