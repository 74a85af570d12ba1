"""load -> validate -> reason -> a build artefact, written atomically and cached by input hash.

The artefact (``dataset.nq``, ``store/``, ``report.json``; see ``subdip.store``) is written into
a temporary folder beside the target and swapped in only once complete, so a failed or
interrupted build leaves the previous artefact as it was. A build whose inputs (ontology, data,
links, shapes, subdip version, engine) hash to the value in the existing ``report.json`` is
not redone.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import logging
import os
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import pyoxigraph as ox
from rdflib import RDF, Graph, URIRef

from subdip import __version__, paths
from subdip.errors import BuildError, NotConformingError
from subdip.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_LINKS, GRAPH_ONTOLOGY
from subdip.progress import note as progress_note
from subdip.store import (
    DATASET_FILE,
    REPORT_FILE,
    STORE_DIR,
    artefact_ready,
    quads,
    read_report,
    to_ox,
)
from subdip.store_load import StoreLoad

log = logging.getLogger(__name__)

Progress = Callable[[str], None]
STAGES = ("loading", "validating", "reasoning and writing the artefact")
GRAPH_NAMES = {
    "ontology": GRAPH_ONTOLOGY,
    "asserted": GRAPH_ASSERTED,
    "inferred": GRAPH_INFERRED,
    "links": GRAPH_LINKS,
}


@dataclass
class Inputs:
    """The files a build reads, by role."""

    ontology: list[Path]
    data: list[Path]
    links: list[Path]
    shapes: list[Path]

    def all(self) -> list[Path]:
        return sorted({*self.ontology, *self.data, *self.links, *self.shapes})


@dataclass
class BuildResult:
    """What a build produced (or found already up to date)."""

    out: Path
    up_to_date: bool
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def engine(self) -> str:
        return str(self.report.get("engine", ""))

    def summary(self) -> str:
        counts = self.report.get("counts", {})
        shown = ", ".join(f"{name} {n}" for name, n in counts.items())
        if self.up_to_date:
            return f"up to date: {self.out} ({shown})"
        total = self.report.get("seconds") or sum(self.report.get("timings", {}).values())
        return f"built {self.out} in {total:.1f} s with {self.engine} ({shown})"


def collect_inputs(data_paths: Iterable[Path] | None = None) -> Inputs:
    """The ontology, data, link and shapes files of a build.

    With ``data_paths`` the data comes from those files or folders; links are then the
    ``links/`` sub-folders of the given folders (none otherwise).
    """
    from subdip import loading

    if data_paths is None:
        data = loading.data_files()
        links = loading.link_files()
    else:
        given = [Path(p) for p in data_paths]
        link_dirs = [p / "links" for p in given if (p / "links").is_dir()]
        data = loading.expand(given, exclude=link_dirs)
        links = sorted(f for d in link_dirs for f in d.glob("*.ttl"))
    shapes = loading.expand([paths.shapes_dir()]) if paths.shapes_dir().is_dir() else []
    return Inputs(ontology=paths.ontology_files(), data=data, links=links, shapes=shapes)


def input_hash(inputs: Inputs, engine: str) -> str:
    """sha256 over each input file's name and bytes (sorted), the subdip version and engine."""
    digest = hashlib.sha256()
    root = paths.resource_root()
    for path in inputs.all():
        try:
            name = str(path.resolve().relative_to(root))
        except ValueError:
            name = str(path.resolve())
        digest.update(name.encode("utf-8") + b"\0")
        with path.open("rb") as f:  # in blocks: a 10 M-triple file is 1.5 GB
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    digest.update(f"subdip {__version__}; engine {engine}".encode())
    return digest.hexdigest()


_OX_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
}


