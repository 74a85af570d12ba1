"""The build artefact's pyoxigraph store as a backend.

Queries run, by ``isolation``, in an :class:`~subdip.sparql.executor.ExecutorPool` (``process``:
child processes, killed at the time limit) or in a :class:`~subdip.sparql.inworker.ThreadRunner`
(``worker``: threads of this process, for a server whose watchdog replaces a worker whose query
overran; sorting queries still go to one query process, since the engine can abort on a
sort). Small fixed lookups (a resource's quads, graph names, counts) are quad-pattern scans
that cannot run away, so they use a read-only handle in the calling process.

The pool, the runner and the handle are created lazily and per process id: a backend created
before a fork gives each child process its own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import pyoxigraph as ox

from subdip.backends.base import QueryOutcome
from subdip.errors import BuildError
from subdip.sparql.executor import DEFAULT_MEMORY_MIB, ExecutorPool, Job
from subdip.sparql.formats import FormatChoice
from subdip.sparql.guard import GuardLimits, check_query
from subdip.sparql.inworker import ThreadRunner

DEFAULT_MAX_RESULT_BYTES = 50_000_000


class EmbeddedBackend:
    """Serve ``build_dir/store`` (opened read-only, never modified)."""

    def __init__(
        self,
        build_dir: Path,
        *,
        processes: int = 2,
        limits: GuardLimits | None = None,
        max_result_bytes: int = DEFAULT_MAX_RESULT_BYTES,
        memory_mib: int = DEFAULT_MEMORY_MIB,
        isolation: Literal["process", "worker"] = "process",
        on_overrun: Callable[[], None] | None = None,
    ) -> None:
        self.store_path = Path(build_dir) / "store"
        if not self.store_path.is_dir():
            raise BuildError(
                f"no store at {self.store_path}",
                hint="run 'subdip build' first (or 'subdip serve', which builds when needed)",
            )
        self.processes = processes
        self.limits = limits or GuardLimits()
        self.max_result_bytes = max_result_bytes
        self.memory_mib = memory_mib
        if isolation not in ("process", "worker"):
            raise ValueError(f"isolation must be 'process' or 'worker', not {isolation!r}")
        self.isolation = isolation
        self.on_overrun = on_overrun
        self._lock = threading.Lock()
        self._pool: ExecutorPool | None = None
        self._runner: ThreadRunner | None = None
        self._store: ox.Store | None = None
        self._pid = os.getpid()

    # -- per-process resources ---------------------------------------------------------------

    def _check_pid(self) -> None:
        if self._pid != os.getpid():  # forked: the parent's pool and handle are not ours
            self._pool = None
            self._runner = None
            self._store = None
            self._pid = os.getpid()

    @property
    def pool(self) -> ExecutorPool:
        with self._lock:
            self._check_pid()
            if self._pool is None:
                # beside a web worker, the pool takes only the sorting queries: one process
                size = self.processes if self.isolation == "process" else 1
                self._pool = ExecutorPool(self.store_path, size, memory_mib=self.memory_mib)
            return self._pool

    @property
    def runner(self) -> ThreadRunner:
        with self._lock:
            self._check_pid()
            if self._runner is None:
                self._runner = ThreadRunner(
                    self.store_path, self.processes, on_overrun=self._overrun
                )
            return self._runner

    def _overrun(self) -> None:
        if self.on_overrun is not None:
            self.on_overrun()

    @property
    def store(self) -> ox.Store:
        with self._lock:
            self._check_pid()
            if self._store is None:
                self._store = ox.Store.read_only(str(self.store_path))
            return self._store

    # -- Backend -------------------------------------------------------------------------------

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
        """Guard (again: this backend is also used by the CLI), then run in a child."""
        info = check_query(sparql, self.limits)
        # The protocol's dataset wins over the query's FROM; a query's own FROM/FROM NAMED
        # must not be overridden by the union default (oxigraph's flag would ignore it).
        protocol_dataset = default_graphs is not None or named_graphs is not None
        job = Job(
            sparql=sparql,
            default_graphs=tuple(default_graphs) if default_graphs is not None else None,
            named_graphs=tuple(named_graphs) if named_graphs is not None else None,
            union_default=not protocol_dataset and "FROM" not in info.keywords,
            formats=formats or FormatChoice(),
            max_result_bytes=max_result_bytes or self.max_result_bytes,
        )
        if self.isolation == "worker" and "ORDER" not in info.keywords:
            return self.runner.run(job, timeout)
        # A sorting query runs in a query process even beside a web worker: the engine aborts
        # the whole process when ORDER BY meets values its comparison cannot order
        # consistently (pyoxigraph 0.5 panics, "user-provided comparison function does not
        # correctly implement a total order"; 48 mixed literals in VALUES are enough). In a
        # query process that costs one answer (500), not the worker and its other requests.
        return self.pool.run(job, timeout)

    def describe_resource(self, iri: str, *, limit: int = 10_000) -> list[ox.Quad]:
        node = ox.NamedNode(iri)
        out: list[ox.Quad] = []
        for pattern in ((node, None, None), (None, None, node)):
            for quad in self.store.quads_for_pattern(*pattern, None):
                if isinstance(quad.graph_name, ox.DefaultGraph):
                    continue
                if len(out) >= limit:
                    return out
                out.append(quad)
        return out

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self.store)
        # A fixed counting query in the engine: a Python loop over quads is 30x slower.
        name = ox.NamedNode(graph)  # validates the IRI before it is written into the query
        result = self.store.query(
            f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{name.value}> {{ ?s ?p ?o }} }}"
        )
        return int(next(iter(result))["n"].value)

    def start(self) -> None:
        """Start the query processes and threads now, not on the first query (warm-up)."""
        if self.isolation == "worker":
            _ = self.runner
        _ = self.pool

    def child_pids(self) -> list[int]:
        """Process ids of this process's query children (empty before the first query)."""
        pool = self._pool
        return pool.pids() if pool is not None and self._pid == os.getpid() else []

    def close(self) -> None:
        with self._lock:
            if self._pool is not None and self._pid == os.getpid():
                self._pool.close()
            if self._runner is not None and self._pid == os.getpid():
                self._runner.close()
            self._pool = None
            self._runner = None
            self._store = None
