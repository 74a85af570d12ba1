"""Which build an external store serves: versioned graphs and one small pointer graph.

Why: replacing a million triples in place means deleting the old ones, and a store's delete
is a transaction far slower than its bulk load (Oxigraph 0.5: minutes for 1 M triples). So
``subdip publish`` never overwrites a served graph. Each publish writes its graphs under new
names, ``<public graph IRI>/<build id>`` (e.g. ``…/graph/asserted/20261203T181200Z-1a2b3c4d``),
checks them, and then switches the pointer, a graph of a few triples, in one SPARQL Update
operation. Readers (``subdip serve --store``) read the pointer and query the versioned graphs
under their public names, so they move from one complete build to the next at once.

The pointer graph ``urn:subdip:publication`` says::

    <urn:subdip:publication> pub:current  <urn:subdip:build:ID> ;
                             pub:previous <urn:subdip:build:ID0> .
    <urn:subdip:build:ID> pub:graph <…/graph/asserted/ID> , … ; pub:publishedAt "…"^^xsd:dateTime .
    <…/graph/asserted/ID> pub:versionOf <…/graph/asserted> .

(``pub:`` is ``urn:subdip:publication:``.) Only the current and the previous build are kept:
the previous one for ``subdip publish --rollback``; older graphs are dropped after a switch.
A store without a pointer graph (published by an older subdip) is read as before: its
``…/graph/…`` graphs under their own names.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from subdip.namespaces import GRAPH
from subdip.storeclient import StoreClient

POINTER_GRAPH = "urn:subdip:publication"
_PUB = "urn:subdip:publication:"
CURRENT, PREVIOUS = f"{_PUB}current", f"{_PUB}previous"
HAS_GRAPH, VERSION_OF, PUBLISHED_AT = f"{_PUB}graph", f"{_PUB}versionOf", f"{_PUB}publishedAt"
TRIPLES = f"{_PUB}triples"
BUILD_PREFIX = "urn:subdip:build:"
_BUILD_ID = re.compile(r"^[0-9A-Za-z-]+$")


@dataclass(frozen=True)
class Build:
    """One published build: its id and its graphs (public IRI -> versioned IRI)."""

    id: str
    graphs: dict[str, str] = field(default_factory=dict)
    published_at: str | None = None
    #: versioned graph IRI -> its triple count when published (checked before a rollback)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def iri(self) -> str:
        return BUILD_PREFIX + self.id


@dataclass(frozen=True)
class Pointer:
    """What the store's pointer graph says (``current`` None: no pointer, a legacy store)."""

    current: Build | None
    previous: Build | None


def new_build_id() -> str:
    """A fresh, sortable id: UTC time and a random part (two publishes never collide)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def versioned(graph: str, build_id: str) -> str:
    if not _BUILD_ID.match(build_id):
        raise ValueError(f"not a build id: {build_id!r}")
    return f"{graph.rstrip('/')}/{build_id}"


def read_pointer(client: StoreClient, *, timeout: float | None = None) -> Pointer:
    """The current and previous builds named by the store's pointer graph."""
    query = (
        f"SELECT ?role ?build ?version ?public ?n ?at WHERE {{ GRAPH <{POINTER_GRAPH}> {{ "
        f"<{POINTER_GRAPH}> ?role ?build . "
        f"?build <{HAS_GRAPH}> ?version . ?version <{VERSION_OF}> ?public . "
        f"OPTIONAL {{ ?version <{TRIPLES}> ?n }} OPTIONAL {{ ?build <{PUBLISHED_AT}> ?at }} }} }}"
    )
    rows = client.sparql_json(query, timeout=timeout).get("results", {}).get("bindings", [])
    found: dict[str, Build] = {}
    for row in rows:
        role, build = row["role"]["value"], row["build"]["value"]
        if role not in (CURRENT, PREVIOUS) or not build.startswith(BUILD_PREFIX):
            continue
        entry = found.setdefault(role, Build(build[len(BUILD_PREFIX) :]))
        version = row["version"]["value"]
        entry.graphs[row["public"]["value"]] = version
        if "n" in row:
            entry.counts[version] = int(row["n"]["value"])
        if "at" in row and entry.published_at is None:
            found[role] = Build(entry.id, entry.graphs, row["at"]["value"], entry.counts)
    return Pointer(found.get(CURRENT), found.get(PREVIOUS))


def _describe(build: Build) -> list[str]:
    lines = [
        f"<{build.iri}> <{HAS_GRAPH}> <{v}> . <{v}> <{VERSION_OF}> <{p}> ."
        for p, v in sorted(build.graphs.items())
    ]
    lines += [f"<{v}> <{TRIPLES}> {int(n)} ." for v, n in sorted(build.counts.items())]
    if build.published_at:
        lines.append(
            f'<{build.iri}> <{PUBLISHED_AT}> "{build.published_at}"'
            "^^<http://www.w3.org/2001/XMLSchema#dateTime> ."
        )
    return lines


def switch_request(current: Build, previous: Build | None) -> str:
    """One SPARQL Update *operation* that replaces the pointer graph's content.

    A single ``DELETE … INSERT … WHERE`` (not ``DROP`` then ``INSERT DATA``): each store
    applies one operation atomically, even one (Virtuoso) that does not run a multi-operation
    request as one transaction. The ``OPTIONAL`` makes the ``WHERE`` match once on an empty
    pointer graph, so the first publish inserts too.
    """
    triples = [f"<{POINTER_GRAPH}> <{CURRENT}> <{current.iri}> ."]
    triples += _describe(current)
    if previous is not None:
        triples.append(f"<{POINTER_GRAPH}> <{PREVIOUS}> <{previous.iri}> .")
        triples += _describe(previous)
    body = "\n    ".join(triples)
    return (
        f"DELETE {{ GRAPH <{POINTER_GRAPH}> {{ ?s ?p ?o }} }}\n"
        f"INSERT {{ GRAPH <{POINTER_GRAPH}> {{\n    {body}\n}} }}\n"
        f"WHERE {{ OPTIONAL {{ GRAPH <{POINTER_GRAPH}> {{ ?s ?p ?o }} }} }}"
    )


def subdip_graphs(client: StoreClient) -> list[str]:
    """Every graph of the store under subdip's graph namespace (versioned or not)."""
    query = f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} FILTER(STRSTARTS(STR(?g), "{GRAPH}")) }}'
    rows = client.sparql_json(query).get("results", {}).get("bindings", [])
    return sorted({r["g"]["value"] for r in rows if r.get("g", {}).get("type") == "uri"})


_VERSIONED = re.compile(r"/[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$")


def legacy_graphs(client: StoreClient) -> dict[str, str]:
    """A store without a pointer: subdip's unversioned graphs under their own names (a
    versioned graph there is the leftover of a publish that never switched)."""
    return {g: g for g in subdip_graphs(client) if not _VERSIONED.search(g)}