def _labels_blank_nodes(path: Path) -> bool:
    """Whether ``_:`` occurs in the file, read in blocks (a 10 M-triple file is 1.4 GB); the
    answer is kept while the file's size and modification time stay the same (a build asks
    twice: which loader to use, and whether the store can load the file itself)."""
    stat = path.stat()
    return _scan_for_blank_labels(path.resolve(), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _scan_for_blank_labels(path: Path, _size: int, _mtime_ns: int) -> bool:
    block, tail = 1 << 24, b""
    with path.open("rb") as f:
        while chunk := f.read(block):
            if b"_:" in tail + chunk[:1] or b"_:" in chunk:
                return True
            tail = chunk[-1:]
    return False


def _load_into(store: ox.Store, files: list[Path], graph: ox.NamedNode) -> None:
    """Parse data files straight into ``graph`` of ``store`` (no rdflib objects).

    A triples file without labelled blank nodes is bulk-loaded by Oxigraph itself; otherwise
    its quads pass through Python so that blank-node labels are renamed per file (RDF merge:
    ``_:b`` in two files are two nodes) and graph names are folded into ``graph``.
    """
    for path in files:
        fmt = _OX_FORMATS.get(path.suffix.lower(), ox.RdfFormat.TURTLE)
        base = path.resolve().as_uri()
        try:
            if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES) and not _labels_blank_nodes(
                path
            ):
                store.bulk_load(path=str(path), format=fmt, base_iri=base, to_graph=graph)
                continue
            parsed = ox.parse(path=str(path), format=fmt, base_iri=base, rename_blank_nodes=True)
            store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in parsed)
        except (SyntaxError, ValueError) as err:
            from subdip.loading import load_graph

            load_graph([path])  # raises the LoadError with file:line:column if rdflib fails too
            raise BuildError(
                f"{path}: Oxigraph cannot parse this file although rdflib could ({err})",
                hint="fix the construct it names (Oxigraph is stricter about IRIs and literals)",
            ) from err


def _count(store: ox.Store, graph: URIRef) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    solution = next(iter(store.query(query)))
    return int(solution["n"].value)


