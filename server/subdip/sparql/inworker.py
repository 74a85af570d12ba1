"""Run queries in threads of the web worker itself: no hop to a query process.

Why: the hop (pickle, socket, a second process to wake on a 2-core machine) cost more than a
lookup query; bench/ measured the serving path at 0.18x of ``oxigraph serve`` with it. The
engine releases the GIL while it evaluates, so queries in threads run in parallel with the
request threads.

What replaces the process boundary. pyoxigraph cannot cancel a query, so a query that runs past
its time limit is answered 503 at the limit (the request thread stops waiting) and keeps its
thread; ``on_overrun`` is then called, and the server's watchdog replaces the whole worker once
its other requests are done (:mod:`subdip.web.worker`). A query that crashes the engine takes
its worker down; the server starts another (the guard rejects the inputs known to crash it).
Memory: the server caps each worker's heap (``RLIMIT_DATA``).

Execution and serialisation are :func:`subdip.sparql.executor.answer_job`, the same function a
query process runs.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from subdip.backends.base import QueryOutcome
from subdip.errors import QueryTimeout
from subdip.sparql.executor import Job, answer_job, outcome_of

log = logging.getLogger(__name__)


class ThreadRunner:
    """``threads`` query threads over one read-only store handle of this process."""

    def __init__(
        self,
        store_path: Path,
        threads: int = 4,
        *,
        on_overrun: Callable[[], None] | None = None,
    ) -> None:
        if threads < 1:
            raise ValueError("a thread runner needs at least one thread")
        self.store = ox.Store.read_only(str(store_path))
        self.size = threads
        self.on_overrun = on_overrun
        self._pool = concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="query")
        self._lock = threading.Lock()
        self.running = 0
        self.overrun = 0
        self.stats = {"queries": 0, "timeouts": 0, "busy": 0}

    def _run(self, job: Job) -> tuple:
        with self._lock:
            self.running += 1
        try:
            return answer_job(self.store, job)
        finally:
            with self._lock:
                self.running -= 1

    def run(self, job: Job, timeout: float) -> QueryOutcome:
        future = self._pool.submit(self._run, job)
        try:
            reply = future.result(timeout)
        except concurrent.futures.TimeoutError:
            if future.cancel():  # never started: every thread was busy
                self.stats["busy"] += 1
                raise QueryTimeout(
                    f"the server is busy: no query thread became free within {timeout:g} s",
                    hint="retry later",
                ) from None
            self.stats["timeouts"] += 1
            with self._lock:
                self.overrun += 1
            log.warning("a query ran past %g s; its worker will be replaced", timeout)
            if self.on_overrun is not None:
                self.on_overrun()
            raise QueryTimeout(
                f"the query was stopped after the time limit of {timeout:g} s",
                hint="bind more variables, add a LIMIT, or avoid unbounded property paths",
            ) from None
        self.stats["queries"] += 1
        return outcome_of(reply, job)

    def others_running(self) -> int:
        """Queries still running that have not overrun (what a replacement waits for)."""
        with self._lock:
            return max(self.running - self.overrun, 0)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
