"""The one path of a SPARQL protocol request: parse, guard, negotiate, execute, serialise.

:func:`answer_sparql` is a pure function of the request's bytes and headers plus the backend
and limits; it knows nothing of Flask or WSGI. The ``/sparql`` view, the HTTP layer's direct
front (:mod:`subdip.web.http`) and the W3C conformance runner all call it, so whatever it
refuses or answers is refused or answered the same way everywhere.

Split in two steps so callers can do work between them: :func:`prepare` (everything before the
engine: cheap, deterministic, gives the response cache its key) and :func:`execute`.
"""

from __future__ import annotations

from dataclasses import dataclass

from subdip.backends.base import Backend, QueryOutcome
from subdip.errors import QueryRejected
from subdip.sparql.formats import FormatChoice
from subdip.sparql.guard import GuardLimits, QueryForm, check_query
from subdip.sparql.negotiate import negotiate
from subdip.sparql.protocol import parse_request


@dataclass(frozen=True)
class QuerySettings:
    """The limits every query runs under (one value per app, from its configuration)."""

    limits: GuardLimits
    timeout: float
    max_result_bytes: int


@dataclass(frozen=True)
class PreparedQuery:
    """A request that passed the protocol parse, the guard and the negotiation."""

    query: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    formats: FormatChoice
    form: QueryForm | None
    normal: str  # the query's normal form (layout and comments aside: the guard's lexer)

    @property
    def cache_key(self) -> tuple[object, ...]:
        """What determines the answer within one build: the query as the engine reads it,
        layout and comments aside (the normal form), the protocol dataset and the negotiated
        formats."""
        return ("sparql", self.normal, self.default_graphs, self.named_graphs, self.formats)


@dataclass(frozen=True)
class SparqlAnswer:
    """A successful answer: the serialised result and its full Content-Type."""

    outcome: QueryOutcome
    content_type: str

    @property
    def body(self) -> bytes:
        return self.outcome.body


def prepare(
    method: str,
    query_string: bytes,
    content_type: str | None,
    body: bytes,
    accept: str | None,
    limits: GuardLimits,
) -> PreparedQuery | None:
    """Parse, guard and negotiate; ``None`` when the request has no parameters at all (the
    caller answers the service description). Raises a :class:`~subdip.errors.SubdipError`
    (4xx) for anything refused, before the engine sees it."""
    parsed = parse_request(method, query_string, content_type, body)
    if parsed.query is None:
        if method == "GET" and query_string.strip(b"&"):
            names = sorted(
                {
                    p.split(b"=", 1)[0].decode("utf-8", "replace")
                    for p in query_string.split(b"&")
                    if p
                }
            )
            raise QueryRejected(
                f"the 'query' parameter is missing (the request has only {', '.join(names)})",
                hint="send the SPARQL query in a 'query' parameter, e.g. /sparql?query=ASK%7B%7D",
            )
        return None
    info = check_query(parsed.query, limits)
    formats = negotiate(accept, parsed.format)
    if info.form is not None:  # fail fast (406) before running what we could not send
        formats.for_family("graph" if info.form in {"CONSTRUCT", "DESCRIBE"} else "solutions")
    return PreparedQuery(
        query=parsed.query,
        default_graphs=tuple(parsed.default_graphs) if parsed.default_graphs is not None else None,
        named_graphs=tuple(parsed.named_graphs) if parsed.named_graphs is not None else None,
        formats=formats,
        form=info.form,
        normal=info.normal,
    )


def execute(prepared: PreparedQuery, backend: Backend, settings: QuerySettings) -> SparqlAnswer:
    """Run a prepared query on the backend (time limit, result cap) and label the result."""
    outcome = backend.query(
        prepared.query,
        default_graphs=list(prepared.default_graphs)
        if prepared.default_graphs is not None
        else None,
        named_graphs=list(prepared.named_graphs) if prepared.named_graphs is not None else None,
        timeout=settings.timeout,
        formats=prepared.formats,
        max_result_bytes=settings.max_result_bytes,
    )
    charset = "" if outcome.media_type.endswith("+json") else "; charset=utf-8"
    return SparqlAnswer(outcome, outcome.media_type + charset)


def answer_sparql(
    method: str,
    query_string: bytes,
    content_type: str | None,
    body: bytes,
    accept: str | None,
    *,
    backend: Backend,
    settings: QuerySettings,
) -> SparqlAnswer | None:
    """One SPARQL protocol request, start to end: :func:`prepare` then :func:`execute`.

    ``None`` means "no query was sent" (answer the service description); refusals and query
    failures raise :class:`~subdip.errors.SubdipError` subclasses carrying their HTTP status.
    """
    prepared = prepare(method, query_string, content_type, body, accept, settings.limits)
    if prepared is None:
        return None
    return execute(prepared, backend, settings)