class _DiskLoader:
    """Fills the on-disk store in a background thread, one job after the other.

    Oxigraph releases the GIL while it bulk-loads, so the on-disk store (the costliest part of
    a large build: RocksDB spends about 8 us of CPU per quad in a named graph) fills on one
    core while Python loads, reasons or validates on the other. Jobs (bulk loads of files, or
    any other call such as dumping ``dataset.nq``) run in the order given; ``wait`` blocks
    until all given so far are done and re-raises the first failure.
    """

    def __init__(self, path: Path) -> None:
        self.store = ox.Store(str(path))
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._done = threading.Condition()
        self._given = self._finished = 0
        self._error: Exception | None = None
        self._thread = threading.Thread(target=self._work, name="subdip-store-load", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                if self._error is None:
                    job()
            except (OSError, ValueError, SyntaxError) as err:  # re-raised by wait()
                self._error = err
            with self._done:
                self._finished += 1
                self._done.notify_all()

    def run(self, job: Callable[[], None]) -> int:
        """Queue ``job`` after the jobs already given; its number, for ``wait``."""
        self._given += 1
        self._jobs.put(job)
        return self._given

    def extend(self, quads: Iterable[ox.Quad]) -> int:
        """Queue a bulk insertion of ``quads`` (their blank nodes keep their names)."""
        return self.run(lambda: self.store.bulk_extend(quads))

    def load(self, path: Path, fmt: ox.RdfFormat, graph: ox.NamedNode | None = None) -> int:
        """Queue a bulk load of ``path`` (into ``graph`` for a triples file)."""
        target = {"to_graph": graph} if graph is not None else {}
        return self.run(
            lambda: self.store.bulk_load(path=str(path), format=fmt, lenient=True, **target)
        )

    def wait(self, job: int | None = None) -> None:
        """Block until job number ``job`` (default: every job given so far) is done."""
        given = self._given if job is None else job
        with self._done:
            self._done.wait_for(lambda: self._finished >= given)
        if self._error is not None:
            raise BuildError(f"cannot write the store: {self._error}") from self._error

    def close(self) -> None:
        """Wait for every job, flush the store to disk and end the thread."""
        try:
            self.wait()
            self.store.flush()
        finally:
            self._jobs.put(None)
            self._thread.join()
        del self.store

    def abandon(self) -> None:
        """Stop after an earlier error: wait for the running job (never leave it writing into a
        folder about to be removed) and log, not raise, its own failure."""
        try:
            self.close()
        except BuildError as err:
            log.warning("%s (while stopping after an earlier error)", err)


def _has_blank_nodes(store: ox.Store, graph: ox.NamedNode) -> bool:
    """Whether some triple of ``graph`` in ``store`` has a blank node."""
    query = f"ASK {{ GRAPH {graph} {{ ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }} }}"
    return bool(store.query(query))


def _direct_files(files: list[Path]) -> bool:
    """True when the on-disk store can load ``files`` itself, as they are: N-Triples without
    blank nodes, so the store and the in-memory copy ``dataset.nq`` is dumped from hold the
    very same terms (two loads of a blank node would name it differently)."""
    return bool(files) and all(
        path.suffix.lower() == ".nt" and not _labels_blank_nodes(path) for path in files
    )


def _reason(
    memory: ox.Store, ontology: Graph, data: Graph, engine: str, timings: dict[str, float]
) -> tuple[list[tuple[Any, Any, Any]], int, dict[str, int]]:
    """The inferred triples (pyoxigraph terms), how many were derived, and the drops."""
    from subdip.reasoning import fast_inferences, infer_detail, rules_for

    started = time.perf_counter()
    asserted = ox.NamedNode(str(GRAPH_ASSERTED))
    if engine == "owlrl":
        inference = infer_detail(ontology, data, engine="owlrl")
        new = [(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in inference.graph]
        derived, dropped = inference.derived, inference.dropped
    else:
        rules = rules_for(ontology, data)
        # read back only the triples whose predicate some rule reads or concludes
        predicates = [to_ox(p) for p in sorted(rules.properties() | {RDF.type})]
        triples = (
            (q.subject, q.predicate, q.object)
            for p in predicates
            for q in memory.quads_for_pattern(None, p, None, asserted)
        )
        fast = fast_inferences(ontology, rules, triples)
        new, derived, dropped = fast.triples, fast.derived, fast.dropped
    timings["reason"] = time.perf_counter() - started
    return new, derived, dropped


def _add_inferred(
    new: list[tuple[Any, Any, Any]],
    part: Path,
    *,
    memory: ox.Store,
    disk: _DiskLoader,
    dumped: Future[None],
) -> None:
    """Write ``new`` to ``part`` (N-Quads, inferred graph), into the on-disk store and, once
    the dataset is dumped (``dumped``), into the in-memory store; ``new`` is emptied.

    The quads are streamed, never held as a list: at 10 M triples 4.6 M ``ox.Quad`` objects
    took 2.6 GB, the build's peak. Both stores then load the file in Rust. A bulk load renames
    blank nodes, which would cut an inferred triple off the node it is about, so inferences
    with blank nodes are inserted as quads instead (small ontologies with anonymous nodes).
    """
    graph = ox.NamedNode(str(GRAPH_INFERRED))
    if any(isinstance(t, ox.BlankNode) for s, _, o in new for t in (s, o)):
        listed = [ox.Quad(s, p, o, graph) for s, p, o in new]
        ox.serialize(listed, str(part), ox.RdfFormat.N_QUADS)
        disk.extend(listed)
        _wait_for_dump(dumped)
        memory.extend(listed)
        return
    ox.serialize((ox.Quad(s, p, o, graph) for s, p, o in new), str(part), ox.RdfFormat.N_QUADS)
    new.clear()  # its terms are garbage from here on (the caller holds the only other reference)
    disk.load(part, ox.RdfFormat.N_QUADS)
    _wait_for_dump(dumped)  # read and dumped before the inferences join the in-memory store
    memory.bulk_load(path=str(part), format=ox.RdfFormat.N_QUADS)


def _wait_for_dump(dumped: Future[None]) -> None:
    try:
        dumped.result()
    except (OSError, ValueError) as err:
        raise BuildError(f"cannot write {DATASET_FILE}: {err}") from err


def _write_artefact(
    target: Path,
    *,
    memory: ox.Store,
    ontology: Graph,
    data: Graph,
    links: Graph,
    engine: str,
    timings: dict[str, float],
    validated: _ChildProcess | None = None,
    stored: StoreLoad | None = None,
) -> dict[str, Any]:
    """Reason and write store/ and dataset.nq into ``target``; return the report's parts.

    The dataset is assembled in ``memory``, an in-memory Oxigraph store that already holds the
    asserted graph (reading quads back from RocksDB costs about 15 times more). ``stored``, if
    given, is the child process filling the on-disk store's asserted graph from the data files
    (``StoreLoad``, started with the build); the store is opened here once it is done, after
    reasoning. Otherwise the asserted graph is copied to the store from ``memory``, and the
    ontology and links graphs follow, while the inferences are computed. They are dumped with
    the asserted one to ``dataset.nq``; the inferred graph is then appended to both
    (``_add_inferred``: blank nodes never pass through a file, a bulk load would rename them).
    Only then is the forked validation (``validated``) waited for: the artefact is in a
    temporary folder that is dropped if the data does not conform, so nothing on the critical
    path waits for validation but the final swap. owlrl works on the rdflib graphs; the fast
    engine reads the data from Oxigraph, so at scale no data triple ever becomes an rdflib
    object.
    """
    dataset = target / DATASET_FILE
    disk = None if stored is not None else _DiskLoader(target / STORE_DIR)
    # dataset.nq is dumped in a thread of its own, not queued behind the store's bulk loads:
    # the reasoner's output then joins the in-memory store (and its statistics are taken)
    # while RocksDB is still writing (Oxigraph dumps without the GIL)
    dumper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="subdip-dump")
    try:
        added = [*quads(ontology, GRAPH_ONTOLOGY), *quads(links, GRAPH_LINKS)]
        memory.extend(added)
        asserted = ox.NamedNode(str(GRAPH_ASSERTED))
        if disk is not None and not _has_blank_nodes(memory, asserted):
            # through a file Oxigraph parses without the GIL (nothing for it to rename)
            triples = target / "asserted.nt"
            disk.run(lambda: memory.dump(str(triples), ox.RdfFormat.N_TRIPLES, from_graph=asserted))
            disk.load(triples, ox.RdfFormat.N_TRIPLES, asserted)
            disk.run(triples.unlink)
        elif disk is not None:  # as quads: a bulk load of a file would rename its blank nodes
            # (the iterator is made in the loader's thread: pyoxigraph's are bound to theirs)
            loader = disk
            loader.run(
                lambda: loader.store.bulk_extend(
                    memory.quads_for_pattern(None, None, None, asserted)
                )
            )
        if disk is not None:
            disk.extend(added)
        dumped = dumper.submit(memory.dump, str(dataset), ox.RdfFormat.N_QUADS)
        new, derived, dropped = _reason(memory, ontology, data, engine, timings)
        started = time.perf_counter()
        if stored is not None:  # the asserted graph is in the store: open it for the others
            stored.wait()
            timings["store"] = stored.seconds
            disk = _DiskLoader(target / STORE_DIR)
            disk.extend(added)
        part = target / "inferred.nq"
        inferred = len(new)  # distinct by construction; the other graphs are counted
        _add_inferred(new, part, memory=memory, disk=disk, dumped=dumped)
        del new
        counts = {
            name: inferred if name == "inferred" else _count(memory, iri)
            for name, iri in GRAPH_NAMES.items()
        }
        statistics = _statistics(memory)
    except BaseException:
        if disk is not None:
            disk.abandon()
        raise
    finally:
        dumper.shutdown(wait=True)  # never leave it writing into a folder about to be removed
    disk.close()
    with dataset.open("ab") as head, part.open("rb") as tail:
        shutil.copyfileobj(tail, head)
    part.unlink()
    timings["write"] = time.perf_counter() - started
    if validated is not None:  # the forked validation ran meanwhile
        _raise_unless_conforms(validated.result())
        timings["validate"] = validated.seconds
        # its own CPU seconds: beside the reasoner and the store, wall time is not all work
        timings["validate_cpu"] = validated.cpu
    return {
        "counts": counts,
        "inference": {"derived": derived, "dropped": dropped},
        "statistics": statistics,
    }


def _raise_unless_conforms(result: Any) -> None:
    if not result.conforms:
        raise NotConformingError(
            f"the data does not conform to the shapes ({result.summary()}); nothing was built",
            report=result,
            hint="fix the violations listed above, then build again",
        )


def _statistics(memory: ox.Store) -> Any:
    """VoID's counts, taken from the in-memory store so that ``subdip serve`` need not scan."""
    from subdip.web.service_description import gather_stats_from_store

    return gather_stats_from_store(memory)


def _write_statistics(target: Path, statistics: Any) -> None:
    """Put the statistics where the web app looks for them (``web-cache/``, by input hash)."""
    from subdip.web.service_description import stats_cache_file, write_stats

    cache = stats_cache_file({"BUILD_DIR": str(target)})
    if cache is not None:
        write_stats(statistics, cache)


def _swap_in(new: Path, out: Path) -> None:
    """Replace ``out`` by ``new``; the old artefact is removed only after ``new`` is in place."""
    old: Path | None = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.rename(out, old / out.name)
    try:
        os.rename(new, out)
    except OSError:
        if old is not None:  # put the previous artefact back before reporting the failure
            os.rename(old / out.name, out)
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


#: Data files adding up to this many bytes (Turtle: roughly 20,000 triples and more) are
#: loaded with Oxigraph and validated there by the fast SHACL engine: at 1 M triples parsing
#: with rdflib alone takes over 30 s. Smaller inputs keep rdflib and pySHACL, the reference,
#: whose reports also carry each focus node's file and line.
SCALE_BYTES = 2_000_000


def _data_bytes(files: list[Path]) -> int:
    return sum(path.stat().st_size for path in files)


def _load_at_scale(
    files: list[Path], timings: dict[str, float], started: float
) -> tuple[ox.Store, Graph, int]:
    """The data in an in-memory Oxigraph store, plus the few axioms it states as rdflib triples
    (the reasoner's rules may come from the data too) and its size."""
    from subdip.rules import AXIOM_TYPES, SCHEMA_PREDICATES
    from subdip.store import to_rdflib

    memory = ox.Store()
    asserted = ox.NamedNode(str(GRAPH_ASSERTED))
    _load_into(memory, files, asserted)
    axioms = Graph()
    patterns = [(to_ox(p), None) for p in SCHEMA_PREDICATES]
    patterns += [(ox.NamedNode(str(RDF.type)), to_ox(kind)) for kind in AXIOM_TYPES]
    for predicate, obj in patterns:
        for q in memory.quads_for_pattern(None, predicate, obj, asserted):
            axioms.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
    size = _count(memory, GRAPH_ASSERTED)
    timings["load"] = time.perf_counter() - started
    return memory, axioms, size


class _ChildProcess:
    """Runs ``target(*args)`` in a forked child process while the parent goes on, and hands
    back its result.

    Why a process: Oxigraph's queries and the fast reasoner (Python) each keep a core busy, and
    pyoxigraph holds the GIL while it evaluates a query, so threads cannot overlap them. The
    forked child sees the parent's memory (an in-memory store loaded before the fork) without
    copying it: pages are shared until the parent writes, and the parent only appends. Fork
    suits work on the parent's memory that starts no Oxigraph threads (queries, not bulk
    loads: see ``subdip.store_load``). The child sends back what ``target`` returned (it must
    pickle) or the exception it raised. Where fork is unavailable ``target`` runs here, at once.
    """

    def __init__(
        self, target: Callable[..., Any], args: tuple[Any, ...], *, what: str, hint: str
    ) -> None:
        import multiprocessing

        self._what, self._hint = what, hint
        self._process: Any = None
        self._result: Any = None
        #: how long ``target`` took, and its CPU seconds (known once ``result`` returned)
        self.seconds = self.cpu = 0.0
        if "fork" not in multiprocessing.get_all_start_methods():
            started, cpu = time.perf_counter(), time.process_time()
            self._result = ("ok", target(*args), 0.0, 0.0)
            self.seconds = time.perf_counter() - started
            self.cpu = time.process_time() - cpu
            return
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_child_body, args=(target, args, send), daemon=True)
        self._process.start()
        send.close()

    def result(self) -> Any:
        """What ``target`` returned; re-raises the child's error (as a ``BuildError`` if it was
        not one of subdip's own)."""
        if self._result is None:
            try:
                self._result = self._receive.recv()
            except EOFError:
                self._process.join()
                raise BuildError(
                    f"the {self._what} process ended without an answer (exit code "
                    f"{self._process.exitcode}; out of memory?)",
                    hint=self._hint,
                ) from None
            finally:
                self._receive.close()
                self._process.join()
        kind, payload, seconds, cpu = self._result
        self.seconds, self.cpu = self.seconds or seconds, self.cpu or cpu
        if kind == "error":
            raise payload
        if kind == "crash":
            raise BuildError(f"the {self._what} failed unexpectedly: {payload}")
        return payload

    def stop(self) -> None:
        """End the child if it still runs (the build stopped for another reason)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()


def _child_body(target: Callable[..., Any], args: tuple[Any, ...], send: Any) -> None:
    """Body of a child process (see ``_ChildProcess``)."""
    import traceback

    from subdip.errors import SubdipError

    started, cpu = time.perf_counter(), time.process_time()
    try:
        payload: tuple[str, Any] = ("ok", target(*args))
    except SubdipError as err:
        payload = ("error", err)
    except Exception:  # the parent reports it; a child must never die silently
        payload = ("crash", traceback.format_exc(limit=5))
    send.send((*payload, time.perf_counter() - started, time.process_time() - cpu))
    send.close()


def _validation(memory: ox.Store, ontology: Graph, links: Graph) -> _ChildProcess:
    """Validate the in-memory store in a forked child while the parent reasons."""
    return _ChildProcess(
        _validated,
        (memory, ontology, links),
        what="validation",
        hint="run 'subdip validate' on the data to see the problem",
    )


def _validated(memory: ox.Store, ontology: Graph, links: Graph) -> Any:
    """The ``ValidationResult``, in a form that pickles (the child sends it back)."""
    import pickle

    result = _validate_at_scale(memory, ontology, links)
    try:
        pickle.dumps(result)
    except (pickle.PicklingError, TypeError, AttributeError):
        result = _portable(result)
    return result


def _portable(result: Any) -> Any:
    """The result with its report graph as N-Triples text (always picklable)."""
    from subdip.validation import ValidationResult

    graph = Graph()
    graph.parse(data=result.report_graph.serialize(format="nt"), format="nt")
    return ValidationResult(result.conforms, result.results, graph)


def _validate_at_scale(memory: ox.Store, ontology: Graph, links: Graph) -> Any:
    """Validate the asserted graph (with the links, as the small path does) in place.

    The link triples are added to the asserted graph for the validation only and removed
    afterwards (those the data did not already state), so the store keeps the data as loaded.
    """
    from subdip.validation import validate_store

    asserted = ox.NamedNode(str(GRAPH_ASSERTED))
    added = [q for q in quads(links, GRAPH_ASSERTED) if q not in memory]
    memory.extend(added)
    try:
        return validate_store(memory, asserted, ontology=ontology)
    finally:
        for q in added:
            memory.remove(q)


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _cycle_collector_paused(work: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``work`` with Python's cycle collector off, and restore it however ``work`` ends.

    A build allocates tens of millions of containers that never form cycles (the reasoner's
    fact tuples and per-subject index sets, the terms read back from Oxigraph) and frees them by
    reference counting; the collector would only walk them again and again. At 1 M triples it
    spent 2.5 s of the build process's 29 s of CPU doing so (counted with ``gc.callbacks``), the
    reasoning stage most. The forked validation child inherits the setting.
    """

    @functools.wraps(work)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return work(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


@_cycle_collector_paused
def build(
    *,
    data_paths: Iterable[Path] | None = None,
    out: Path | None = None,
    force: bool = False,
    engine: str = "auto",
    progress: Progress | None = None,
) -> BuildResult:
    """Build the dataset artefact into ``out`` (default ``paths.default_build_dir()``).

    Raises ``LoadError`` (unreadable input), ``NotConformingError`` (the data violates the
    shapes; ``err.report`` is the ``ValidationResult``) or ``BuildError`` (inconsistent data,
    unwritable target); in each case the previous artefact is left untouched.
    """
    from subdip import loading, validation
    from subdip.reasoning import check_engine

    check_engine(engine)  # reject an unknown engine before any work
    out = Path(out) if out is not None else paths.default_build_dir()
    step = progress or (lambda _stage: None)
    timings: dict[str, float] = {}
    began = time.perf_counter()

    inputs = collect_inputs(data_paths)
    digest = input_hash(inputs, engine)
    previous = read_report(out)
    if not force and previous and previous.get("input_hash") == digest and artefact_ready(out):
        return BuildResult(out=out, up_to_date=True, report=previous)

    started = time.perf_counter()
    step(STAGES[0])
    ontology = loading.load_graph(inputs.ontology).graph
    links = loading.load_graph(inputs.links).graph if inputs.links else Graph()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    child: _ChildProcess | None = None
    stored: StoreLoad | None = None
    try:
        if engine != "owlrl" and _data_bytes(inputs.data) >= SCALE_BYTES:
            if _direct_files(inputs.data):  # the store fills from the files meanwhile
                stored = StoreLoad(tmp / STORE_DIR, str(GRAPH_ASSERTED), inputs.data)
            memory, data_graph, size = _load_at_scale(inputs.data, timings, started)
            progress_note(progress, f"{size:,} triples")
            step(STAGES[1])
            # forked while no thread of the parent runs; the store's loader is a process
            # of its own, so this child holds no copy of RocksDB's loading buffers
            child = _validation(memory, ontology, links)
        else:
            data = loading.load_graph(inputs.data)
            data_graph, size = data.graph, len(data.graph)
            timings["load"] = time.perf_counter() - started
            step(STAGES[1])
            started = time.perf_counter()
            checked = data.graph + links if len(links) else data.graph
            result = validation.validate(checked, ontology=ontology, locate=data.locate)
            memory = None
            timings["validate"] = time.perf_counter() - started
            _raise_unless_conforms(result)

        step(STAGES[2])
        from subdip.reasoning import choose_engine, rules_for

        chosen = choose_engine(engine, size, rules_for(ontology, data_graph))
        if memory is None:
            memory = ox.Store()
            if chosen == "owlrl":
                memory.extend(quads(data_graph, GRAPH_ASSERTED))
            else:
                _load_into(memory, inputs.data, ox.NamedNode(str(GRAPH_ASSERTED)))
        parts = _write_artefact(
            tmp,
            memory=memory,
            ontology=ontology,
            data=data_graph,
            links=links,
            engine=chosen,
            timings=timings,
            validated=child,
            stored=stored,
        )
        report: dict[str, Any] = {
            "input_hash": digest,
            "subdip_version": __version__,
            "engine": chosen,
            "engine_requested": engine,
            "counts": parts["counts"],
            "graphs": {name: str(iri) for name, iri in GRAPH_NAMES.items()},
            "inference": parts["inference"],
            "validation": "conforms (SHACL before reasoning; consistency of the inferences "
            "checked by the reasoner)",
            "inputs": [str(p) for p in inputs.all()],
            "timings": {k: round(v, 3) for k, v in timings.items()},
            # wall time of the whole build (stages may overlap: validation runs beside reasoning)
            "seconds": round(time.perf_counter() - began, 3),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        progress_note(progress, f"{parts['inference']['derived']:,} triples derived")
        (tmp / REPORT_FILE).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        _write_statistics(tmp, parts["statistics"])
        _swap_in(tmp, out)
    finally:
        for process in (child, stored):
            if process is not None:
                process.stop()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    if progress is not None and hasattr(progress, "done"):
        progress.done()
    log.debug("built %s: %s", out, report["counts"])
    return BuildResult(out=out, up_to_date=False, report=report)
