"""Which build an external store serves: versioned graphs and one small pointer graph.

Why: replacing a million triples in place means deleting the old ones, and a store's delete
is a transaction far slower than its bulk load (Oxigraph 0.5: minutes for 1 M triples). So
``subdip publish`` never overwrites a served graph. Each publish writes its graphs under new
names, ``<public graph IRI>/<build id>`` (e.g. ``…/graph/asserted/20261203T181200Z-1a2b3c4d``),
checks them, and then switches the pointer with one ``INSERT DATA``. Readers (``subdip serve
--store``) read the pointer and query the versioned graphs under their public names, so they
move from one complete build to the next at once.

The pointer graph ``urn:subdip:publication`` is append-only: each switch adds a record, and
the record with the highest sequence number is the pointer::

    <urn:subdip:switch:7> pub:seq 7 ; pub:current <urn:subdip:build:ID> ;
                          pub:previous <urn:subdip:build:ID0> .
    <urn:subdip:build:ID> pub:graph <…/graph/asserted/ID> , … ; pub:publishedAt "…"^^xsd:dateTime .
    <…/graph/asserted/ID> pub:versionOf <…/graph/asserted> ; pub:triples 1000014 .

(``pub:`` is ``urn:subdip:publication:``.) Why append-only: a single ``INSERT DATA`` is applied
atomically by every store, while a delete-and-insert is not (Virtuoso 7.2 runs the operations
of one request one by one, and its ``DELETE … INSERT … WHERE`` inserts nothing when the
``WHERE`` matches an empty graph). Older records are removed after the switch; removing them
late or never changes nothing. Only the current and the previous build are kept: the previous
one for ``subdip publish --rollback``; older builds' graphs are dropped after a switch.
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
TRIPLES, SEQ = f"{_PUB}triples", f"{_PUB}seq"
SWITCH_PREFIX = "urn:subdip:switch:"
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
    #: the sequence number of the record read (0: none yet)
    seq: int = 0


def new_build_id() -> str:
    """A fresh, sortable id: UTC time and a random part (two publishes never collide)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def versioned(graph: str, build_id: str) -> str:
    if not _BUILD_ID.match(build_id):
        raise ValueError(f"not a build id: {build_id!r}")
    return f"{graph.rstrip('/')}/{build_id}"


def read_pointer(client: StoreClient, *, timeout: float | None = None) -> Pointer:
    """The current and previous builds named by the store's latest switch record.

    Two queries: the latest record, then what it names (a record never changes once written,
    so a switch in between cannot mix two records)."""
    latest = (
        f"SELECT ?rec ?seq WHERE {{ GRAPH <{POINTER_GRAPH}> {{ ?rec <{SEQ}> ?seq }} }} "
        "ORDER BY DESC(?seq) DESC(STR(?rec)) LIMIT 1"
    )
    rows = client.sparql_json(latest, timeout=timeout).get("results", {}).get("bindings", [])
    if not rows:
        return Pointer(None, None)
    record, seq = rows[0]["rec"]["value"], int(rows[0]["seq"]["value"])
    query = (
        f"SELECT ?role ?build ?version ?public ?n ?at WHERE {{ GRAPH <{POINTER_GRAPH}> {{ "
        f"<{record}> ?role ?build . "
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
    return Pointer(found.get(CURRENT), found.get(PREVIOUS), seq)


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


def switch_request(current: Build, previous: Build | None, seq: int) -> str:
    """One ``INSERT DATA`` that makes ``current`` the served build (record number ``seq``,
    one more than the latest read)."""
    record = f"{SWITCH_PREFIX}{int(seq)}-{current.id}"
    triples = [f"<{record}> <{SEQ}> {int(seq)} .", f"<{record}> <{CURRENT}> <{current.iri}> ."]
    triples += _describe(current)
    if previous is not None:
        triples.append(f"<{record}> <{PREVIOUS}> <{previous.iri}> .")
        triples += _describe(previous)
    body = "\n    ".join(triples)
    return f"INSERT DATA {{ GRAPH <{POINTER_GRAPH}> {{\n    {body}\n}} }}"


def forget_request(keep: Pointer, builds: list[str]) -> str | None:
    """Remove switch records older than ``keep``'s and the descriptions of ``builds`` (ids no
    longer current or previous). Harmless at any time: readers use the latest record only."""
    operations = [
        f"DELETE {{ GRAPH <{POINTER_GRAPH}> {{ ?rec ?p ?o }} }} WHERE {{ GRAPH <{POINTER_GRAPH}> "
        f"{{ ?rec <{SEQ}> ?seq ; ?p ?o FILTER(?seq < {int(keep.seq)}) }} }}"
    ]
    for build_id in builds:
        iri = BUILD_PREFIX + build_id
        operations.append(
            f"DELETE {{ GRAPH <{POINTER_GRAPH}> {{ ?v ?p ?o }} }} WHERE {{ GRAPH <{POINTER_GRAPH}> "
            f"{{ <{iri}> <{HAS_GRAPH}> ?v . ?v ?p ?o }} }}"
        )
        operations.append(
            f"DELETE {{ GRAPH <{POINTER_GRAPH}> {{ <{iri}> ?p ?o }} }} "
            f"WHERE {{ GRAPH <{POINTER_GRAPH}> {{ <{iri}> ?p ?o }} }}"
        )
    return " ;\n".join(operations)


def subdip_graphs(client: StoreClient) -> list[str]:
    """Every graph of the store under subdip's graph namespace (versioned or not).

    ``GRAPH ?g { }`` lists a store's graphs without reading their triples; Virtuoso 7.2
    answers it with nothing, so the graphs of every build the pointer graph describes are
    added (a publish that fails drops its own graphs at once)."""
    listed = f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} FILTER(STRSTARTS(STR(?g), "{GRAPH}")) }}'
    described = f"SELECT DISTINCT ?g WHERE {{ GRAPH <{POINTER_GRAPH}> {{ ?b <{HAS_GRAPH}> ?g }} }}"
    found: set[str] = set()
    for query in (listed, described):
        rows = client.sparql_json(query).get("results", {}).get("bindings", [])
        found |= {r["g"]["value"] for r in rows if r.get("g", {}).get("type") == "uri"}
    return sorted(g for g in found if g.startswith(str(GRAPH)))


_VERSIONED = re.compile(r"/[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$")


def legacy_graphs(client: StoreClient) -> dict[str, str]:
    """A store without a pointer: subdip's unversioned graphs under their own names (a
    versioned graph there is the leftover of a publish that never switched)."""
    return {g: g for g in subdip_graphs(client) if not _VERSIONED.search(g)}
