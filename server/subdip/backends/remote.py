"""An external SPARQL endpoint as a backend (``subdip serve --store URL``).

The store is trusted to evaluate queries, not to decide what a query may do. So the same
guarantees as the embedded mode are enforced here, before and after the store:

- every query passes :func:`subdip.sparql.guard.check_query` (no ``SERVICE``, no update, no
  hostile nesting, bounded literals), whatever the caller already checked;
- the RDF dataset is always sent explicitly (``default-graph-uri`` / ``named-graph-uri``,
  SPARQL 1.1 Protocol §2.1.4), restricted to subdip's own named graphs. The protocol dataset
  overrides a query's ``FROM``/``FROM NAMED``, so the store never fetches a URL a query names and
  never shows other graphs it may hold (other builds, the pointer, other applications' data);
- a client-side deadline bounds each query (→ ``QueryTimeout``, HTTP 503), and the answer is
  read in blocks up to the result size limit (→ ``QueryTooLarge``, 413);
- the store's own failures become ``StoreError`` subclasses with an HTTP status (502/503).

Published builds (``subdip.publication``): the store holds each build's graphs under versioned
names and a pointer graph naming the current build. The backend reads the pointer (again after
a few seconds) and shows the current build's graphs under their public names: the protocol
dataset lists the versioned graphs, a public graph IRI written in the query is rewritten to its
versioned name, and versioned names in the store's answer are written back as public ones. So
queries, results and pages look the same as in the embedded mode, and readers move to a new
build at the moment the pointer switches.

Results: the format the client negotiated is asked for; when the store sends it, the bytes are
passed on untouched, otherwise the store's answer is converted with pyoxigraph.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TextIO
from urllib.parse import urlencode

import pyoxigraph as ox

from subdip.backends.base import QueryOutcome, ResultKind
from subdip.errors import QueryError, QueryRejected, QueryTimeout, QueryTooLarge
from subdip.namespaces import PREFIXES, QUERY_BASE_IRI
from subdip.publication import legacy_graphs, read_pointer
from subdip.sparql.formats import FormatChoice, ResultFormat
from subdip.sparql.guard import (
    GuardLimits,
    Token,
    check_query,
    decode_codepoint_escapes,
    explicit_prologue,
    tokenize,
)
from subdip.store import DATASET_FILE, STORE_DIR
from subdip.storeclient import (
    Credentials,
    StoreAnswerError,
    StoreClient,
    StoreEndpoints,
    StoreTimeout,
    split_credentials,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_RESULT_BYTES = 50_000_000
TOKEN_ENV = "SUBDIP_STORE_TOKEN"
#: A graph name no store holds: the way to say "an empty graph" in the protocol's dataset.
EMPTY_GRAPH = "urn:subdip:empty-graph"
#: Formats asked for as a second choice, because pyoxigraph can convert from them.
_FALLBACK = {"solutions": "application/sparql-results+json", "graph": "application/n-triples"}
#: Seconds a pointer (or graph list) read from the store is used before it is read again.
_GRAPH_LIST_TTL = 2.0
#: Formats asked for as SPARQL JSON and converted here: Virtuoso 7.2 writes TSV with every
#: value in quotes (not the SPARQL 1.1 TSV format).
_CONVERTED = frozenset({"text/tab-separated-values"})
_EXPORT_CHECK = 60.0
_EXPORT_TIMEOUT = 600.0


class RemoteBackend:
    """Serve the subdip graphs held by an external SPARQL 1.1 store (read-only use)."""

    def __init__(
        self,
        store_url: str,
        *,
        token: str | None = None,
        limits: GuardLimits | None = None,
        max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
        lookup_timeout: float = 30.0,
    ) -> None:
        url, credentials = split_credentials(store_url)
        token = token or os.environ.get(TOKEN_ENV)
        if token:
            credentials = Credentials(token=token)
        self.client = StoreClient(
            StoreEndpoints.from_url(url), credentials=credentials, timeout=lookup_timeout
        )
        self.url = self.client.endpoints.query
        self.limits = limits or GuardLimits()
        self.max_result_bytes = max_result_bytes
        self._lock = threading.Lock()
        self._graphs: tuple[float, _View] | None = None
        self._export: tuple[float, Path] | None = None
        self._export_lock = threading.Lock()

    # -- dataset ------------------------------------------------------------------------------

    def _view(self) -> _View:
        """The current build's graphs (cached for a few seconds: every query needs them)."""
        with self._lock:
            cached = self._graphs
        if cached is not None and time.monotonic() - cached[0] < _GRAPH_LIST_TTL:
            return cached[1]
        pointer = read_pointer(self.client)
        if pointer.current is not None:
            view = _View(dict(pointer.current.graphs), pointer.current.id)
        else:
            view = _View(legacy_graphs(self.client), None)
        with self._lock:
            first = self._graphs is None
            self._graphs = (time.monotonic(), view)
        if first and not view.graphs:
            log.warning(
                "the store at %s holds none of subdip's graphs: every query will answer nothing "
                "(run 'subdip publish --to URL' first)",
                self.url,
            )
        return view

    def graph_names(self) -> list[str]:
        """subdip's named graphs in the store, by their public names."""
        return sorted(self._view().graphs)

    def current_build(self) -> str | None:
        """The id of the build the store's pointer names (None: a store without a pointer).

        It changes exactly when readers switch to another build, so it can key a response
        cache in store mode as ``report.json`` does in the embedded one."""
        return self._view().build

    def _dataset(
        self, sparql: str, default_graphs: list[str] | None, named_graphs: list[str] | None
    ) -> list[tuple[str, str]]:
        """The protocol parameters that pin the query's dataset to subdip's graphs.

        Mirrors the embedded backend: the protocol's dataset if given; else the query's own
        ``FROM``/``FROM NAMED``; else the union of all graphs as default graph, all as named.
        """
        view = self._view()
        ours = sorted(view.graphs)
        if default_graphs is None and named_graphs is None:
            from_default, from_named = dataset_clause(sparql)
            if from_default is not None or from_named is not None:
                default_graphs, named_graphs = from_default or [], from_named or []
            else:
                default_graphs, named_graphs = ours, None
        elif default_graphs is None:
            default_graphs = []  # as in the embedded store: the (empty) real default graph
        keep = set(ours)
        default = [g for g in default_graphs if g in keep] or [EMPTY_GRAPH]
        named = ours if named_graphs is None else [g for g in named_graphs if g in keep]
        params = [("default-graph-uri", view.graphs.get(g, g)) for g in default]
        params += [("named-graph-uri", view.graphs.get(g, g)) for g in (named or [EMPTY_GRAPH])]
        return params

    # -- Backend ------------------------------------------------------------------------------

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
        """Guard, pin the dataset, ask the store for the negotiated format, bound time and size."""
        info = check_query(sparql, self.limits)
        check_standard(sparql)
        formats = formats or FormatChoice()
        family = "graph" if info.form in ("CONSTRUCT", "DESCRIBE") else "solutions"
        kind: ResultKind = (
            "graph" if family == "graph" else "boolean" if info.form == "ASK" else "solutions"
        )
        wanted = formats.for_family(family)  # NotAcceptable before bothering the store
        cap = max_result_bytes or self.max_result_bytes
        started = time.monotonic()
        dataset = tuple(self._dataset(sparql, default_graphs, named_graphs))
        view = self._view()
        sent = view.rewrite_query(explicit_prologue(sparql))
        body = _form([("query", sent)]) + b"&" + _dataset_form(dataset)
        remaining = max(timeout - (time.monotonic() - started), 0.001)
        accept = wanted.media_type
        if wanted.media_type in _CONVERTED:  # never taken from a store as it is
            accept = _FALLBACK[family]
        elif _FALLBACK[family] != wanted.media_type:
            accept += f", {_FALLBACK[family]};q=0.5"
        try:
            answer = self.client.request(
                "POST",
                self.url,
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": accept,
                },
                timeout=remaining,
                max_bytes=cap,
                reuse=True,
            )
        except StoreTimeout as err:
            raise QueryTimeout(
                f"the query was stopped after the time limit of {timeout:g} s "
                f"(the store at {self.url} had not finished)",
                hint="bind more variables, add a LIMIT, or avoid unbounded property paths",
            ) from err
        except StoreAnswerError as err:
            if err.http_status == 400:  # the store's parser disagrees with the query
                raise QueryError(
                    f"the store rejected the query: {err.message.split(': ', 1)[-1]}",
                    hint="check the query's syntax",
                ) from err
            raise
        elapsed = time.monotonic() - started
        body = self._to_format(
            answer.content_type, view.publish_names(answer.body), family, wanted, cap
        )
        return QueryOutcome(kind, wanted.name, wanted.media_type, body, elapsed)

    def _to_format(
        self, content_type: str, body: bytes, family: str, wanted: ResultFormat, cap: int
    ) -> bytes:
        """Pass the bytes on if the store sent the wanted format, else convert them."""
        got = content_type.split(";", 1)[0].strip().lower()
        if got == wanted.media_type or got in wanted.aliases:
            return body
        try:
            if family == "solutions":
                parsed = ox.parse_query_results(
                    body, format=ox.QueryResultsFormat.from_media_type(got)
                )
                out = parsed.serialize(
                    format=ox.QueryResultsFormat.from_media_type(wanted.media_type)
                )
            else:
                triples = ox.parse(body, format=ox.RdfFormat.from_media_type(got))
                out = ox.serialize(
                    (q.triple for q in triples),
                    format=ox.RdfFormat.from_media_type(wanted.media_type),
                )
        except (ValueError, SyntaxError) as err:
            raise StoreAnswerError(
                f"the store at {self.url} answered in {got or 'an unnamed format'}, which "
                f"cannot be converted to {wanted.media_type}: {err}",
                hint="configure the store to offer SPARQL JSON results and N-Triples",
            ) from err
        if out is None or len(out) > cap:
            raise QueryTooLarge(
                f"the result is larger than the limit of {cap} bytes",
                hint="add a LIMIT, select fewer variables, or download the dataset instead",
            )
        return out

    def _select(self, sparql: str, named: Sequence[str]) -> list[ox.QuerySolution]:
        """Solutions over the public graphs ``named`` (sent as their versioned names); graph
        names in the answer come back public."""
        view = self._view()
        params = [("query", sparql), ("default-graph-uri", EMPTY_GRAPH)]
        params += [
            ("named-graph-uri", view.graphs.get(g, g)) for g in (list(named) or [EMPTY_GRAPH])
        ]
        answer = self.client.request(
            "POST",
            self.url,
            body=_form(params),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
            max_bytes=self.max_result_bytes,
            reuse=True,
        )
        try:
            results = ox.parse_query_results(
                view.publish_names(answer.body), format=ox.QueryResultsFormat.JSON
            )
            return list(results)
        except (ValueError, SyntaxError) as err:
            raise StoreAnswerError(
                f"the store at {self.url} sent unreadable SPARQL JSON results: {err}"
            ) from err

    def describe_resource(self, iri: str, *, limit: int = 10_000) -> list[ox.Quad]:
        """Quads with ``iri`` as subject, then as object, in subdip's graphs (``limit`` at most)."""
        try:
            node = ox.NamedNode(iri)
        except ValueError as err:
            raise QueryRejected(f"not a valid IRI: {iri!r}", hint="check the address") from err
        graphs = self.graph_names()
        out: list[ox.Quad] = []
        rows = self._select(
            f"SELECT ?p ?o ?g WHERE {{ GRAPH ?g {{ {node} ?p ?o }} }} LIMIT {int(limit)}", graphs
        )
        out += [ox.Quad(node, r["p"], r["o"], r["g"]) for r in rows]
        if len(out) < limit:
            rows = self._select(
                f"SELECT ?s ?p ?g WHERE {{ GRAPH ?g {{ ?s ?p {node} }} }} "
                f"LIMIT {int(limit) - len(out)}",
                graphs,
            )
            out += [ox.Quad(r["s"], r["p"], node, r["g"]) for r in rows]
        return out

    def count(self, graph: str | None = None) -> int:
        graphs = self.graph_names()
        if graph is not None:
            if graph not in graphs:
                return 0
            graphs = [graph]
        rows = self._select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", graphs)
        return int(rows[0]["n"].value) if rows else 0

    def dataset_file(self, cache: Path) -> Path:
        """The store's subdip graphs as one N-Quads file under ``cache`` (for the downloads).

        Store mode has no local artefact, so the downloads are made from the store itself: each
        graph is streamed with a standard ``CONSTRUCT`` as N-Triples and written with its graph
        name, never held in memory. A pyoxigraph store of it is written beside it (``store/``,
        as in a build artefact: the downloads stream from a store's index order). The folder is
        named after the published build and the graphs' triple counts, so a new publish gets a
        new one; they are looked up at most once a minute.
        """
        with self._lock:
            cached = self._export
        if (
            cached is not None
            and time.monotonic() - cached[0] < _EXPORT_CHECK
            and cached[1].is_file()
        ):
            return cached[1]
        view = self._view()
        graphs = sorted(view.graphs)
        counts = self.client.counts([view.graphs[g] for g in graphs])
        key = hashlib.sha256(repr((view.build, sorted(counts.items()))).encode()).hexdigest()[:16]
        target = cache / f"store-{key}" / DATASET_FILE
        with self._export_lock:
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                self._write_nquads(graphs, target)
        with self._lock:
            self._export = (time.monotonic(), target)
        return target

    def _write_nquads(self, graphs: list[str], target: Path) -> None:
        """``target`` (N-Quads) and ``store/`` beside it; the file appears last (it is the
        sign that the export is complete)."""
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".nq")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                for graph in graphs:
                    self._append_graph(graph, out)
            store_dir = target.parent / STORE_DIR
            if not store_dir.is_dir():
                building = Path(tempfile.mkdtemp(dir=target.parent, prefix=".store-"))
                try:
                    store = ox.Store(str(building))
                    store.bulk_load(path=temp, format=ox.RdfFormat.N_QUADS)
                    store.flush()
                    del store
                    os.rename(building, store_dir)
                finally:
                    shutil.rmtree(building, ignore_errors=True)
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    def _append_graph(self, graph: str, out: TextIO) -> None:
        """Append the public graph ``graph`` (its current version in the store) to ``out``."""
        node = ox.NamedNode(graph)
        stored = self._view().graphs.get(graph, graph)
        query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{stored}> {{ ?s ?p ?o }} }}"
        params = [("query", query), ("default-graph-uri", EMPTY_GRAPH), ("named-graph-uri", stored)]
        conn, response = self.client.open(
            "POST",
            self.url,
            body=_form(params),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/n-triples",
            },
            timeout=_EXPORT_TIMEOUT,
        )
        try:
            self.client.check(self.url, response)
            got = (response.getheader("Content-Type") or "").split(";")[0].strip()
            if got != "application/n-triples":
                raise StoreAnswerError(
                    f"the store at {self.url} answered a CONSTRUCT in {got!r}, not N-Triples",
                    hint="configure the store to offer application/n-triples",
                )
            for line in io.TextIOWrapper(response, encoding="utf-8"):
                text = line.strip()
                if text and not text.startswith("#"):
                    out.write(f"{text[:-1].rstrip()} {node} .\n")
        except (OSError, http.client.HTTPException) as err:
            raise StoreAnswerError(f"exporting {graph} from {self.url} failed: {err}") from err
        finally:
            conn.close()

    def close(self) -> None:
        """Close the pooled keep-alive connections to the store."""
        self.client.close()


