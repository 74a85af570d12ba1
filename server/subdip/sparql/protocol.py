"""The SPARQL 1.1 Protocol's request shapes -> one :class:`QueryRequest`.

Three ways to send a query (GET ``?query=``, POST form-encoded, POST ``application/sparql-query``)
are parsed here from *raw bytes*, strictly: malformed percent-encoding and invalid UTF-8 are
refused (400) instead of being silently repaired the way general-purpose form parsers do, so
what the guard checks is exactly what the engine would run. Framework-free: Flask passes bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

import pyoxigraph

from subdip.errors import QueryError, QueryRejected
from subdip.sparql.guard import check_percent_encoding, decode_utf8

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


class UnsupportedMediaType(QueryError):
    """A POST body in a media type the protocol does not define for queries (HTTP 415)."""

    status = 415


@dataclass(frozen=True)
class QueryRequest:
    """What the client asked for; ``query`` is ``None`` when no query was sent."""

    query: str | None
    default_graphs: list[str] | None
    named_graphs: list[str] | None
    format: str | None


def parse_urlencoded(raw: bytes, where: str) -> dict[str, list[str]]:
    """``a=1&b=2`` -> ``{"a": ["1"], "b": ["2"]}``; strict about %-escapes and UTF-8."""
    check_percent_encoding(raw, where)
    params: dict[str, list[str]] = {}
    for pair in raw.split(b"&"):
        if not pair:
            continue
        key, _, value = pair.partition(b"=")
        name = decode_utf8(unquote_to_bytes(key.replace(b"+", b" ")), where)
        text = decode_utf8(unquote_to_bytes(value.replace(b"+", b" ")), f"'{name}' parameter")
        params.setdefault(name, []).append(text)
    return params


def _graphs(params: dict[str, list[str]], name: str) -> list[str] | None:
    values = params.get(name)
    if values is None:
        return None
    for iri in values:
        try:
            pyoxigraph.NamedNode(iri)
        except ValueError:
            raise QueryRejected(
                f"{name} {iri!r} is not an absolute IRI",
                hint="give the full IRI of a graph, e.g. https://w3id.org/subdip/graph/asserted",
            ) from None
    return values


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    if not values:
        return None
    if len(values) > 1:
        raise QueryRejected(
            f"the request has {len(values)} '{name}' parameters", hint=f"send exactly one {name}"
        )
    return values[0]


def parse_request(
    method: str, query_string: bytes, content_type: str | None, body: bytes
) -> QueryRequest:
    """Parse one protocol request; raises ``QueryRejected`` / ``UnsupportedMediaType``."""
    params = parse_urlencoded(query_string, "URL query string")
    query = _single(params, "query")
    if method == "POST":
        mime = (content_type or "").split(";", 1)[0].strip().lower()
        if mime == FORM:
            form = parse_urlencoded(body, "form body")
            if "update" in form:
                raise QueryRejected(
                    "SPARQL Update is not allowed: this endpoint is read-only",
                    hint="send queries in the 'query' parameter",
                )
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
            query = _single(params, "query")
        elif mime == SPARQL_QUERY:
            if query is not None:
                raise QueryRejected(
                    "a POST with a application/sparql-query body must not also carry ?query=",
                    hint="send the query once, in the body",
                )
            query = decode_utf8(body, "request body")
        elif mime == SPARQL_UPDATE:
            raise QueryRejected(
                "SPARQL Update is not allowed: this endpoint is read-only",
                hint="download the dataset and modify a copy",
            )
        else:
            raise UnsupportedMediaType(
                f"a POST body of type {mime or '(none)'!r} is not a SPARQL query",
                hint=f"use Content-Type {SPARQL_QUERY} or {FORM}",
            )
        if query is None:
            raise QueryRejected("the POST request carries no query", hint="send 'query'")
    if "update" in params:
        raise QueryRejected("SPARQL Update is not allowed: this endpoint is read-only")
    return QueryRequest(
        query=query,
        default_graphs=_graphs(params, "default-graph-uri"),
        named_graphs=_graphs(params, "named-graph-uri"),
        format=_single(params, "format"),
    )
