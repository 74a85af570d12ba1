"""Result formats the endpoint can produce, by name (the ``format=`` parameter) and media type.

Two families: *solutions* (SELECT and ASK results) and *graph* (CONSTRUCT and DESCRIBE triples).
Names and media types are plain strings so they cross process boundaries and HTTP clients
(``RemoteBackend``) without any engine object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from subdip.errors import QueryError

Family = Literal["solutions", "graph"]


@dataclass(frozen=True)
class ResultFormat:
    """One serialisation: ``name`` for ``format=``, its canonical media type, and aliases."""

    name: str
    family: Family
    media_type: str
    aliases: tuple[str, ...] = ()
    charset: bool = True

    @property
    def content_type(self) -> str:
        """The Content-Type header value (text formats say their charset)."""
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


SOLUTION_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("json", "solutions", "application/sparql-results+json", ("application/json",)),
    ResultFormat("xml", "solutions", "application/sparql-results+xml", ("application/xml",)),
    ResultFormat("csv", "solutions", "text/csv"),
    ResultFormat("tsv", "solutions", "text/tab-separated-values"),
)
GRAPH_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat("turtle", "graph", "text/turtle", ("application/x-turtle",)),
    ResultFormat("ntriples", "graph", "application/n-triples", ("text/plain",)),
    ResultFormat("jsonld", "graph", "application/ld+json", ("application/json",)),
    ResultFormat("rdfxml", "graph", "application/rdf+xml", ("application/xml",)),
)
ALL_FORMATS: tuple[ResultFormat, ...] = SOLUTION_FORMATS + GRAPH_FORMATS
BY_NAME: dict[str, ResultFormat] = {f.name: f for f in ALL_FORMATS}

#: Accepted spellings of ``format=`` besides the names (what other endpoints accept).
NAME_ALIASES: dict[str, str] = {
    "ttl": "turtle",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "json-ld": "jsonld",
    "rdf": "rdfxml",
    "rdf+xml": "rdfxml",
    "srj": "json",
    "srx": "xml",
}


class NotAcceptable(QueryError):
    """No result format the client accepts can represent the result (HTTP 406)."""

    status = 406


@dataclass(frozen=True)
class FormatChoice:
    """The format to use for each result family; ``None`` means the client accepts none.

    The query form is only certain once the engine has parsed the query, so the caller
    negotiates both families up front and the backend uses the one that applies.
    """

    solutions: str | None = "json"
    graph: str | None = "turtle"

    def for_family(self, family: Family) -> ResultFormat:
        """The chosen format for ``family``; raises :class:`NotAcceptable` if there is none."""
        name = self.solutions if family == "solutions" else self.graph
        if name is None:
            offered = ", ".join(f.media_type for f in ALL_FORMATS if f.family == family)
            kind = "SELECT/ASK" if family == "solutions" else "CONSTRUCT/DESCRIBE"
            raise NotAcceptable(
                f"none of the accepted media types can represent a {kind} result",
                hint=f"accept one of {offered}, or pass format=",
            )
        return BY_NAME[name]


def format_by_name(name: str) -> ResultFormat:
    """Look up a ``format=`` value (case-insensitive, aliases allowed)."""
    key = name.strip().lower()
    key = NAME_ALIASES.get(key, key)
    try:
        return BY_NAME[key]
    except KeyError:
        known = ", ".join(BY_NAME)
        raise NotAcceptable(f"unknown result format {name!r}", hint=f"use one of {known}") from None
