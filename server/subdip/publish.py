"""Push the build artefact's named graphs to an external triple store; switch readers at once.

Why this shape:

- **Standard protocols only.** Each graph goes up with the SPARQL 1.1 Graph Store HTTP Protocol
  (``PUT ?graph=``, N-Triples streamed from a file, so a million triples never sit in memory);
  a store without a Graph Store endpoint gets SPARQL 1.1 Update ``INSERT DATA`` in batches.
- **Atomic at any size, at the cost of a load** (``subdip.publication``). The graphs go up
  under new, versioned names (``…/graph/asserted/<build id>``), with the store's fastest
  loader (Oxigraph's bulk loader: nothing reads these graphs yet), and their triple counts are
  checked; then one SPARQL Update operation switches the small pointer graph to them. Readers
  (``subdip serve --store``) follow the pointer, so they see the previous build or the new one,
  never a mix, and a failure at any step before the switch leaves them on the previous build.
  Nothing is moved or deleted before the switch: a store's delete is a transaction far slower
  than its bulk load.
- **Old graphs go after the switch.** The previous build stays for ``--rollback``; graphs of
  older builds are dropped once readers have moved (``--keep-old`` leaves them for a later
  publish). A failed drop is a warning: readers are already on the new build.
- **Verified.** Each new graph's ``COUNT(*)`` in the store must equal the artefact's before the
  switch, and the pointer must read back the new build after it.

Blank nodes: a document's blank nodes are scoped to that document (one PUT, one update
request), so a blank node is only kept intact when all its triples travel together. In a graph
split into several ``INSERT DATA`` batches, the triples mentioning blank nodes are sent in one
batch. A blank node shared *between* graphs cannot survive a per-graph protocol; the split step
counts such nodes and the report says so.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import pyoxigraph

from subdip.errors import BuildError, StoreError
from subdip.progress import advance as progress_advance
from subdip.progress import stage as progress_stage
from subdip.publication import (
    Build,
    Pointer,
    forget_request,
    legacy_graphs,
    new_build_id,
    read_pointer,
    subdip_graphs,
    switch_request,
    versioned,
)
from subdip.store import DATASET_FILE, REPORT_FILE, read_report
from subdip.storeclient import StoreAnswerError, StoreAuthError, StoreClient, StoreUnreachable

log = logging.getLogger(__name__)

Method = Literal["auto", "graph-store", "update"]
#: Graphs at least this large go to Oxigraph through its bulk loader (it has a fixed cost).
BULK_MIN = 20_000
#: Graph Store answers meaning "no Graph Store here" (rather than "your data is wrong").
_NO_GRAPH_STORE = frozenset({404, 405, 406, 415, 501})
_READ_BLOCK = 1 << 16
_NT = pyoxigraph.RdfFormat.N_TRIPLES
_NQ = pyoxigraph.RdfFormat.N_QUADS

Progress = Callable[[str], None]


@dataclass
class GraphFile:
    """One named graph of the artefact written out as N-Triples for upload."""

    graph: str
    path: Path  # the triples without blank nodes
    bnode_path: Path | None = None  # the triples that mention blank nodes (kept together)
    triples: int = 0
    bnode_triples: int = 0
    #: called with each block's size as it is sent (a progress bar's counter)
    on_block: Callable[[int], None] | None = None

    @property
    def size(self) -> int:
        """Bytes of N-Triples, the Content-Length of the upload."""
        extra = self.bnode_path.stat().st_size if self.bnode_path else 0
        return self.path.stat().st_size + extra

    def blocks(self) -> Iterator[bytes]:
        """The whole graph as N-Triples, block by block (never all in memory)."""
        for part in (self.path, self.bnode_path):
            if part is None:
                continue
            with part.open("rb") as f:
                while block := f.read(_READ_BLOCK):
                    if self.on_block is not None:
                        self.on_block(len(block))
                    yield block


@dataclass(frozen=True)
class GraphPublication:
    graph: str
    expected: int
    published: int


@dataclass
class PublishReport:
    """What was published where, and how long each stage took (seconds)."""

    store: str
    method: str
    graph_store: str | None
    build: str
    previous: str | None
    graphs: list[GraphPublication]
    timings: dict[str, float] = field(default_factory=dict)
    shared_bnodes: int = 0
    dropped: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(g.published for g in self.graphs)

    def as_json(self) -> dict:
        return asdict(self) | {"total": self.total}

    def text(self) -> str:
        via = f"Graph Store Protocol at {self.graph_store}" if self.graph_store else "SPARQL Update"
        if self.method == "rollback":
            via = "nothing uploaded: rollback"
        lines = [
            f"published {self.total} triples to {self.store} ({via}) as build {self.build}; "
            f"readers switched from {self.previous or 'nothing'}"
        ]
        width = max((len(g.graph) for g in self.graphs), default=0)
        for g in self.graphs:
            lines.append(f"  {g.graph:<{width}}  {g.published:>9} triples (artefact {g.expected})")
        stages = ", ".join(f"{k} {v:.2f} s" for k, v in self.timings.items())
        lines.append(f"  time: {stages}")
        if self.dropped:
            lines.append(f"  dropped {len(self.dropped)} graph(s) of older builds")
        if self.shared_bnodes:
            lines.append(
                f"  warning: {self.shared_bnodes} blank node(s) occur in more than one graph; "
                "the store holds a separate copy in each"
            )
        return "\n".join(lines)


# --- the artefact ---------------------------------------------------------------------------


def artefact_counts(build_dir: Path) -> dict[str, int]:
    """Triples per named graph (by IRI) as the build recorded them in ``report.json``.

    The report keys ``counts`` by short name and maps names to IRIs in ``graphs``; a key that
    is already an IRI is taken as is.
    """
    report = read_report(build_dir)
    if not (build_dir / DATASET_FILE).is_file() or report is None:
        raise BuildError(
            f"no build artefact in {build_dir} ({DATASET_FILE} and {REPORT_FILE} are needed)",
            hint="run 'subdip build' first, or pass --build-dir",
        )
    try:
        names = report.get("graphs", {})
        return {str(names.get(key, key)): int(n) for key, n in report["counts"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise BuildError(
            f"{build_dir / REPORT_FILE} is not a readable build report ({err})",
            hint="rebuild with 'subdip build --force'",
        ) from err


def split_graphs(build_dir: Path, workdir: Path) -> tuple[dict[str, GraphFile], int]:
    """Write each named graph of ``dataset.nq`` to its own N-Triples files, in one streaming pass.

    Lines are split as text: a quad line is ``<s> <p> o <g> .`` and its triple is the line
    without the graph term, so a million lines take seconds rather than the minute a full parse
    (or pyoxigraph's per-graph dump) takes. Lines with blank nodes, and any line not in that
    canonical shape, are parsed exactly. A misread line cannot go unnoticed: the counts per
    graph must match ``report.json`` before anything is uploaded, and the store's counts after.

    Returns the files by graph IRI and the number of blank nodes found in more than one graph.
    """
    source = build_dir / DATASET_FILE
    files: dict[str, GraphFile] = {}
    handles: dict[str, tuple] = {}
    bnodes_by_graph: dict[str, set[str]] = {}
    try:
        with source.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                graph, triple = _split_line(line, source, number)
                if graph is None:
                    continue
                entry = files.get(graph)
                if entry is None:
                    n = len(files)
                    entry = GraphFile(
                        graph, workdir / f"graph-{n}.nt", workdir / f"graph-{n}-bnodes.nt"
                    )
                    handles[graph] = (
                        entry.path.open("w", encoding="utf-8"),
                        entry.bnode_path.open("w", encoding="utf-8"),  # type: ignore[union-attr]
                    )
                    files[graph] = entry
                    bnodes_by_graph[graph] = set()
                entry.triples += 1
                labels = _blank_labels(triple) if "_:" in triple else None
                if labels:
                    bnodes_by_graph[graph].update(labels)
                    entry.bnode_triples += 1
                    handles[graph][1].write(triple)
                else:
                    handles[graph][0].write(triple)
    except UnicodeDecodeError as err:
        raise BuildError(
            f"{source} is not UTF-8 ({err})",
            hint="the artefact is damaged: rebuild with 'subdip build --force'",
        ) from err
    finally:
        for plain, blank in handles.values():
            plain.close()
            blank.close()
    return files, _shared(bnodes_by_graph)


def _split_line(line: str, source: Path, number: int) -> tuple[str | None, str]:
    """(graph IRI, N-Triples line) of one N-Quads line; (None, "") for blank or comment lines."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None, ""
    if text.endswith("> ."):
        cut = text.rfind(" <")
        if cut > 0 and text[cut + 2 : -3].find(">") < 0:
            return text[cut + 2 : -3], text[:cut] + " .\n"
    try:  # not canonical: parse it properly
        quad = next(iter(pyoxigraph.parse(text.encode("utf-8"), format=_NQ)))
    except (SyntaxError, StopIteration) as err:
        raise BuildError(
            f"{source}:{number}: not an N-Quads line ({err})",
            hint="the artefact is damaged: rebuild with 'subdip build --force'",
        ) from err
    if isinstance(quad.graph_name, pyoxigraph.DefaultGraph):
        raise BuildError(
            f"{source}:{number}: a triple outside any named graph",
            hint="the artefact is damaged: rebuild with 'subdip build --force'",
        )
    return quad.graph_name.value, f"{quad.subject} {quad.predicate} {quad.object} .\n"


def _shared(bnodes_by_graph: dict[str, set[str]]) -> int:
    seen: set[str] = set()
    shared: set[str] = set()
    for labels in bnodes_by_graph.values():
        shared |= seen & labels
        seen |= labels
    return len(shared)


def _blank_labels(line: str) -> list[str]:
    """Blank nodes in subject or object position of one N-Triples line (parsed exactly)."""
    triple = next(iter(pyoxigraph.parse(line.encode("utf-8"), format=_NT)))
    return [t.value for t in (triple.subject, triple.object) if isinstance(t, pyoxigraph.BlankNode)]


# --- upload strategies ----------------------------------------------------------------------


@dataclass(frozen=True)
class GraphStoreTarget:
    """A Graph Store endpoint that answered the probe, and whether it is Oxigraph.

    Oxigraph loads a PUT body in one transaction unless ``?no_transaction`` is given, and its
    transactions on disk manage about 3,000 triples a second (measured), while its bulk loader
    takes 1 M triples in about a minute. Bulk loading is not atomic, which does not matter
    here: it writes versioned graphs that no reader uses until the pointer switch.
    """

    url: str
    oxigraph: bool


#: Largest request body sent to a Graph Store other than Oxigraph's: Virtuoso 7.2 answered a
#: 20 MB PUT with HTTP 500, so a large graph goes up as a PUT and then POSTs (appends).
CHUNK_BYTES = 4 << 20


def _put_graph(
    client: StoreClient,
    store_url: str,
    graph: str,
    gf: GraphFile | None,
    *,
    bulk: bool = False,
    method: str = "PUT",
    body: bytes | None = None,
) -> tuple[int, str]:
    """PUT one graph's N-Triples (or nothing) into ``graph``; returns (HTTP status, Server).

    The body is streamed from the split files with a Content-Length, so neither side needs
    chunked encoding and memory stays flat whatever the graph's size (or it is ``body``, one
    chunk, sent with ``method``: POST appends). Statuses that mean "no Graph Store here" are
    returned; other errors raise.
    """
    if body is not None:
        size, content = len(body), body
    else:
        size = gf.size if gf is not None else 0
        content = gf.blocks() if gf is not None else b""
    params = [("graph", graph)] + ([("no_transaction", "")] if bulk else [])
    conn, response = client.open(
        method,
        store_url,
        params=params,
        body=content,
        headers={"Content-Type": "application/n-triples", "Content-Length": str(size)},
    )
    try:
        if response.status >= 400 and response.status not in _NO_GRAPH_STORE:
            client.check(store_url, response)
        response.read()
        return response.status, response.getheader("Server", "") or ""
    finally:
        conn.close()


def find_graph_store(client: StoreClient, probe_graph: str) -> GraphStoreTarget | None:
    """The first Graph Store candidate that accepts an empty PUT into ``probe_graph`` (the
    first new versioned graph, which the upload then fills)."""
    for url in client.endpoints.graph_stores:
        status, server = _put_graph(client, url, probe_graph, None)
        if status < 300:
            return GraphStoreTarget(url, server.lower().startswith("oxigraph"))
        log.debug("no Graph Store at %s (HTTP %s)", url, status)
    return None


def upload_graph_store(
    client: StoreClient, target: GraphStoreTarget, graph: str, gf: GraphFile, *, bulk: bool
) -> None:
    bulk = bulk and target.oxigraph and gf.triples >= BULK_MIN  # small: a transaction is cheaper
    if target.oxigraph or gf.size <= CHUNK_BYTES:
        statuses = [_put_graph(client, target.url, graph, gf, bulk=bulk)[0]]
    else:
        statuses = [
            _put_graph(
                client, target.url, graph, None, method="PUT" if n == 0 else "POST", body=chunk
            )[0]
            for n, chunk in enumerate(_chunks(gf))
        ]
    if any(status >= 300 for status in statuses):
        status = max(statuses)
        raise StoreAnswerError(
            f"the Graph Store at {target.url} refused graph {gf.graph} (HTTP {status})",
            http_status=status,
        )


def _chunks(gf: GraphFile) -> Iterator[bytes]:
    """The graph in bodies of at most about :data:`CHUNK_BYTES`, cut at line ends; the
    triples with blank nodes travel together in one body (their labels are per document)."""
    if gf.bnode_path is not None and gf.bnode_triples:
        yield gf.bnode_path.read_bytes()
    with gf.path.open("rb") as lines:
        chunk: list[bytes] = []
        size = 0
        for line in lines:
            chunk.append(line)
            size += len(line)
            if size >= CHUNK_BYTES:
                yield b"".join(chunk)
                chunk, size = [], 0
        if chunk:
            yield b"".join(chunk)


def _insert_data(client: StoreClient, graph: str, ntriples: str) -> None:
    client.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{ntriples}}} }}")


