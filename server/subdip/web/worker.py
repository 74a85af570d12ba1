"""What ``subdip serve`` runs in each granian worker: the app, the worker's memory cap, and the
watchdog that replaces the worker after a query overran its time limit.

Granian starts each worker by calling :func:`create_worker_app` (a factory); the app's
configuration comes from the ``subdip serve`` process in :data:`CONFIG_ENV` (JSON). With
``QUERY_ISOLATION = "worker"`` queries run in threads of the worker
(:mod:`subdip.sparql.inworker`); a query that overruns is answered 503 but cannot be stopped,
so the worker must go: :class:`Replacement` waits until none of the worker's other requests is
in flight, then exits with :data:`EXIT_OVERRUN`, and granian (``respawn_failed_workers``) starts
a fresh worker while the others keep answering.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

log = logging.getLogger(__name__)

CONFIG_ENV = "SUBDIP_SERVE_CONFIG"
#: Exit status of a worker that replaces itself (granian logs it and starts another).
EXIT_OVERRUN = 75
#: Heap a worker needs besides its queries (app, store handle, caches), MiB; measured
#: about 300 MiB at 1 M triples, kept generous.
WORKER_BASE_MIB = 768
#: A worker replaces itself no sooner than this many seconds after it started: granian treats
#: a worker that exits within 5.5 s of being respawned as a crash loop and stops the server.
MIN_LIFETIME = 6.0
_STARTED = time.monotonic()


class InFlight:
    """WSGI wrapper counting the requests being answered (what a replacement waits for)."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.count = 0
        self.started = 0
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        with self._lock:
            self.count += 1
            self.started += 1
        try:
            return self.app(environ, start_response)  # our layer returns a finished list
        finally:
            with self._lock:
                self.count -= 1


class Replacement:
    """Exit the worker once it is idle (or after ``max_wait`` s): an overrun query's thread
    cannot be stopped any other way."""

    def __init__(
        self,
        in_flight: InFlight,
        *,
        max_wait: float,
        settle: float = 0.3,
        min_lifetime: float = MIN_LIFETIME,
        exit: Callable[[int], Any] = os._exit,
    ) -> None:
        self.in_flight = in_flight
        self.min_lifetime = min_lifetime
        self.max_wait = max_wait
        self.settle = settle
        self.exit = exit
        self.triggered = threading.Event()
        self._lock = threading.Lock()

    def trigger(self) -> None:
        with self._lock:
            if self.triggered.is_set():
                return
            self.triggered.set()
        threading.Thread(target=self._drain, name="replacement", daemon=True).start()

    def _drain(self) -> None:
        deadline = time.monotonic() + self.max_wait
        while time.monotonic() < deadline:
            # The overrunning request itself answers 503 and leaves the count right away;
            # wait for a quiet moment with no other request in flight or starting.
            seen = self.in_flight.started
            if self.in_flight.count == 0:
                time.sleep(self.settle)  # let the last answers be written out
                if self.in_flight.count == 0 and self.in_flight.started == seen:
                    break
            else:
                time.sleep(0.02)
        time.sleep(max(0.0, _STARTED + self.min_lifetime - time.monotonic()))
        log.warning("worker %d: a query overran its time limit; replacing the worker", os.getpid())
        for handler in logging.getLogger().handlers:
            handler.flush()
        self.exit(EXIT_OVERRUN)


def cap_memory(mib: int) -> None:
    """Limit this process's heap (``RLIMIT_DATA``): a query that needs more fails to allocate,
    the worker dies and is replaced, instead of the machine swapping."""
    if mib <= 0:
        return
    import resource

    limit = mib * 2**20
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def limit_malloc_arenas() -> None:
    """At most 2 glibc malloc arenas, and large buffers always mapped apart: threaded workers
    otherwise keep memory freed by hostile requests (measured: RSS creeping under fuzzing)."""
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL("libc.so.6")
            libc.mallopt(-8, 2)  # M_ARENA_MAX
            # A fixed mmap threshold: glibc otherwise raises it after each large free, so the
            # next large transient buffers (hostile queries, big results) stay in the heap.
            libc.mallopt(-3, 256 * 1024)  # M_MMAP_THRESHOLD
        except (OSError, AttributeError):
            log.debug("mallopt unavailable; keeping the default malloc arenas")


def create_worker_app() -> Flask:
    """Granian's factory: one app per worker process, ready before the first request."""
    from subdip.backends.embedded import EmbeddedBackend
    from subdip.web import create_app

    config = json.loads(os.environ[CONFIG_ENV])
    logging.basicConfig(level=logging.INFO, format="[%(levelname)s] %(name)s: %(message)s")
    limit_malloc_arenas()
    app = create_app(config)
    backend = app.extensions["subdip"]["backend"]
    if isinstance(backend, EmbeddedBackend):
        if backend.isolation == "worker":
            query_mib = int(config.get("EXECUTOR_MEMORY_MB", 0))
            cap_memory(query_mib + WORKER_BASE_MIB if query_mib > 0 else 0)
            in_flight = InFlight(app.wsgi_app)
            app.wsgi_app = in_flight  # type: ignore[method-assign]
            replacement = Replacement(in_flight, max_wait=float(config["QUERY_TIMEOUT"]) * 3)
            backend.on_overrun = replacement.trigger
        backend.start()  # store opened (and query processes started) before the first request
    warm_up(app)
    # What the worker holds from now on (app, ontology graphs, templates) is never garbage;
    # moved out of the collector's reach, a full collection in a request no longer walks it
    # (measured at 1M: the longest pause 27.7 ms -> 8.2 ms).
    gc.freeze()
    return app


def warm_up(app: Flask) -> None:
    """Answer a few requests internally before granian sends real ones: lazy imports, the
    query threads and the engine's first reads happen now, not in a client's request (and
    not in the memory a load test samples)."""
    client = app.test_client()
    for path in (
        "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D",
        "/sparql?query=SELECT%20*%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%2010",
        "/sparql?query=SELECT",  # a refusal: the error handlers
        "/sparql?query=ASK%7B%7D&format=nonesuch",
    ):
        client.get(path, headers={"Accept": "application/sparql-results+json"})
    app.extensions["subdip"]["http"].forget()  # these answers are not worth keeping