class _View:
    """The current build's graphs: public IRI -> the name the store holds it under."""

    def __init__(self, graphs: dict[str, str], build: str | None) -> None:
        self.graphs = graphs
        self.build = build
        self._back = {v: p for p, v in graphs.items() if v != p}
        # the versioned names as they may appear in an answer (JSON may escape "/")
        pairs = [(v.encode(), p.encode()) for v, p in self._back.items()]
        pairs += [(v.replace(b"/", b"\\/"), p.replace(b"/", b"\\/")) for v, p in pairs]
        self._pairs = sorted(pairs, key=lambda vp: -len(vp[0]))

    def rewrite_query(self, sparql: str) -> str:
        """The query with each public graph IRI (``<…>`` or prefixed) in its versioned form.

        Graph IRIs are only ever graph names (no triple mentions them), so any occurrence can
        be rewritten; prefixed names are written out in full.
        """
        if not self._back:
            return sparql
        text = decode_codepoint_escapes(sparql)
        tokens = tokenize(text, max_depth=10_000)
        prefixes = _prefixes(tokens)
        out: list[str] = []
        at = 0
        for t in tokens:
            if t.kind not in ("iri", "word"):
                continue
            iri = _resolve(t, prefixes)
            stored = self.graphs.get(iri) if iri is not None else None
            if stored is None or stored == iri:
                continue
            width = len(t.text) + 2 if t.kind == "iri" else len(t.text)
            out.append(text[at : t.offset])
            out.append(f"<{stored}>")
            at = t.offset + width
        out.append(text[at:])
        return "".join(out)

    def publish_names(self, body: bytes) -> bytes:
        """An answer with the versioned graph names written back as the public ones."""
        for stored, public in self._pairs:
            if stored in body:
                body = body.replace(stored, public)
        return body


