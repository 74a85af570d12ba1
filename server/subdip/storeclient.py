"""A small HTTP client for external triple stores (SPARQL 1.1 Protocol, Update, Graph Store).

Shared by ``subdip publish`` and the remote backend so both resolve endpoints, authenticate and
report a store's failures the same way. It uses the standard library only: ``http.client``
streams a file object as a request body with a known length, which is all publishing needs,
and leaves connection errors distinguishable from HTTP errors.

Queries reuse connections: ``http.client`` already speaks HTTP/1.1 keep-alive on one connection,
so the pool is only a thread-safe stack of idle connections per host (see :class:`_Pool`).
Updates and streamed uploads always get a fresh connection, so a request that changes the store
is never sent twice.

Endpoint layout from one URL (``--to`` / ``--store``):

>>> e = StoreEndpoints.from_url("http://127.0.0.1:7878")
>>> (e.query, e.update, e.graph_stores)
('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/update', ('http://127.0.0.1:7878/store', \
'http://127.0.0.1:7878/data', 'http://127.0.0.1:7878'))
>>> StoreEndpoints.from_url("http://h:8890/sparql").update
'http://h:8890/sparql'
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote, unquote, urlencode, urlsplit, urlunsplit

from subdip.errors import QueryTooLarge, StoreError

log = logging.getLogger(__name__)

#: How much of an error body a message quotes.
_ERROR_EXCERPT = 300
_USER_AGENT = "subdip-store-client"


class StoreUnreachable(StoreError):
    """The store does not answer at all (connection refused, DNS failure, timeout)."""

    status = 503


class StoreAuthError(StoreError):
    """The store refused our credentials (HTTP 401 or 403)."""

    status = 502


class StoreAnswerError(StoreError):
    """The store answered with an HTTP error or with something we cannot read."""

    status = 502

    def __init__(self, message: str, *, http_status: int | None = None, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.http_status = http_status


class StoreTimeout(StoreUnreachable):
    """The store did not answer in time (the remote backend turns this into a query timeout)."""


@dataclass(frozen=True)
class Credentials:
    """What to authenticate with: a bearer token, or a user and password (HTTP Basic)."""

    token: str | None = None
    user: str | None = None
    password: str | None = None

    def header(self) -> str | None:
        if self.token:
            return f"Bearer {self.token}"
        if self.user is not None:
            pair = f"{self.user}:{self.password or ''}".encode()
            return "Basic " + base64.b64encode(pair).decode("ascii")
        return None


def split_credentials(url: str) -> tuple[str, Credentials]:
    """Remove ``user:password@`` from a URL, so it never reaches a log line or an error."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, Credentials()
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    password = unquote(parts.password) if parts.password is not None else None
    return clean, Credentials(user=unquote(parts.username), password=password)


def parse_user(value: str | None) -> Credentials:
    """``--user name:password`` (the password may be empty)."""
    if not value:
        return Credentials()
    user, _, password = value.partition(":")
    return Credentials(user=user, password=password)