def upload_update(client: StoreClient, graph: str, gf: GraphFile, batch_triples: int) -> None:
    """``INSERT DATA`` the graph in batches; the blank-node triples travel in one batch.

    N-Triples lines are valid SPARQL triple patterns, so each batch is the file's own lines.
    """
    client.update(f"DROP SILENT GRAPH <{graph}>")
    if gf.bnode_path is not None and gf.bnode_triples:
        # a template, not INSERT DATA: Virtuoso refuses blank nodes in INSERT DATA; in a
        # template matched once they are fresh nodes shared by the request's triples, the same
        client.update(
            f"INSERT {{ GRAPH <{graph}> {{\n{gf.bnode_path.read_text('utf-8')}}} }} WHERE {{ }}"
        )
    with gf.path.open("r", encoding="utf-8") as lines:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= batch_triples:
                _insert_data(client, graph, "".join(batch))
                batch = []
        if batch:
            _insert_data(client, graph, "".join(batch))


# --- the whole job --------------------------------------------------------------------------


@dataclass
class _Job:
    client: StoreClient
    files: dict[str, GraphFile]
    expected: dict[str, int]
    graph_store: GraphStoreTarget | None
    batch_triples: int
    say: Progress
    timings: dict[str, float]

    @property
    def graphs(self) -> list[str]:
        return sorted(self.expected)

    def upload(self, names: dict[str, str]) -> None:
        """Upload every graph ``g`` of the artefact into the store graph ``names[g]``."""
        started = time.perf_counter()
        for g in self.graphs:
            gf = self.files[g]
            progress_stage(
                self.say, f"uploading {gf.triples:,} triples of {g}", total=gf.size, unit="B"
            )
            gf.on_block = lambda n: progress_advance(self.say, n)
            if self.graph_store is not None:
                upload_graph_store(
                    self.client, self.graph_store, names[g], self.files[g], bulk=True
                )
            else:
                upload_update(self.client, names[g], self.files[g], self.batch_triples)
        self.timings["upload"] = time.perf_counter() - started

    def check_counts(self, names: dict[str, str], stage: str) -> dict[str, int]:
        """The store's count of each ``names[g]``; raises unless each equals the artefact's."""
        started = time.perf_counter()
        held = self.client.counts(list(names.values()))
        self.timings[stage] = time.perf_counter() - started
        wrong = [
            f"{g}: {held[names[g]]} in the store, {self.expected[g]} in the artefact"
            for g in self.graphs
            if held[names[g]] != self.expected[g]
        ]
        if wrong:
            raise StoreError(
                "the uploaded graphs do not have the artefact's triple counts: " + "; ".join(wrong),
                hint="the store may have dropped triples, or another client wrote to these "
                "graphs meanwhile; check its logs and publish again",
            )
        return {g: held[names[g]] for g in self.graphs}