def _form(params: Sequence[tuple[str, str]]) -> bytes:
    return urlencode(list(params)).encode("ascii")


@lru_cache(maxsize=64)
def _dataset_form(params: tuple[tuple[str, str], ...]) -> bytes:
    """The dataset parameters, form-encoded once (the same few graph lists repeat)."""
    return _form(params)


#: IRI schemes of store-specific extension functions (Virtuoso's built-ins and SQL bridge).
_EXTENSION_SCHEMES = ("bif:", "sql:")


def check_standard(sparql: str) -> None:
    """Refuse anything but standard SPARQL 1.1, as the embedded engine parses it.

    Why: a store may accept more than the standard, and some of it reaches outside the
    dataset (Virtuoso's ``DEFINE get:soft`` pragmas fetch URLs, its ``bif:`` functions call
    into the server). Parsing with pyoxigraph on an empty store costs microseconds: SELECT,
    CONSTRUCT and DESCRIBE are evaluated lazily (nothing runs here), and an ASK is checked
    as the equivalent ``SELECT *`` so it is not evaluated either.

    >>> check_standard("DEFINE get:soft 'soft' SELECT * { ?s ?p ?o }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    subdip.errors.QueryRejected: the query is not standard SPARQL 1.1 (error at 1:10: ...
    """
    text = decode_codepoint_escapes(sparql)
    tokens = tokenize(text, max_depth=10_000)
    prefixes = {**PREFIXES, **_prefixes(tokens)}
    for t in tokens:
        iri = _resolve(t, prefixes) if t.kind in ("iri", "word") else None
        if iri is not None and iri.lower().startswith(_EXTENSION_SCHEMES):
            raise QueryRejected(
                f"<{iri}> names a store-specific extension function, which is not allowed",
                hint="use the standard SPARQL 1.1 functions",
            )
    ask = next((t for t in tokens if t.kind == "word" and t.text.upper() == "ASK"), None)
    if ask is not None:
        text = f"{text[: ask.offset]}SELECT *{text[ask.offset + 3 :]}"
    try:
        _EMPTY.query(text, base_iri=QUERY_BASE_IRI, prefixes=PREFIXES)
    except SyntaxError as err:
        detail = str(err).splitlines()[0][:200]
        raise QueryRejected(
            f"the query is not standard SPARQL 1.1 ({detail})",
            hint="remove store-specific syntax; the position is line:column in the query",
        ) from err


