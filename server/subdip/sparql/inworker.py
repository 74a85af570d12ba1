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

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from subdip.backends.base import QueryOutcome
from subdip.errors import QueryTimeout
from subdip.sparql.executor import Job, answer_job, outcome_of

log = logging.getLogger(__name__)

_WAITING, _RUNNING, _ABANDONED = 0, 1, 2


class _Ticket:
    """One job handed to a query thread: the requester waits on ``done`` (a bare lock,
    released once by the query thread), with a time limit."""

    __slots__ = ("done", "error", "job", "reply", "state")

    def __init__(self, job: Job) -> None:
        self.job = job
        self.done = threading.Lock()
        self.done.acquire()
        self.reply: tuple | None = None
        self.error: BaseException | None = None
        self.state = _WAITING


class ThreadRunner:
    """``threads`` query threads over one read-only store handle of this process.

    The hand-off is a queue of tickets and one lock per ticket rather than
    ``concurrent.futures``: its futures (a condition, a waiter list, callbacks) cost about
    30 us more per query, as much as the guard (measured in-process at 1 M,
    ``bench/profile_serve.py``).
    """

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
        self._queue: queue.SimpleQueue[_Ticket | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self.running = 0
        self.overrun = 0
        self.stats = {"queries": 0, "timeouts": 0, "busy": 0}
        for n in range(threads):
            threading.Thread(target=self._serve, name=f"query-{n}", daemon=True).start()

    def _serve(self) -> None:
        while True:
            ticket = self._queue.get()
            if ticket is None:  # close()
                return
            with self._lock:
                if ticket.state == _ABANDONED:  # its requester already answered "busy"
                    continue
                ticket.state = _RUNNING
                self.running += 1
            try:
                ticket.reply = answer_job(self.store, ticket.job)
            except BaseException as err:  # answer_job re-raises only what must stop us
                ticket.error = err
            finally:
                with self._lock:
                    self.running -= 1
                ticket.done.release()

    def run(self, job: Job, timeout: float) -> QueryOutcome:
        ticket = _Ticket(job)
        self._queue.put(ticket)
        if not ticket.done.acquire(timeout=timeout):
            with self._lock:
                never_started = ticket.state == _WAITING
                if never_started:
                    ticket.state = _ABANDONED
            if never_started:  # every thread was busy
                self.stats["busy"] += 1
                raise QueryTimeout(
                    f"the server is busy: no query thread became free within {timeout:g} s",
                    hint="retry later",
                )
            if not ticket.done.acquire(blocking=False):  # it did not finish just now
                self._overran(timeout)
        if ticket.error is not None:
            raise ticket.error
        assert ticket.reply is not None
        self.stats["queries"] += 1
        return outcome_of(ticket.reply, job)

    def _overran(self, timeout: float) -> None:
        self.stats["timeouts"] += 1
        with self._lock:
            self.overrun += 1
        log.warning("a query ran past %g s; its worker will be replaced", timeout)
        if self.on_overrun is not None:
            self.on_overrun()
        raise QueryTimeout(
            f"the query was stopped after the time limit of {timeout:g} s",
            hint="bind more variables, add a LIMIT, or avoid unbounded property paths",
        )

    def others_running(self) -> int:
        """Queries still running that have not overrun (what a replacement waits for)."""
        with self._lock:
            return max(self.running - self.overrun, 0)

    def close(self) -> None:
        for _ in range(self.size):
            self._queue.put(None)
