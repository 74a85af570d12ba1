"""HTTP semantics every read route shares, as one WSGI layer around the Flask app.

Installed once by :func:`subdip.web.create_app`, so a page added later gets it without doing
anything: CORS (``*``, never with credentials, preflights answered), HEAD (the GET answer
without its body), a response cache for the immutable build, strong ETags with 304 on
``If-None-Match``, ``Cache-Control``, and gzip for text above :data:`GZIP_MIN_BYTES`.

Why a WSGI layer rather than Flask hooks: a cache hit must cost microseconds, and Flask's
request machinery alone costs more than a lookup query (measured in ``bench/``). For the same
reason a ``GET /sparql?query=`` that misses the cache is answered here by
:func:`subdip.sparql.service.execute`, the second half of the one path every protocol request
takes (the ``/sparql`` view calls the same functions); requests that prefer HTML, POSTs and
every other route go to Flask.

The cache and the ETags are keyed by the build: ``report.json`` of the artefact (written last by
a build) is hashed into a build id with the package version; when the file changes the cache
is emptied and every ETag changes. Keys: for ``/sparql`` the query as the engine reads it, the
protocol dataset and the negotiated formats (:attr:`PreparedQuery.cache_key`); for any other
route the path, query string, ``Accept`` header and host. Only 200 answers to GET are cached,
each at most ``CACHE_MAX_ENTRY_BYTES``, all at most ``CACHE_MAX_BYTES`` (least recently used
go first). With an external store (``STORE_URL``) the data may change at any time: nothing is
cached and no ETag is made up.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from subdip import __version__
from subdip.errors import SubdipError
from subdip.sparql.service import PreparedQuery, execute, prepare
from subdip.web.errors import INTERNAL_ERROR_TEXT, error_parts

log = logging.getLogger(__name__)

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
Headers = list[tuple[str, str]]

#: Longest request target accepted (what common servers and proxies allow): longer GETs get
#: 414 and a hint to POST, whatever server runs the app.
MAX_TARGET_BYTES = 8190
#: Bodies at least this long are gzipped when the client accepts it (and the type is text).
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 5
#: Bytes of requests remembered byte for byte (all forgotten at once beyond this).
MAX_ALIAS_BYTES = 16_000_000
CORS_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_HEADERS = "Accept, Content-Type, If-None-Match"
#: Headers a browser script may read besides the simple ones.
CORS_EXPOSE = "ETag, Content-Length, Content-Encoding, Retry-After"
_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/ld+json",
    "application/sparql-results+",
    "application/rdf+xml",
    "application/xml",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/javascript",
    "image/svg+xml",
)
_STATUS_TEXT = {200: "200 OK", 304: "304 Not Modified", 204: "204 No Content"}


def _compressible(content_type: str) -> bool:
    return content_type.startswith(_TEXT_TYPES) or "+json" in content_type


@functools.lru_cache(maxsize=256)
def accepts_gzip(header: str | None) -> bool:
    """Does an ``Accept-Encoding`` header allow gzip (RFC 9110 §12.5.3: ``gzip;q=0`` refuses)?"""
    if not header:
        return False
    wildcard = False
    for item in header.lower().split(","):
        name, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name.strip() in {"gzip", "x-gzip"}:
            return q > 0
        if name.strip() == "*":
            wildcard = q > 0
    return wildcard


class BuildTag:
    """The build id (hash of the artefact's ``report.json`` and the package version), checked
    against the file at most once a second; ``on_change`` runs when it changes."""

    def __init__(self, report: Path | None, on_change: Callable[[], None]) -> None:
        self.report = report
        self.on_change = on_change
        self._stat: tuple[int, int, int] | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self.value: str | None = None
        self.refresh(force=True)

    def refresh(self, *, force: bool = False) -> str | None:
        now = time.monotonic()
        if not force and now - self._checked < 1.0:
            return self.value
        with self._lock:
            self._checked = now
            if self.report is None:
                return None
            try:
                st = os.stat(self.report)
                stat = (st.st_mtime_ns, st.st_size, st.st_ino)
            except OSError:
                stat = None
            if stat == self._stat and not force:
                return self.value
            self._stat = stat
            old = self.value
            if stat is None:
                self.value = None
            else:
                digest = hashlib.blake2b(digest_size=8)
                digest.update(__version__.encode())
                try:
                    digest.update(self.report.read_bytes())
                except OSError:
                    self.value = None
                else:
                    self.value = digest.hexdigest()
            if old is not None and old != self.value:
                log.info("new build %s: response cache emptied", self.value)
                self.on_change()
            return self.value


@dataclass
class Entry:
    """A cached 200: its body, its gzip (made once, when first asked for) and the complete
    header lists of both, built once so that a hit only looks them up."""

    content_type: str
    headers: Headers
    body: bytes
    etag: str
    gzipped: bytes | None = None
    size: int = field(init=False)
    compressible: bool = field(init=False)
    sent: dict[bool, Headers] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.size = len(self.body) + 512
        self.compressible = len(self.body) >= GZIP_MIN_BYTES and _compressible(self.content_type)

    def gzip_body(self) -> bytes:
        if self.gzipped is None:
            self.gzipped = gzip.compress(self.body, GZIP_LEVEL, mtime=0)
        return self.gzipped


class ResponseCache:
    """A bounded LRU of :class:`Entry` by key (thread-safe; sizes count the gzip too)."""

    def __init__(self, max_bytes: int, max_entry_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._entries: OrderedDict[tuple[object, ...], Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.stats = {"hits": 0, "misses": 0, "stored": 0, "evicted": 0}

    def get(self, key: tuple[object, ...]) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.stats["misses"] += 1
                return None
            self._entries.move_to_end(key)
            self.stats["hits"] += 1
            return entry

    def put(self, key: tuple[object, ...], entry: Entry) -> None:
        if entry.size > self.max_entry_bytes or self.max_bytes <= 0:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = entry
            self._bytes += entry.size
            self.stats["stored"] += 1
            while self._bytes > self.max_bytes and self._entries:
                _, gone = self._entries.popitem(last=False)
                self._bytes -= gone.size
                self.stats["evicted"] += 1

    def grew(self, entry: Entry, extra: int) -> None:
        """Account for a gzip body made after the entry was stored."""
        with self._lock:
            entry.size += extra
            self._bytes += extra

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def _etag(build: str, key: tuple[object, ...]) -> str:
    digest = hashlib.blake2b(repr(key).encode("utf-8", "surrogatepass"), digest_size=12)
    return f'"{build}-{digest.hexdigest()}"'


def _matches(if_none_match: str, etag: str) -> bool:
    """``If-None-Match`` (a list, or ``*``) against our tag and its gzip variant."""
    if if_none_match.strip() == "*":
        return True
    gz = etag[:-1] + '-gz"'
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate.startswith("W/"):
            candidate = candidate[2:]  # weak comparison is what If-None-Match uses
        if candidate in (etag, gz):
            return True
    return False


class _Captured:
    """What the inner app passed to ``start_response``."""

    def __init__(self) -> None:
        self.status = "500 INTERNAL SERVER ERROR"
        self.headers: Headers = []

    def __call__(self, status: str, headers: Headers, exc_info: Any = None) -> Callable[..., Any]:
        self.status, self.headers = status, list(headers)
        return lambda _data: None  # our apps never use write()


class HttpLayer:
    """WSGI middleware: see the module docstring. ``backend_state`` is ``app.extensions
    ["subdip"]`` (backend, settings); ``report`` the artefact's report file (None: no cache)."""

    def __init__(
        self,
        inner: Callable[[Environ, StartResponse], Iterable[bytes]],
        backend_state: dict[str, Any],
        *,
        report: Path | None,
        max_age: int,
        cache_bytes: int,
        cache_entry_bytes: int,
    ) -> None:
        self.inner = inner
        self.state = backend_state
        self.cache = ResponseCache(cache_bytes, cache_entry_bytes)
        # request as received -> cache key: a repeated request skips parsing and the guard
        self._aliases: dict[tuple[str, ...], tuple[object, ...]] = {}
        self._alias_bytes = 0
        self.build = BuildTag(report, self.forget)
        self.cache_control = f"public, max-age={max_age}"

    def forget(self) -> None:
        """Empty the response cache (a new build; or after a warm-up)."""
        self._aliases.clear()
        self._alias_bytes = 0
        self.cache.clear()

    # -- entry -----------------------------------------------------------------------------

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        target = len(environ.get("PATH_INFO", "")) + len(environ.get("QUERY_STRING", ""))
        if target > MAX_TARGET_BYTES:
            return self._too_long(start_response)
        if method == "OPTIONS" and environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD"):
            return self._preflight(start_response)
        if method not in ("GET", "HEAD"):
            return self._pass(environ, start_response, head=False)
        head = method == "HEAD"
        if head:
            environ = dict(environ, REQUEST_METHOD="GET")
        build = self.build.refresh()
        if build is None or "HTTP_RANGE" in environ:
            return self._pass(environ, start_response, head=head)
        raw = (
            environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            environ.get("HTTP_ACCEPT") or "",
            environ.get("wsgi.url_scheme", "http"),
            environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
        )
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        known = self._aliases.get(raw)
        if known is not None:  # the request seen before, byte for byte: no parsing at all
            entry = self.cache.get(known)
            if entry is not None:
                if if_none_match and _matches(if_none_match, entry.etag):
                    return self._not_modified(start_response, entry.etag)
                return self._send_entry(environ, start_response, entry, head=head)
        key, prepared = self._key(environ, raw)
        if key is None:
            return self._pass(environ, start_response, head=head)
        etag = _etag(build, key)
        if if_none_match and _matches(if_none_match, etag):
            return self._not_modified(start_response, etag)
        entry = self.cache.get(key)
        if entry is None:
            entry, answer = self._miss(environ, prepared, etag)
            if entry is None:  # not cacheable: already a full answer
                status, headers, body = answer  # type: ignore[misc]
                return self._send(environ, start_response, status, headers, body, head=head)
            entry.size += len(raw[1]) + len(raw[2])  # the key is kept too
            self.cache.put(key, entry)
        size = len(raw[1]) + len(raw[2]) + 200
        if self._alias_bytes + size > MAX_ALIAS_BYTES:
            self._aliases.clear()
            self._alias_bytes = 0
        if raw not in self._aliases:
            self._aliases[raw] = key
            self._alias_bytes += size
        return self._send_entry(environ, start_response, entry, head=head)

    def _not_modified(self, start_response: StartResponse, etag: str) -> Iterable[bytes]:
        start_response(_STATUS_TEXT[304], self._common([("ETag", etag)], cached=True))
        return []

    # -- keys --------------------------------------------------------------------------------

    def _key(
        self, environ: Environ, raw: tuple[str, ...]
    ) -> tuple[tuple[object, ...] | None, PreparedQuery | None]:
        path, query_string = raw[0], raw[1]
        accept = environ.get("HTTP_ACCEPT")
        if path == "/sparql" and query_string and not _prefers_html(accept):
            try:
                prepared = prepare(
                    "GET",
                    query_string.encode("latin-1"),
                    None,
                    b"",
                    accept,
                    self.state["settings"].limits,
                )
            except (SubdipError, UnicodeEncodeError):
                return None, None  # refused: Flask answers with its error handlers
            if prepared is not None:
                return prepared.cache_key, prepared
        return ("page", *raw), None

    # -- producing an answer -------------------------------------------------------------------

    def _miss(
        self, environ: Environ, prepared: PreparedQuery | None, etag: str
    ) -> tuple[Entry | None, tuple[str, Headers, bytes | Iterable[bytes]] | None]:
        if prepared is not None:
            status, headers, body = self._direct(environ, prepared)
        else:
            status, headers, body = self._call_inner(environ)
        if (
            not status.startswith("200")
            or not isinstance(body, bytes)
            or len(body) > self.cache.max_entry_bytes
            or any(k.lower() in {"set-cookie", "content-encoding"} for k, _ in headers)
            or any(k.lower() == "cache-control" and "no-store" in v for k, v in headers)
        ):
            return None, (status, headers, body)
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        kept = [
            (k, v)
            for k, v in headers
            if k.lower() not in {"content-length", "etag", "last-modified", "content-type"}
        ]
        return Entry(content_type, kept, body, etag), None

    def _direct(self, environ: Environ, prepared: PreparedQuery) -> tuple[str, Headers, bytes]:
        """``GET /sparql?query=`` past the cache: the service's execute step, no Flask."""
        try:
            answer = execute(prepared, self.state["backend"], self.state["settings"])
        except SubdipError as err:
            status, text, extra = error_parts(err, "GET", "/sparql")
            headers = [("Content-Type", "text/plain; charset=utf-8"), *extra.items()]
            return _status_line(status), [*headers, ("Vary", "Accept")], text.encode()
        except Exception:  # logged and answered 500, as Flask's handler does
            log.exception("internal error answering GET /sparql")
            body = (INTERNAL_ERROR_TEXT + "\n").encode()
            return _status_line(500), [("Content-Type", "text/plain; charset=utf-8")], body
        return "200 OK", [("Content-Type", answer.content_type), ("Vary", "Accept")], answer.body

    def _call_inner(self, environ: Environ) -> tuple[str, Headers, bytes | Iterable[bytes]]:
        """Run the Flask app; collect its body when it is small enough to keep or compress."""
        captured = _Captured()
        result = self.inner(environ, captured)
        length = next((v for k, v in captured.headers if k.lower() == "content-length"), None)
        if length is not None and int(length) > self.cache.max_entry_bytes:
            return captured.status, captured.headers, _closing(result)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return captured.status, captured.headers, body

    def _pass(self, environ: Environ, start_response: StartResponse, *, head: bool) -> Any:
        status, headers, body = self._call_inner(environ)
        return self._send(environ, start_response, status, headers, body, head=head)

    # -- sending -------------------------------------------------------------------------------

    def _common(self, headers: Headers, *, cached: bool) -> Headers:
        if cached:  # one freshness policy for every cached read answer: the layer's
            headers = [(k, v) for k, v in headers if k.lower() not in {"cache-control", "expires"}]
        out = list(headers)
        names = {k.lower() for k, _ in out}
        if "access-control-allow-origin" not in names:
            out.append(("Access-Control-Allow-Origin", "*"))
            out.append(("Access-Control-Expose-Headers", CORS_EXPOSE))
        if cached:
            out.append(("Cache-Control", self.cache_control))
            out.append(("Vary", "Accept, Accept-Encoding"))
        return out

    def _send_entry(
        self, environ: Environ, start_response: StartResponse, entry: Entry, *, head: bool
    ) -> Iterable[bytes]:
        zipped = entry.compressible and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING"))
        headers = entry.sent.get(zipped)
        if zipped:
            fresh = entry.gzipped is None
            body = entry.gzip_body()
            if fresh:
                self.cache.grew(entry, len(body))
        else:
            body = entry.body
        if headers is None:
            headers = [("Content-Type", entry.content_type)]
            headers += [(k, v) for k, v in entry.headers if k.lower() != "vary"]
            etag = entry.etag
            if zipped:
                etag = etag[:-1] + '-gz"'
                headers.append(("Content-Encoding", "gzip"))
            headers.append(("ETag", etag))
            headers.append(("Content-Length", str(len(body))))
            headers = entry.sent[zipped] = self._common(headers, cached=True)
        start_response("200 OK", list(headers))
        return [] if head else [body]

    def _send(
        self,
        environ: Environ,
        start_response: StartResponse,
        status: str,
        headers: Headers,
        body: bytes | Iterable[bytes],
        *,
        head: bool,
    ) -> Iterable[bytes]:
        if isinstance(body, bytes):
            content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
            if (
                len(body) >= GZIP_MIN_BYTES
                and _compressible(content_type)
                and not any(k.lower() == "content-encoding" for k, _ in headers)
                and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING"))
            ):
                body = gzip.compress(body, GZIP_LEVEL, mtime=0)
                vary = next((v for k, v in headers if k.lower() == "vary"), None)
                headers = [
                    (k, v)
                    for k, v in headers
                    if k.lower() not in {"content-length", "etag", "vary"}
                ]
                headers += [
                    ("Content-Encoding", "gzip"),
                    ("Vary", f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"),
                ]
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        start_response(status, self._common(headers, cached=False))
        if head:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            return []
        return [body] if isinstance(body, bytes) else body

    def _too_long(self, start_response: StartResponse) -> Iterable[bytes]:
        body = (
            f"414 URI Too Long: the request target exceeds {MAX_TARGET_BYTES} bytes\n"
            "How to fix: send long queries with POST (application/sparql-query)\n"
        ).encode()
        start_response(
            "414 URI Too Long",
            self._common(
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
                cached=False,
            ),
        )
        return [body]

    def _preflight(self, start_response: StartResponse) -> Iterable[bytes]:
        start_response(
            _STATUS_TEXT[204],
            [
                ("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Allow-Methods", CORS_METHODS),
                ("Access-Control-Allow-Headers", CORS_HEADERS),
                ("Access-Control-Max-Age", "86400"),
                ("Content-Length", "0"),
            ],
        )
        return []


def _prefers_html(accept: str | None) -> bool:
    """A browser navigating to a query URL: the Flask view decides what to show it."""
    return bool(accept) and "text/html" in accept  # type: ignore[operator]


def _status_line(status: int) -> str:
    from http import HTTPStatus

    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


class _closing(Iterator[bytes]):
    """Stream a large inner body through, keeping its ``close``."""

    def __init__(self, result: Iterable[bytes]) -> None:
        self._result = result
        self._it = iter(result)

    def __next__(self) -> bytes:
        return next(self._it)

    def close(self) -> None:
        close = getattr(self._result, "close", None)
        if close is not None:
            close()
