"""Push the build artefact's named graphs to an external triple store, replacing them atomically.

Why this shape:

- **Standard protocols only.** Each graph goes up with the SPARQL 1.1 Graph Store HTTP Protocol
  (``PUT ?graph=``, N-Triples streamed from a file, so a million triples never sit in memory);
  a store without a Graph Store endpoint gets SPARQL 1.1 Update ``INSERT DATA`` in batches.
- **Nothing is lost on failure** (``--swap atomic``, the default up to
  :data:`ATOMIC_AUTO_LIMIT` triples). Every graph is first uploaded under a staging name
  (``urn:subdip:staging:<uuid>:<n>``) and its triple count checked; only then does one SPARQL
  Update request ``DROP SILENT GRAPH <g>; MOVE SILENT GRAPH <staging> TO GRAPH <g>; …`` swap all
  graphs at once. Oxigraph and Fuseki (TDB2) run one update request as one transaction, so readers
  see either the previous dataset or the new one. If anything fails before that, the staging
  graphs are dropped and the published graphs are untouched.
- **Large graphs** (``--swap direct``, the default above the limit): a transaction that moves a
  million triples takes Oxigraph 0.5 many minutes on disk (about 3,000 triples/s), so each
  graph is replaced in place with the store's fastest loader. Not atomic; said so in the report.
- **Verified.** After the swap each graph's ``COUNT(*)`` in the store must equal the artefact's.

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
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import pyoxigraph

from subdip.errors import BuildError, StoreError
from subdip.store import DATASET_FILE, REPORT_FILE, read_report
from subdip.storeclient import StoreAnswerError, StoreAuthError, StoreClient, StoreUnreachable

log = logging.getLogger(__name__)

Method = Literal["auto", "graph-store", "update"]
Swap = Literal["auto", "atomic", "direct"]
#: Above this many triples ``--swap auto`` replaces graphs in place (see :func:`publish`).
ATOMIC_AUTO_LIMIT = 100_000
#: Graphs at least this large go to Oxigraph through its bulk loader (it has a fixed cost).
BULK_MIN = 20_000
STAGING_PREFIX = "urn:subdip:staging:"
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
    swap: str
    graphs: list[GraphPublication]
    timings: dict[str, float] = field(default_factory=dict)
    shared_bnodes: int = 0

    @property
    def total(self) -> int:
        return sum(g.published for g in self.graphs)

    def as_json(self) -> dict:
        return asdict(self) | {"total": self.total}

    def text(self) -> str:
        via = f"Graph Store Protocol at {self.graph_store}" if self.graph_store else "SPARQL Update"
        lines = [f"published {self.total} triples to {self.store} ({via}; {self.swap} swap)"]
        width = max((len(g.graph) for g in self.graphs), default=0)
        for g in self.graphs:
            lines.append(f"  {g.graph:<{width}}  {g.published:>9} triples (artefact {g.expected})")
        stages = ", ".join(f"{k} {v:.2f} s" for k, v in self.timings.items())
        lines.append(f"  time: {stages}")
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
    takes 1 M triples in about a minute. Bulk loading is not atomic, so it is
    used only where atomicity is not needed: into staging graphs, or with ``--swap direct``.
    """

    url: str
    oxigraph: bool


def _staging_names(graphs: list[str]) -> dict[str, str]:
    run = uuid.uuid4().hex
    return {g: f"{STAGING_PREFIX}{run}:{n}" for n, g in enumerate(graphs)}


