"""Push the build artefact's named graphs to an external triple store, replacing them atomically.

Why this shape:

- **Standard protocols only.** Each graph goes up with the SPARQL 1.1 Graph Store HTTP Protocol
  (``PUT ?graph=``, N-Triples streamed from a file, so a million triples never sit in memory);
  a store without a Graph Store endpoint gets SPARQL 1.1 Update ``INSERT DATA`` in batches.
- **Nothing is lost on failure.** Every graph is first uploaded under a staging name
  (``urn:subdip:staging:<uuid>:<n>``) and its triple count checked; only then does one SPARQL
  Update request ``DROP SILENT GRAPH <g>; MOVE SILENT GRAPH <staging> TO GRAPH <g>; …`` swap all
  graphs at once. Oxigraph and Fuseki (TDB2) run one update request as one transaction, so readers
  see either the previous dataset or the new one. If anything fails before the swap, the
  staging graphs are dropped and the published graphs are untouched.
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
STAGING_PREFIX = "urn:subdip:staging:"
#: Graph Store answers meaning "no Graph Store here" (rather than "your data is wrong").
_NO_GRAPH_STORE = frozenset({404, 405, 406, 415, 501})
_READ_BLOCK = 1 << 16

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
    staged: int
    published: int


@dataclass
class PublishReport:
    """What was published where, and how long each stage took (seconds)."""

    store: str
    method: str
    graph_store: str | None
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
        lines = [f"published {self.total} triples to {self.store} ({via})"]
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
    """Write each named graph of ``dataset.nq`` to its own N-Triples file, in one streaming pass.

    Returns the files by graph IRI and the number of blank nodes found in more than one graph.
    Raises :class:`BuildError` if the dataset has triples outside named graphs or cannot be
    parsed.
    """
    files: dict[str, GraphFile] = {}
    handles: dict[str, tuple] = {}
    bnodes_by_graph: dict[str, set[str]] = {}
    source = build_dir / DATASET_FILE
    try:
        for quad in pyoxigraph.parse(path=str(source), format=pyoxigraph.RdfFormat.N_QUADS):
            g = quad.graph_name
            if isinstance(g, pyoxigraph.DefaultGraph):
                raise BuildError(
                    f"{source} has a triple outside any named graph: {quad.triple}",
                    hint="the artefact is damaged: rebuild with 'subdip build --force'",
                )
            key = g.value
            entry = files.get(key)
            if entry is None:
                n = len(files)
                entry = GraphFile(key, workdir / f"graph-{n}.nt")
                plain = entry.path.open("w", encoding="utf-8")
                entry.bnode_path = workdir / f"graph-{n}-bnodes.nt"
                handles[key] = (plain, entry.bnode_path.open("w", encoding="utf-8"))
                files[key] = entry
                bnodes_by_graph[key] = set()
            line = f"{quad.subject} {quad.predicate} {quad.object} .\n"
            entry.triples += 1
            blank = [
                t.value for t in (quad.subject, quad.object) if isinstance(t, pyoxigraph.BlankNode)
            ]
            if blank:
                bnodes_by_graph[key].update(blank)
                entry.bnode_triples += 1
                handles[key][1].write(line)
            else:
                handles[key][0].write(line)
    except SyntaxError as err:
        raise BuildError(
            f"{source} cannot be parsed as N-Quads: {err}",
            hint="the artefact is damaged: rebuild with 'subdip build --force'",
        ) from err
    finally:
        for plain, blank in handles.values():
            plain.close()
            blank.close()
    seen: set[str] = set()
    shared: set[str] = set()
    for labels in bnodes_by_graph.values():
        shared |= seen & labels
        seen |= labels
    return files, len(shared)


# --- upload strategies ----------------------------------------------------------------------


def _staging_names(graphs: list[str]) -> dict[str, str]:
    run = uuid.uuid4().hex
    return {g: f"{STAGING_PREFIX}{run}:{n}" for n, g in enumerate(graphs)}


def _put_graph(client: StoreClient, store_url: str, graph: str, gf: GraphFile | None) -> int:
    """PUT one graph's N-Triples (or nothing) into ``graph``; returns the HTTP status.

    The body is streamed from the split files with a Content-Length, so neither side needs
    chunked encoding and memory stays flat whatever the graph's size. Statuses that mean
    "no Graph Store here" are returned; other errors raise.
    """
    size = gf.size if gf is not None else 0
    body = gf.blocks() if gf is not None else b""
    conn, response = client.open(
        "PUT",
        store_url,
        params=[("graph", graph)],
        body=body,
        headers={"Content-Type": "application/n-triples", "Content-Length": str(size)},
    )
    try:
        if response.status >= 400 and response.status not in _NO_GRAPH_STORE:
            client.check(store_url, response)
        response.read()
        return response.status
    finally:
        conn.close()


def find_graph_store(client: StoreClient, probe_graph: str) -> str | None:
    """The first Graph Store candidate that accepts an empty PUT into a staging graph."""
    for url in client.endpoints.graph_stores:
        status = _put_graph(client, url, probe_graph, None)
        if status < 300:
            return url
        log.debug("no Graph Store at %s (HTTP %s)", url, status)
    return None


def upload_graph_store(client: StoreClient, url: str, staging: str, gf: GraphFile) -> None:
    status = _put_graph(client, url, staging, gf)
    if status >= 300:
        raise StoreAnswerError(
            f"the Graph Store at {url} refused graph {gf.graph} (HTTP {status})",
            http_status=status,
        )


def _insert_data(client: StoreClient, staging: str, ntriples: str) -> None:
    client.update(f"INSERT DATA {{ GRAPH <{staging}> {{\n{ntriples}}} }}")


def upload_update(client: StoreClient, staging: str, gf: GraphFile, batch_triples: int) -> None:
    """``INSERT DATA`` the graph in batches; the blank-node triples travel in one batch.

    N-Triples lines are valid SPARQL triple patterns, so each batch is the file's own lines.
    """
    client.update(f"DROP SILENT GRAPH <{staging}>")
    if gf.bnode_path is not None and gf.bnode_triples:
        _insert_data(client, staging, gf.bnode_path.read_text("utf-8"))
    with gf.path.open("r", encoding="utf-8") as lines:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= batch_triples:
                _insert_data(client, staging, "".join(batch))
                batch = []
        if batch:
            _insert_data(client, staging, "".join(batch))


# --- the whole job --------------------------------------------------------------------------


def publish(
    build_dir: Path,
    client: StoreClient,
    *,
    method: Method = "auto",
    batch_triples: int = 20_000,
    progress: Progress | None = None,
) -> PublishReport:
    """Publish every named graph of the artefact in ``build_dir`` to the store behind ``client``.

    Raises :class:`BuildError` for a missing or damaged artefact and :class:`StoreError` for
    anything the store does; in both cases the store's published graphs are unchanged.
    """
    say = progress or (lambda message: log.info("%s", message))
    timings: dict[str, float] = {}
    expected = artefact_counts(build_dir)
    with tempfile.TemporaryDirectory(prefix="subdip-publish-") as tmp:
        started = time.perf_counter()
        files, shared = split_graphs(build_dir, Path(tmp))
        timings["split"] = time.perf_counter() - started
        _check_split(build_dir, expected, files)
        graphs = sorted(expected)
        for g in graphs:
            files.setdefault(g, GraphFile(g, Path(os.devnull)))
        staging = _staging_names(graphs)

        started = time.perf_counter()
        client.sparql_json("ASK { }")  # fails early and clearly: unreachable, auth, not SPARQL
        _warn_stale_staging(client)
        graph_store: str | None = None
        if method in ("auto", "graph-store"):
            graph_store = find_graph_store(client, staging[graphs[0]]) if graphs else None
            if graph_store is None and method == "graph-store":
                tried = ", ".join(client.endpoints.graph_stores) or "none"
                raise StoreError(
                    f"no Graph Store Protocol endpoint found (tried: {tried})",
                    hint="pass --graph-store URL, or --method update",
                )
        try:
            for g in graphs:
                say(f"uploading {files[g].triples} triples of {g}")
                if graph_store is not None:
                    upload_graph_store(client, graph_store, staging[g], files[g])
                else:
                    upload_update(client, staging[g], files[g], batch_triples)
            timings["upload"] = time.perf_counter() - started

            started = time.perf_counter()
            staged = client.counts(list(staging.values()))
            wrong = [
                f"{g}: {staged[staging[g]]} in the store, {expected[g]} in the artefact"
                for g in graphs
                if staged[staging[g]] != expected[g]
            ]
            if wrong:
                raise StoreError(
                    "the uploaded graphs do not have the artefact's triple counts: "
                    + "; ".join(wrong),
                    hint="the store may have dropped or merged triples; check its logs",
                )
            timings["verify-staging"] = time.perf_counter() - started
        except (StoreError, OSError) as err:
            _drop_staging(client, list(staging.values()))
            if isinstance(err, OSError):
                raise StoreError(f"publishing failed: {err}") from err
            raise StoreError(
                f"{err.message} — nothing was replaced: the store's published graphs are as "
                "they were",
                hint=err.hint,
            ) from err

    started = time.perf_counter()
    say("replacing the published graphs in one update request")
    swap = " ;\n".join(
        f"DROP SILENT GRAPH <{g}> ;\nMOVE SILENT GRAPH <{staging[g]}> TO GRAPH <{g}>"
        for g in graphs
    )
    try:
        client.update(swap)
    except StoreError:
        _drop_staging(client, list(staging.values()))
        raise
    timings["swap"] = time.perf_counter() - started

    started = time.perf_counter()
    published = client.counts(graphs)
    timings["verify"] = time.perf_counter() - started
    report = PublishReport(
        store=client.endpoints.query,
        method="graph-store" if graph_store else "update",
        graph_store=graph_store,
        graphs=[GraphPublication(g, expected[g], staged[staging[g]], published[g]) for g in graphs],
        timings=timings,
        shared_bnodes=shared,
    )
    mismatched = [g for g in report.graphs if g.published != g.expected]
    if mismatched:
        raise StoreError(
            "after the swap the store's counts differ from the artefact's: "
            + "; ".join(f"{g.graph}: {g.published} != {g.expected}" for g in mismatched),
            hint="another client may have written to these graphs meanwhile; publish again",
        )
    return report


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