_EMPTY = ox.Store()


def dataset_clause(sparql: str) -> tuple[list[str] | None, list[str] | None]:
    """The IRIs of a query's ``FROM`` and ``FROM NAMED`` clauses (``None``: no such clause).

    >>> dataset_clause("PREFIX g: <http://x/> SELECT * FROM g:a FROM NAMED <http://y> {}")
    (['http://x/a'], ['http://y'])
    """
    tokens = tokenize(decode_codepoint_escapes(sparql), max_depth=10_000)
    prefixes = {**PREFIXES, **_prefixes(tokens)}
    default: list[str] | None = None
    named: list[str] | None = None
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "word" and t.text.upper() == "FROM":
            is_named = (
                i + 1 < len(tokens)
                and tokens[i + 1].kind == "word"
                and tokens[i + 1].text.upper() == "NAMED"
            )
            j = i + 2 if is_named else i + 1
            iri = _resolve(tokens[j], prefixes) if j < len(tokens) else None
            if iri is None:
                raise QueryRejected(
                    "FROM must be followed by an absolute IRI or a declared prefixed name",
                    hint="write FROM <https://w3id.org/subdip/graph/asserted>",
                )
            if is_named:
                named = [*(named or []), iri]
            else:
                default = [*(default or []), iri]
            i = j + 1
            continue
        i += 1
    return default, named


def _prefixes(tokens: list[Token]) -> dict[str, str]:
    found: dict[str, str] = {}
    for a, b, c in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if a.kind == "word" and a.text.upper() == "PREFIX" and b.kind == "word" and c.kind == "iri":
            found[b.text.rstrip(":")] = c.text
    return found


def _resolve(token: Token, prefixes: dict[str, str]) -> str | None:
    if token.kind == "iri":
        return token.text if ":" in token.text else None  # a relative IRI: refuse
    if token.kind == "word" and ":" in token.text:
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None