def _put_graph(
    client: StoreClient, store_url: str, graph: str, gf: GraphFile | None, *, bulk: bool = False
) -> tuple[int, str]:
    """PUT one graph's N-Triples (or nothing) into ``graph``; returns (HTTP status, Server).

    The body is streamed from the split files with a Content-Length, so neither side needs
    chunked encoding and memory stays flat whatever the graph's size. Statuses that mean
    "no Graph Store here" are returned; other errors raise.
    """
    size = gf.size if gf is not None else 0
    body = gf.blocks() if gf is not None else b""
    params = [("graph", graph)] + ([("no_transaction", "")] if bulk else [])
    conn, response = client.open(
        "PUT",
        store_url,
        params=params,
        body=body,
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
    """The first Graph Store candidate that accepts an empty PUT into a staging graph."""
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
    status, _ = _put_graph(client, target.url, graph, gf, bulk=bulk)
    if status >= 300:
        raise StoreAnswerError(
            f"the Graph Store at {target.url} refused graph {gf.graph} (HTTP {status})",
            http_status=status,
        )


def _insert_data(client: StoreClient, graph: str, ntriples: str) -> None:
    client.update(f"INSERT DATA {{ GRAPH <{graph}> {{\n{ntriples}}} }}")


def upload_update(client: StoreClient, graph: str, gf: GraphFile, batch_triples: int) -> None:
    """``INSERT DATA`` the graph in batches; the blank-node triples travel in one batch.

    N-Triples lines are valid SPARQL triple patterns, so each batch is the file's own lines.
    """
    client.update(f"DROP SILENT GRAPH <{graph}>")
    if gf.bnode_path is not None and gf.bnode_triples:
        _insert_data(client, graph, gf.bnode_path.read_text("utf-8"))
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

    def upload(self, names: dict[str, str], *, bulk: bool) -> None:
        """Upload every graph ``g`` of the artefact into the store graph ``names[g]``."""
        started = time.perf_counter()
        for g in self.graphs:
            self.say(f"uploading {self.files[g].triples} triples of {g}")
            if self.graph_store is not None:
                upload_graph_store(
                    self.client, self.graph_store, names[g], self.files[g], bulk=bulk
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
    swap: Swap = "auto",
    batch_triples: int = 20_000,
    progress: Progress | None = None,
) -> PublishReport:
    """Publish every named graph of the artefact in ``build_dir`` to the store behind ``client``.

    ``swap``: ``atomic`` uploads into staging graphs and replaces all graphs in one update
    request; ``direct`` replaces each graph in place (much faster for large graphs on stores
    whose transactions are slow, but readers may see a graph half-loaded and a failure leaves
    it so); ``auto`` is atomic up to :data:`ATOMIC_AUTO_LIMIT` triples, direct above.

    Raises :class:`BuildError` for a missing or damaged artefact and :class:`StoreError` for
    anything the store does. With an atomic swap, the published graphs are then unchanged.
    """
    say = progress or (lambda message: log.info("%s", message))
    expected = artefact_counts(build_dir)
    atomic = swap == "atomic" or (swap == "auto" and sum(expected.values()) <= ATOMIC_AUTO_LIMIT)
    with tempfile.TemporaryDirectory(prefix="subdip-publish-") as tmp:
        timings: dict[str, float] = {}
        started = time.perf_counter()
        files, shared = split_graphs(build_dir, Path(tmp))
        timings["split"] = time.perf_counter() - started
        _check_split(build_dir, expected, files)
        for g in expected:
            files.setdefault(g, GraphFile(g, Path(os.devnull)))
        staging = _staging_names(sorted(expected))

        client.sparql_json("ASK { }")  # fails early and clearly: unreachable, auth, not SPARQL
        _warn_stale_staging(client)
        graph_store = _choose_method(client, method, staging)
        job = _Job(client, files, expected, graph_store, batch_triples, say, timings)
        if atomic:
            published = _publish_atomic(job, staging)
        else:
            _drop_staging(client, list(staging.values()))  # only the empty probe graph
            published = _publish_direct(job)
    return PublishReport(
        store=client.endpoints.query,
        method="graph-store" if graph_store else "update",
        graph_store=graph_store.url if graph_store else None,
        swap="atomic" if atomic else "direct",
        graphs=[GraphPublication(g, expected[g], published[g]) for g in job.graphs],
        timings=timings,
        shared_bnodes=shared,
    )


def _choose_method(
    client: StoreClient, method: Method, staging: dict[str, str]
) -> GraphStoreTarget | None:
    if method == "update" or not staging:
        return None
    graph_store = find_graph_store(client, next(iter(staging.values())))
    if graph_store is None and method == "graph-store":
        tried = ", ".join(client.endpoints.graph_stores) or "none"
        raise StoreError(
            f"no Graph Store Protocol endpoint found (tried: {tried})",
            hint="pass --graph-store URL, or --method update",
        )
    return graph_store


def _publish_atomic(job: _Job, staging: dict[str, str]) -> dict[str, int]:
    """Staging graphs, count check, then one update request that swaps every graph."""
    try:
        job.upload(staging, bulk=True)
        job.check_counts(staging, "verify-staging")
    except (StoreError, OSError) as err:
        _drop_staging(job.client, list(staging.values()))
        if isinstance(err, OSError):
            raise StoreError(f"publishing failed: {err} — nothing was replaced") from err
        raise StoreError(
            f"{err.message} — nothing was replaced: the store's published graphs are as they were",
            hint=err.hint,
        ) from err
    started = time.perf_counter()
    job.say("replacing the published graphs in one update request")
    swap = " ;\n".join(
        f"DROP SILENT GRAPH <{g}> ;\nMOVE SILENT GRAPH <{staging[g]}> TO GRAPH <{g}>"
        for g in job.graphs
    )
    try:
        job.client.update(swap)
    except StoreAnswerError as err:  # the store answered: it refused and rolled back
        _drop_staging(job.client, list(staging.values()))
        raise StoreError(
            f"{err.message} — the swap was refused; the published graphs are as they were",
            hint=err.hint,
        ) from err
    except StoreUnreachable as err:
        # No answer: the store may still be applying the swap. Dropping the staging graphs now
        # could race with it (a MOVE from an emptied staging graph empties the target).
        raise StoreError(
            f"{err.message} — no answer to the swap request: the store may still apply it",
            hint="check the graphs' counts in a while and publish again; the staging graphs "
            f"({', '.join(staging.values())}) are left for the store to move or to be dropped",
        ) from err
    job.timings["swap"] = time.perf_counter() - started
    return job.check_counts({g: g for g in job.graphs}, "verify")


def _publish_direct(job: _Job) -> dict[str, int]:
    """Replace each graph in place, then check the counts."""
    same = {g: g for g in job.graphs}
    try:
        job.upload(same, bulk=True)
    except (StoreError, OSError) as err:
        message = err.message if isinstance(err, StoreError) else str(err)
        raise StoreError(
            f"{message} — with --swap direct some graphs may now be incomplete in the store",
            hint="publish again (the artefact is unchanged), or use --swap atomic",
        ) from err
    return job.check_counts(same, "verify")


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


def _drop_staging(client: StoreClient, names: list[str]) -> None:
    """Best effort: remove staging graphs; if the store is gone, say what to remove by hand."""
    try:
        client.update(" ;\n".join(f"DROP SILENT GRAPH <{n}>" for n in names))
    except (StoreUnreachable, StoreAuthError, StoreAnswerError) as err:
        log.warning(
            "could not remove the staging graphs %s (%s); they hold no published data and can "
            "be dropped later",
            ", ".join(names),
            err,
        )


def _warn_stale_staging(client: StoreClient) -> None:
    """Staging graphs left by an interrupted run are harmless but take space: say so."""
    query = (
        "SELECT ?g WHERE { GRAPH ?g { } "
        f'FILTER(STRSTARTS(STR(?g), "{STAGING_PREFIX}")) }} LIMIT 20'
    )
    rows = client.sparql_json(query).get("results", {}).get("bindings", [])
    if rows:
        names = ", ".join(r["g"]["value"] for r in rows)
        log.warning(
            "the store holds staging graphs from an earlier interrupted publish: %s "
            "(remove them with DROP GRAPH if no other publish is running)",
            names,
        )