def publish(
    build_dir: Path,
    client: StoreClient,
    *,
    method: Method = "auto",
    batch_triples: int = 20_000,
    keep_old: bool = False,
    progress: Progress | None = None,
) -> PublishReport:
    """Publish every named graph of the artefact in ``build_dir`` to the store behind ``client``.

    The graphs are uploaded under versioned names and checked, then the pointer is switched
    in one update operation (see the module docstring); graphs of builds older than the
    previous one are dropped afterwards unless ``keep_old``.

    Raises :class:`BuildError` for a missing or damaged artefact and :class:`StoreError` for
    anything the store does; until the switch, readers stay on the build they had.
    """
    say = progress or (lambda message: log.info("%s", message))
    expected = artefact_counts(build_dir)
    with tempfile.TemporaryDirectory(prefix="subdip-publish-") as tmp:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        files, shared = split_graphs(build_dir, Path(tmp))
        timings["split"] = time.perf_counter() - started
        _check_split(build_dir, expected, files)
        for g in expected:
            files.setdefault(g, GraphFile(g, Path(os.devnull)))

        client.sparql_json("ASK { }")  # fails early and clearly: unreachable, auth, not SPARQL
        pointer = read_pointer(client)
        previous = pointer.current or _legacy_build(client)
        build_id = new_build_id()
        names = {g: versioned(g, build_id) for g in sorted(expected)}
        graph_store = _choose_method(client, method, names)
        job = _Job(client, files, expected, graph_store, batch_triples, say, timings)
        published = _upload_checked(job, names, previous)
        new = Build(
            build_id,
            names,
            published_at=_now(),
            counts={names[g]: n for g, n in published.items()},
        )
        switched = _switch(job, new, previous, pointer.seq + 1)
        dropped = [] if keep_old else _drop_older(job, new, previous)
        older = pointer.previous.id if pointer.previous else None
        _forget(
            client,
            switched,
            [older] if older and older not in (build_id, previous.id if previous else None) else [],
        )
    return PublishReport(
        store=client.endpoints.query,
        method="graph-store" if graph_store else "update",
        graph_store=graph_store.url if graph_store else None,
        build=build_id,
        previous=previous.id if previous else None,
        graphs=[GraphPublication(g, expected[g], published[g]) for g in job.graphs],
        timings=timings,
        shared_bnodes=shared,
        dropped=dropped,
    )


