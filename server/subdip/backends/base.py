"""The interface every query backend implements (the seam between the web app and a store).

Two implementations: :class:`subdip.backends.embedded.EmbeddedBackend` (the build artefact's
pyoxigraph store, queries run in child processes with a time limit) and
``subdip.backends.remote.RemoteBackend`` (an external SPARQL endpoint over HTTP).

A backend returns results already *serialised* (bytes plus media type): the embedded one
serialises inside the child process that ran the query, a remote one passes on what the store
sent. The web layer never touches engine objects, so both backends look the same to it.

Errors a backend raises (all from :mod:`subdip.errors`):

- ``QueryError`` (400) -- the store rejected the query (syntax: message with line:column);
- ``NotAcceptable`` (406, :mod:`subdip.sparql.formats`) -- the result's family has no chosen format;
- ``QueryTooLarge`` (413) -- the serialised result exceeds ``max_result_bytes``;
- ``QueryTimeout`` (503) -- the query ran past ``timeout`` seconds and was stopped;
- ``StoreError`` -- the store is unreachable or failed (the web layer answers 502/503).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import pyoxigraph

from subdip.sparql.formats import FormatChoice

#: What a query produced: a solution sequence (SELECT), a boolean (ASK) or triples
#: (CONSTRUCT, DESCRIBE).
ResultKind = Literal["solutions", "boolean", "graph"]


@dataclass(frozen=True)
class QueryOutcome:
    """A finished query: the serialised result and what it is.

    ``format`` is a name from :mod:`subdip.sparql.formats` (``json``, ``turtle`` ...);
    ``media_type`` is the bare media type (no parameters) to send as Content-Type;
    ``elapsed`` is the time the store took, in seconds (for logs and stats).
    """

    kind: ResultKind
    format: str
    media_type: str
    body: bytes
    elapsed: float = 0.0


@runtime_checkable
class Backend(Protocol):
    """A read-only SPARQL dataset: four named graphs (see ``subdip.namespaces``).

    Dataset semantics every backend honours: without ``default_graphs`` the default graph is
    the union of all named graphs; with ``default_graphs`` it is the merge of exactly those
    graphs (a graph not in the dataset contributes nothing, it is never fetched);
    ``named_graphs`` restricts what ``GRAPH`` can see (``None``: all of them).
    """

    def query(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        timeout: float,
        formats: FormatChoice | None = None,
        max_result_bytes: int | None = None,
    ) -> QueryOutcome:
        """Run a query that already passed :func:`subdip.sparql.guard.check_query`.

        ``formats`` says how to serialise each result family (default: SPARQL JSON for
        SELECT/ASK, Turtle for CONSTRUCT/DESCRIBE).
        """
        ...

    def describe_resource(self, iri: str, *, limit: int = 10_000) -> list[pyoxigraph.Quad]:
        """Quads with ``iri`` as subject or object, each in its named graph; at most ``limit``.

        Used by the linked-data pages; subject quads come first.
        """
        ...

    def graph_names(self) -> list[str]:
        """IRIs of the named graphs the dataset holds, sorted."""
        ...

    def count(self, graph: str | None = None) -> int:
        """Number of quads in ``graph``, or in the whole dataset for ``None``."""
        ...

    def close(self) -> None:
        """Release processes, files and connections; the backend is unusable afterwards."""
        ...