@dataclass(frozen=True)
class StoreEndpoints:
    """The three URLs of a store: SPARQL query, SPARQL update, Graph Store candidates."""

    query: str
    update: str
    graph_stores: tuple[str, ...]

    @classmethod
    def from_url(
        cls, url: str, *, graph_store: str | None = None, update: str | None = None
    ) -> StoreEndpoints:
        """Derive the endpoints from a store's base URL or its SPARQL endpoint.

        - ``…/sparql`` (Virtuoso, GraphDB, Blazegraph): one URL for query and update.
        - ``…/query``: the update endpoint is the sibling ``…/update``.
        - anything else is a base URL: ``/query`` and ``/update`` below it, and the Graph Store
          candidates ``/store`` (Oxigraph), ``/data`` and the base itself (Fuseki datasets).
        An explicit ``graph_store`` is the only candidate.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StoreError(
                f"not an http(s) URL of a store: {url!r}",
                hint="give the store's base URL or SPARQL endpoint, e.g. http://127.0.0.1:7878",
            )
        base = url.rstrip("/")
        if base.endswith("/sparql"):
            query, upd, stores = base, base, ()
        elif base.endswith("/query"):
            query = base
            upd = base[: -len("query")] + "update"
            stores = ()
        else:
            query, upd = f"{base}/query", f"{base}/update"
            stores = (f"{base}/store", f"{base}/data", base)
        if graph_store:
            stores = (graph_store,)
        return cls(query=query, update=update or upd, graph_stores=stores)


#: Idle connections kept per host (a server process has a few threads querying at once).
POOL_SIZE = 8
#: What a reused connection raises when the store closed it while it was idle.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
Connection = http.client.HTTPConnection


class _Pool:
    """Idle keep-alive connections by (scheme, host, port), safe across threads and forks.

    A connection goes back only after its whole answer was read and the store did not ask to
    close it; one that fails when reused is dropped and the request retried once on a fresh
    connection (only for requests that may be repeated: queries). After a fork (gunicorn
    preloads the app, then forks workers) the parent's idle sockets are forgotten, never shared.
    """

    def __init__(self, size: int = POOL_SIZE) -> None:
        self.size = size
        self._idle: dict[tuple[str, str, int | None], list[Connection]] = {}
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def _check_fork(self) -> None:
        if os.getpid() != self._pid:
            self._idle = {}
            self._pid = os.getpid()

    def take(self, key: tuple[str, str, int | None]) -> Connection | None:
        with self._lock:
            self._check_fork()
            idle = self._idle.get(key)
            return idle.pop() if idle else None

    def give(self, key: tuple[str, str, int | None], conn: Connection) -> None:
        with self._lock:
            self._check_fork()
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.size:
                idle.append(conn)
                return
        conn.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()


@dataclass
class StoreResponse:
    status: int
    content_type: str
    body: bytes


class StoreClient:
    """Talks to one store; every failure becomes a :class:`StoreError` naming the URL."""

    def __init__(
        self,
        endpoints: StoreEndpoints,
        *,
        credentials: Credentials | None = None,
        timeout: float = 60.0,
        user_agent: str = _USER_AGENT,
    ) -> None:
        self.endpoints = endpoints
        self.credentials = credentials or Credentials()
        self.timeout = timeout
        self.user_agent = user_agent
        self._pool = _Pool()

    def close(self) -> None:
        """Close the idle connections (the client stays usable: it opens new ones)."""
        self._pool.close()

    # -- low level --------------------------------------------------------------------------

    def open(
        self,
        method: str,
        url: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        body: bytes | BinaryIO | Iterator[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        reuse: bool = False,
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """Send a request and return the open response (the caller reads and closes it).

        An HTTP error status is not raised here; :meth:`check` does that, so a caller can
        treat e.g. 404 from a Graph Store probe as an answer rather than a failure.
        ``reuse``: take an idle pooled connection, and retry once on a fresh one if the store
        had closed it (only for a request that may be sent twice, with a bytes body); the
        caller hands the connection back with :meth:`release`.
        """
        parts = urlsplit(url)
        path = parts.path or "/"
        query = parts.query
        if params:
            extra = urlencode(list(params), quote_via=quote)
            query = f"{query}&{extra}" if query else extra
        target = f"{path}?{query}" if query else path
        all_headers = {"User-Agent": self.user_agent}
        auth = self.credentials.header()
        if auth:
            all_headers["Authorization"] = auth
        all_headers.update(headers or {})
        seconds = timeout or self.timeout
        key = (parts.scheme, parts.hostname or "", parts.port)
        reused = self._pool.take(key) if reuse and not hasattr(body, "read") else None
        if reused is not None:
            reused.timeout = seconds
            if reused.sock is not None:
                reused.sock.settimeout(seconds)
            try:
                return reused, self._send(reused, method, url, target, body, all_headers, seconds)
            except _STALE:
                reused.close()  # closed by the store while idle: try once on a new connection
        conn_cls = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        conn = conn_cls(parts.hostname, parts.port, timeout=seconds)
        try:
            return conn, self._send(conn, method, url, target, body, all_headers, seconds)
        except _STALE as err:
            conn.close()
            raise StoreAnswerError(
                f"the store at {url} closed the connection during the request: {err}",
                hint="check the store's logs (request size limit? crash?)",
            ) from err

    def _send(
        self,
        conn: Connection,
        method: str,
        url: str,
        target: str,
        body: bytes | BinaryIO | Iterator[bytes] | None,
        headers: Mapping[str, str],
        seconds: float,
    ) -> http.client.HTTPResponse:
        """One request on ``conn``; a stale-connection error is raised as is for the caller."""
        try:
            conn.request(method, target, body=body, headers=dict(headers))
            return conn.getresponse()
        except _STALE:
            raise
        except TimeoutError as err:
            conn.close()
            raise StoreTimeout(
                f"the store at {url} did not answer within {seconds:g} s",
                hint="is it overloaded? raise the timeout or check the store's logs",
            ) from err
        except (ConnectionError, socket.gaierror, OSError, http.client.HTTPException) as err:
            conn.close()
            raise StoreUnreachable(
                f"cannot reach the store at {url}: {err} — is it running? check --to / --store",
            ) from err

    def release(
        self, url: str, conn: Connection, response: http.client.HTTPResponse, *, done: bool
    ) -> None:
        """Give ``conn`` back to the pool if its answer was read to the end (``done``) and
        the store keeps it open; close it otherwise."""
        if done and not response.will_close:
            try:
                response.read()  # nothing is left; this marks the answer finished
            except (OSError, http.client.HTTPException):
                conn.close()
                return
            parts = urlsplit(url)
            self._pool.give((parts.scheme, parts.hostname or "", parts.port), conn)
        else:
            conn.close()

    def check(self, url: str, response: http.client.HTTPResponse) -> None:
        """Raise the right :class:`StoreError` for an HTTP error status."""
        if response.status < 400:
            return
        excerpt = read_excerpt(response)
        if response.status in (401, 403):
            raise StoreAuthError(
                f"the store at {url} refused our credentials (HTTP {response.status}): {excerpt}",
                hint="pass --token TOKEN, --user NAME:PASSWORD or user:password@ in the URL",
            )
        raise StoreAnswerError(
            f"the store at {url} answered HTTP {response.status} {response.reason}: {excerpt}",
            http_status=response.status,
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        body: bytes | BinaryIO | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        max_bytes: int | None = None,
        reuse: bool = False,
    ) -> StoreResponse:
        """A whole request: send, check the status, read the body (bounded by ``max_bytes``).

        ``reuse``: on a pooled keep-alive connection (for queries, which may be repeated)."""
        deadline = time.monotonic() + (timeout or self.timeout)
        conn, response = self.open(
            method, url, params=params, body=body, headers=headers, timeout=timeout, reuse=reuse
        )
        done = False
        try:
            self.check(url, response)
            data = read_bounded(response, url, max_bytes=max_bytes, deadline=deadline)
            done = True
            return StoreResponse(
                response.status, response.getheader("Content-Type", "") or "", data
            )
        finally:
            if reuse:
                self.release(url, conn, response, done=done)
            else:
                conn.close()

    # -- SPARQL -----------------------------------------------------------------------------

    def sparql_json(self, query: str, *, timeout: float | None = None) -> dict:
        """Run a SELECT or ASK query and return its parsed SPARQL JSON results.

        Sent as an HTML form (``query=…``), the one POST encoding every store answers:
        Virtuoso 7.2 never answers a direct ``application/sparql-query`` POST."""
        answer = self.request(
            "POST",
            self.endpoints.query,
            body=urlencode({"query": query}).encode("ascii"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
            timeout=timeout,
            reuse=True,
        )
        try:
            return json.loads(answer.body)
        except ValueError as err:
            raise StoreAnswerError(
                f"the store at {self.endpoints.query} did not answer with SPARQL JSON results "
                f"(Content-Type {answer.content_type!r})",
                hint="is --to the store's SPARQL endpoint or base URL?",
            ) from err

    def update(self, sparql: str, *, timeout: float | None = None) -> None:
        """Send one SPARQL 1.1 Update request (one transaction where the store supports it),
        as an HTML form (``update=…``), which every store accepts (see :meth:`sparql_json`)."""
        self.request(
            "POST",
            self.endpoints.update,
            body=urlencode({"update": sparql}).encode("ascii"),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=timeout,
        )

    def counts(self, graphs: Sequence[str]) -> dict[str, int]:
        """Number of triples in each of ``graphs`` (0 for a graph the store does not have)."""
        if not graphs:
            return {}
        values = " ".join(f"<{g}>" for g in graphs)
        query = (
            f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
            "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        found = {g: 0 for g in graphs}
        for row in self.sparql_json(query).get("results", {}).get("bindings", []):
            found[row["g"]["value"]] = int(row["n"]["value"])
        return found


def read_excerpt(response: http.client.HTTPResponse) -> str:
    """The start of an error body, on one line, for a message."""
    try:
        raw = response.read(_ERROR_EXCERPT * 4)
    except (OSError, http.client.HTTPException):
        return "(no readable body)"
    text = raw.decode("utf-8", "replace").strip().replace("\n", " ")
    if len(text) > _ERROR_EXCERPT:
        text = text[:_ERROR_EXCERPT] + "…"
    return text or "(empty body)"


def read_bounded(
    response: http.client.HTTPResponse,
    url: str,
    *,
    max_bytes: int | None,
    deadline: float | None,
    chunk: int = 65536,
) -> bytes:
    """Read a body, stopping at ``max_bytes`` and at the deadline rather than trusting the peer.

    The socket timeout bounds each read; the deadline bounds the whole body, so a store that
    trickles bytes cannot hold a worker forever.
    """
    parts: list[bytes] = []
    size = 0
    while True:
        if deadline is not None and time.monotonic() > deadline:
            raise StoreTimeout(f"the store at {url} took too long to send its answer")
        try:
            block = response.read1(chunk)
        except TimeoutError as err:
            raise StoreTimeout(f"the store at {url} stopped sending its answer") from err
        except (OSError, http.client.HTTPException) as err:
            raise StoreAnswerError(
                f"the answer from the store at {url} was cut off: {err}"
            ) from err
        if not block:
            return b"".join(parts)
        size += len(block)
        if max_bytes is not None and size > max_bytes:
            raise QueryTooLarge(
                f"the store's answer is larger than the limit of {max_bytes} bytes",
                hint="add a LIMIT to the query or narrow it",
            )
        parts.append(block)