def rollback(client: StoreClient, *, progress: Progress | None = None) -> PublishReport:
    """Switch readers back to the previous build (and the current one becomes the previous).

    The previous build's graphs must still hold the counts recorded when it was published;
    otherwise nothing changes. A second rollback undoes the first.
    """
    say = progress or (lambda message: log.info("%s", message))
    timings: dict[str, float] = {}
    pointer = read_pointer(client)
    if pointer.current is None or pointer.previous is None:
        raise StoreError(
            f"the store at {client.endpoints.query} has no previous build to return to",
            hint="a rollback needs two publishes by this version of subdip",
        )
    back, current = pointer.previous, pointer.current
    started = time.perf_counter()
    held = client.counts(list(back.graphs.values()))
    timings["verify"] = time.perf_counter() - started
    wrong = [
        f"{v}: {held[v]} in the store, {n} when published"
        for v, n in back.counts.items()
        if held.get(v) != n
    ]
    if wrong:
        raise StoreError(
            f"build {back.id} is no longer complete in the store: " + "; ".join(wrong),
            hint="publish the build again instead; readers stay on build " + current.id,
        )
    say(f"switching readers back to build {back.id}")
    started = time.perf_counter()
    client.update(switch_request(back, current, pointer.seq + 1))
    timings["switch"] = time.perf_counter() - started
    _forget(client, _check_pointer(client, back.id), [])
    return PublishReport(
        store=client.endpoints.query,
        method="rollback",
        graph_store=None,
        build=back.id,
        previous=current.id,
        graphs=[
            GraphPublication(p, back.counts.get(v, 0), held.get(v, 0))
            for p, v in sorted(back.graphs.items())
        ],
        timings=timings,
    )


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


def _legacy_build(client: StoreClient) -> Build | None:
    """A store published by an older subdip: its unversioned graphs as a build to return to."""
    graphs = legacy_graphs(client)
    if not graphs:
        return None
    return Build("legacy", graphs, counts=client.counts(list(graphs.values())))


def _upload_checked(job: _Job, names: dict[str, str], previous: Build | None) -> dict[str, int]:
    """Upload into the versioned graphs and check their counts; on failure drop what was
    written (best effort) and say that readers stay where they were."""
    try:
        job.upload(names)
        return job.check_counts(names, "verify")
    except (StoreError, OSError) as err:
        _drop_graphs(job.client, list(names.values()))
        stay = f"build {previous.id}" if previous else "the store's previous content"
        if isinstance(err, OSError):
            raise StoreError(f"publishing failed: {err} — nothing was switched") from err
        raise StoreError(
            f"{err.message} — nothing was switched: readers stay on {stay}", hint=err.hint
        ) from err


def _switch(job: _Job, new: Build, previous: Build | None, seq: int) -> Pointer:
    """One ``INSERT DATA`` moves readers to ``new``; then the pointer must read back."""
    job.say(f"switching readers to build {new.id}")
    started = time.perf_counter()
    try:
        job.client.update(switch_request(new, previous, seq))
    except StoreAnswerError as err:  # the store answered: the operation did not apply
        _drop_graphs(job.client, list(new.graphs.values()))
        stay = f"build {previous.id}" if previous else "the store's previous content"
        raise StoreError(
            f"{err.message} — the switch was refused; readers stay on {stay}", hint=err.hint
        ) from err
    except StoreUnreachable as err:
        # No answer: the store may still apply the switch, so the new graphs must stay.
        raise StoreError(
            f"{err.message} — no answer to the switch: the store may still apply it",
            hint=f"run 'subdip publish' again later; build {new.id}'s graphs are left in place "
            "(the next publish drops them if they were never switched to)",
        ) from err
    job.timings["switch"] = time.perf_counter() - started
    return _check_pointer(job.client, new.id)


def _check_pointer(client: StoreClient, build_id: str) -> Pointer:
    pointer = read_pointer(client)
    found = pointer.current
    if found is None or found.id != build_id:
        raise StoreError(
            f"after the switch the store's pointer names build {found.id if found else None}, "
            f"not {build_id}",
            hint="another publish ran at the same time? check and publish again",
        )
    return pointer


def _forget(client: StoreClient, pointer: Pointer, builds: list[str]) -> None:
    """Remove older switch records (best effort: readers only use the latest)."""
    request = forget_request(pointer, builds)
    if request is None:
        return
    try:
        client.update(request)
    except StoreError as err:
        log.warning("could not remove old switch records (%s); they are harmless", err)


def _drop_older(job: _Job, new: Build, previous: Build | None) -> list[str]:
    """Drop subdip's graphs that neither the new nor the previous build uses (older builds,
    leftovers of publishes that never switched). Readers are on ``new`` already."""
    keep = set(new.graphs.values()) | (set(previous.graphs.values()) if previous else set())
    started = time.perf_counter()
    try:
        old = [g for g in subdip_graphs(job.client) if g not in keep]
    except StoreError as err:
        log.warning("could not list the old graphs to drop (%s); the next publish will", err)
        return []
    if old:
        job.say(f"dropping {len(old)} graph(s) of older builds")
        _drop_graphs(job.client, old)
    job.timings["drop-old"] = time.perf_counter() - started
    return old


def _choose_method(
    client: StoreClient, method: Method, names: dict[str, str]
) -> GraphStoreTarget | None:
    if method == "update" or not names:
        return None
    graph_store = find_graph_store(client, next(iter(names.values())))
    if graph_store is None and method == "graph-store":
        tried = ", ".join(client.endpoints.graph_stores) or "none"
        raise StoreError(
            f"no Graph Store Protocol endpoint found (tried: {tried})",
            hint="pass --graph-store URL, or --method update",
        )
    return graph_store


def _check_split(build_dir: Path, expected: dict[str, int], files: dict[str, GraphFile]) -> None:
    """The dataset file must hold exactly the graphs and counts the build report lists."""
    problems = [
        f"{g}: report.json says {n}, dataset.nq has {files[g].triples if g in files else 0}"
        for g, n in expected.items()
        if (files[g].triples if g in files else 0) != n
    ]
    problems += [f"{g}: in dataset.nq, not in report.json" for g in files if g not in expected]
    if problems:
        raise BuildError(
            f"the artefact in {build_dir} is inconsistent: " + "; ".join(problems),
            hint="rebuild with 'subdip build --force'",
        )


def _drop_graphs(client: StoreClient, names: Iterable[str]) -> None:
    """Best effort, one graph per request: a failure is logged (what to remove by hand)."""
    for name in names:
        try:
            client.update(f"DROP SILENT GRAPH <{name}>")
        except (StoreUnreachable, StoreAuthError, StoreAnswerError) as err:
            log.warning("could not drop graph %s (%s); no reader uses it, drop it later", name, err)


__all__ = ["Pointer", "PublishReport", "artefact_counts", "publish", "rollback", "split_graphs"]
