"""Run SPARQL queries in a pool of child processes, each with a time and a result-size limit.

Why processes: a pyoxigraph query cannot be interrupted from Python, and an engine crash takes
its whole process down. So each query runs in a long-lived child that opened the store
read-only once; the parent waits with a timeout and, when the time is up (or the child died),
kills that child with SIGKILL and starts a fresh one. The parent (a web worker) never runs a
query itself and stays responsive. Results are serialised inside the child, capped while they
are written, and cross the pipe as bytes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from subdip import paths
from subdip.backends.base import QueryOutcome
from subdip.errors import QueryError, QueryTimeout, QueryTooLarge, StoreError
from subdip.namespaces import PREFIXES, QUERY_BASE_IRI
from subdip.sparql.formats import FormatChoice, NotAcceptable
from subdip.sparql.guard import star_projection

log = logging.getLogger(__name__)


class ExecutorCrashed(StoreError):
    """The process running the query died (an engine crash); it has been replaced (HTTP 500)."""

    status = 500


class QueryUnsupported(QueryError):
    """The query is valid SPARQL but uses something the engine does not implement (HTTP 501)."""

    status = 501


class QueryOutOfMemory(QueryError):
    """The query needed more memory than a query process may use; it was stopped (HTTP 503)."""

    exit_code = 5
    status = 503


DEFAULT_MEMORY_MIB = 1024


@dataclass(frozen=True)
class Job:
    """Everything a child needs to run one query (plain data: it crosses a pipe)."""

    sparql: str
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    union_default: bool
    formats: FormatChoice
    max_result_bytes: int

    def to_wire(self) -> bytes:
        """A pickled plain tuple: 15x cheaper to pickle and unpickle than the dataclass."""
        return pickle.dumps(
            (
                self.sparql,
                self.default_graphs,
                self.named_graphs,
                self.union_default,
                self.formats.solutions,
                self.formats.graph,
                self.max_result_bytes,
            ),
            pickle.HIGHEST_PROTOCOL,
        )

    @classmethod
    def from_wire(cls, data: bytes) -> Job:
        sparql, default, named, union, solutions, graph, cap = pickle.loads(data)
        return cls(sparql, default, named, union, FormatChoice(solutions, graph), cap)


#: What the parent sends to stop a child.
_STOP = b""


# --- child side -----------------------------------------------------------------------------


class _ResultTooLarge(Exception):
    pass


class _CappedBuffer:
    """A write-only buffer that refuses to grow past ``cap`` bytes (stops serialisation early)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.cap:
            raise _ResultTooLarge
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Serialisers may flush; nothing to do for memory."""

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def _die_with_parent(interval: float = 0.5) -> None:
    """Exit when the parent dies, even in the middle of a query (no orphaned query processes).

    A watchdog thread polls the parent pid: the engine releases the GIL while it evaluates, so
    the thread runs during a long query. (``PR_SET_PDEATHSIG`` would be simpler but fires when
    the *thread* that started us exits, and web workers start children from request threads.)
    """
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


_UNKNOWN_FUNCTION = re.compile(r"The custom function (<[^>]*>) is not supported")


def _engine_error(err: RuntimeError) -> tuple:
    """A reply for an error the engine raised while evaluating (never a dead process)."""
    text = str(err)
    m = _UNKNOWN_FUNCTION.search(text)
    if m:
        return ("error", "unknown-function", m.group(1))
    return ("error", "unsupported", text)


def _execute(store: object, job: Job) -> tuple:
    """Parse, evaluate and serialise one query: the only place a query meets the engine.

    Relative IRIs resolve against :data:`~subdip.namespaces.QUERY_BASE_IRI` and the project's
    prefixes need no declaration (the guard knows the same table).
    """
    import pyoxigraph as ox

    kwargs: dict[str, object] = {"base_iri": QUERY_BASE_IRI, "prefixes": PREFIXES}
    if job.default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    elif job.union_default:
        kwargs["use_default_graph_as_union"] = True
    if job.named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    started = time.perf_counter()
    try:
        result = store.query(job.sparql, **kwargs)  # type: ignore[attr-defined]
    except SyntaxError as err:
        return ("error", "syntax", str(err))
    except RuntimeError as err:
        return _engine_error(err)
    if isinstance(result, ox.QuerySolutions):
        reordered = star_projection(job.sparql, [v.value for v in result.variables])
        if reordered is not None:  # SELECT *: the query's column order, not the alphabet's
            with contextlib.suppress(SyntaxError, RuntimeError):  # else keep the engine's
                result = store.query(reordered, **kwargs)  # type: ignore[attr-defined]
    if isinstance(result, ox.QueryTriples):
        kind, family = "graph", "graph"
    elif isinstance(result, ox.QueryBoolean):
        kind, family = "boolean", "solutions"
    else:
        kind, family = "solutions", "solutions"
    try:
        fmt = job.formats.for_family(family)  # type: ignore[arg-type]
    except NotAcceptable as err:
        return ("error", "not-acceptable", err.message, err.hint)
    if family == "graph":
        engine_format = ox.RdfFormat.from_media_type(fmt.media_type)
    else:
        engine_format = ox.QueryResultsFormat.from_media_type(fmt.media_type)
    out = _CappedBuffer(job.max_result_bytes)
    try:
        result.serialize(out, engine_format)
    except _ResultTooLarge:
        return ("error", "too-large", job.max_result_bytes)
    except RuntimeError as err:  # evaluation is lazy: errors can surface while writing
        return _engine_error(err)
    return ("ok", kind, fmt.name, fmt.media_type, out.getvalue(), time.perf_counter() - started)


def answer_job(store: object, job: Job) -> tuple:
    """Run one job on an open store and give the reply tuple (never raises for the query's
    own failures). The one execution path of both isolation modes: a query process calls it,
    and so does :class:`subdip.sparql.inworker.ThreadRunner` in a web worker."""
    try:
        return _execute(store, job)
    except OSError as err:
        return ("error", "store", f"the store failed while answering: {err}")
    except (ValueError, TypeError) as err:  # e.g. an invalid graph IRI
        return ("error", "syntax", str(err))
    except BaseException as err:  # a Rust panic (pyo3's PanicException) or a surprise:
        if not isinstance(err, Exception) and type(err).__name__ != "PanicException":
            raise  # KeyboardInterrupt, SystemExit: stop as asked
        log.exception("the engine failed on a query")
        return ("error", "engine", f"{type(err).__name__}: {err}")


def child_entry() -> None:
    """Entry point of a query process: ``argv`` is the socket's fd, the store path and the
    memory limit in MiB (0: none)."""
    fd, store_path, memory_mib = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    if memory_mib > 0:
        # RLIMIT_DATA bounds the heap (and private mappings) but not the store's file
        # mappings: a query that needs more fails to allocate and the engine aborts (SIGABRT),
        # which the parent reports as QueryOutOfMemory instead of the machine swapping.
        import resource

        limit = memory_mib * 2**20
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    _child_main(Connection(fd), store_path)


def _child_main(conn: Connection, store_path: str) -> None:
    """Open the store once, then answer jobs until the parent closes the pipe."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    import pyoxigraph as ox

    store: ox.Store | None = None
    try:  # open now, while the web worker boots, rather than on the first query
        store = ox.Store.read_only(store_path)
    except OSError as err:
        log.warning("cannot open the store at %s (%s); will retry", store_path, err)
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        if data == _STOP:
            return
        job = Job.from_wire(data)
        if store is None:  # opened on first use, and again after a failure (a build may land)
            try:
                store = ox.Store.read_only(store_path)
            except OSError as err:
                reply = ("error", "store", f"cannot open the store at {store_path}: {err}")
                conn.send_bytes(pickle.dumps(reply, pickle.HIGHEST_PROTOCOL))
                continue
        reply = answer_job(store, job)
        try:
            conn.send_bytes(pickle.dumps(reply, pickle.HIGHEST_PROTOCOL))
        except (BrokenPipeError, OSError):
            return


# --- parent side ----------------------------------------------------------------------------


class _Child:
    """One query process: ``python -c`` running :func:`child_entry`, a socket pair between us.

    Why not ``multiprocessing.Process``: its spawn and forkserver methods re-import the
    parent's ``__main__`` (whatever script embeds subdip), and fork copies a threaded web
    worker. A plain interpreter that imports only this module has neither problem.
    """

    def __init__(self, store_path: str, memory_mib: int) -> None:
        ours, theirs = socket.socketpair()
        # What the process writes to stderr (a Rust panic's message) is read if it dies
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the process)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from subdip.sparql.executor import child_entry; child_entry()",
                str(theirs.fileno()),
                store_path,
                str(memory_mib),
            ],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stderr=self.stderr,
            env=paths.child_environment(),
            close_fds=True,
        )
        theirs.close()
        self.conn = Connection(ours.detach())

    def last_words(self, limit: int = 65536) -> str:
        """The end of what the process wrote to stderr (after it died: why it died)."""
        try:
            size = self.stderr.seek(0, os.SEEK_END)
            self.stderr.seek(max(size - limit, 0))
            return self.stderr.read().decode("utf-8", "replace")
        except (OSError, ValueError):
            return ""

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        with contextlib.suppress(OSError):
            self.conn.close()
        self.stderr.close()


class ExecutorPool:
    """A fixed number of query processes shared by the threads of one web worker.

    ``run`` waits for an idle child (that wait counts against the query's time limit), sends
    the job and waits for the reply; on timeout or death the child is replaced before the
    error is raised, so the pool keeps its size.
    """

    def __init__(
        self, store_path: Path, processes: int = 2, *, memory_mib: int = DEFAULT_MEMORY_MIB
    ):
        if processes < 1:
            raise ValueError("an executor pool needs at least one process")
        self.store_path = str(store_path)
        self.memory_mib = memory_mib
        self.size = processes
        self._idle: queue.Queue[_Child] = queue.Queue()
        self._all: set[_Child] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._owner = os.getpid()
        self.stats = {"queries": 0, "timeouts": 0, "crashes": 0, "replaced": 0}
        for _ in range(processes):
            self._add_child()

    def _add_child(self) -> None:
        child = _Child(self.store_path, self.memory_mib)
        with self._lock:
            self._all.add(child)
        self._idle.put(child)

    def _replace(self, child: _Child) -> None:
        child.kill()
        with self._lock:
            self._all.discard(child)
            self.stats["replaced"] += 1
            closed = self._closed
        if not closed:
            self._add_child()

    def pids(self) -> list[int]:
        """Process ids of the live children (for memory measurements)."""
        with self._lock:
            return [c.process.pid for c in self._all]

    def _acquire(self, deadline: float, timeout: float) -> _Child:
        """An idle child that is still alive (one that died while idle is replaced first)."""
        for _ in range(self.size + 1):
            try:
                child = self._idle.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                break
            if self._closed:
                self._idle.put(child)
                raise StoreError("the query service is shutting down")
            if child.process.poll() is None:
                return child
            log.warning("query process %s died while idle; replacing it", child.process.pid)
            self._replace(child)
        raise QueryTimeout(
            f"the server is busy: no query process became free within {timeout:g} s",
            hint="retry later",
        )

    def run(self, job: Job, timeout: float) -> QueryOutcome:
        deadline = time.monotonic() + timeout
        child = self._acquire(deadline, timeout)
        try:
            child.conn.send_bytes(job.to_wire())
            remaining = max(deadline - time.monotonic(), 0.0)
            if not child.conn.poll(remaining):
                self.stats["timeouts"] += 1
                self._replace(child)
                raise QueryTimeout(
                    f"the query was stopped after the time limit of {timeout:g} s",
                    hint="bind more variables, add a LIMIT, or avoid unbounded property paths",
                )
            reply = pickle.loads(child.conn.recv_bytes())
        except (EOFError, OSError):
            self.stats["crashes"] += 1
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=5)
            said = child.last_words()
            self._replace(child)
            status = child.process.returncode
            panic = _PANIC.search(said)
            if panic is not None:  # the engine gave up on this query (a bug of the engine)
                log.error("query process %s: the engine panicked: %s", child.process.pid, said)
                raise ExecutorCrashed(
                    f"the query engine failed on this query ({panic.group(1).strip()}); its "
                    "query process was restarted",
                    hint="change the query (for example what it sorts by); please report it",
                ) from None
            if status == -signal.SIGABRT and self.memory_mib > 0:
                log.warning("query process %s ran out of memory; replaced it", child.process.pid)
                raise QueryOutOfMemory(
                    f"the query needed more than the {self.memory_mib} MiB a query may use "
                    "and was stopped",
                    hint="add a LIMIT, or aggregate or sort fewer solutions",
                ) from None
            log.error(
                "query process %s died (exit status %s); replaced it", child.process.pid, status
            )
            raise ExecutorCrashed(
                "the query process crashed while answering; it has been restarted",
                hint="please report the query to the maintainers",
            ) from None
        self._idle.put(child)
        self.stats["queries"] += 1
        return outcome_of(reply, job)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            children = list(self._all)
            self._all.clear()
        for child in children:
            with contextlib.suppress(OSError, BrokenPipeError, ValueError):
                child.conn.send_bytes(_STOP)
            try:
                child.process.wait(timeout=1)
            except subprocess.TimeoutExpired:
                child.kill()
            with contextlib.suppress(OSError):
                child.conn.close()

    def __del__(self) -> None:  # best effort when a test forgets close()
        if not getattr(self, "_closed", True) and os.getpid() == getattr(self, "_owner", None):
            self.close()


#: How a Rust panic starts on stderr: ``thread 'x' (123) panicked at FILE:LINE:COL:\nMESSAGE``.
_PANIC = re.compile(r"panicked at [^\n]*:\n([^\n]+)")
_POSITION = re.compile(r"error at (\d+):(\d+):\s*", re.S)
#: Plain-English sentences the engine's parser mixes into its list of expected tokens.
_SENTENCE = re.compile(r"(?<![\w'\"])([A-Z][a-z]+(?: [\w-]+){2,})")


def _syntax_message(text: str) -> str:
    """``error at 2:9: expected ...`` -> ``line 2, column 9 (2:9): expected ...`` (trimmed).

    Where the parser's list of expected tokens carries a sentence (``The SELECT contains a
    variable that is unbound``), that sentence leads: it is what the person must fix.
    """
    m = _POSITION.match(text)
    if m:
        line, col = m.groups()
        rest = text[m.end() :]
        sentences = _SENTENCE.findall(rest)
        if sentences:
            rest = "; ".join(dict.fromkeys(sentences)) + f" (parser: {rest})"
        text = f"line {line}, column {col} ({line}:{col}): {rest}"
    return text if len(text) <= 300 else text[:300] + " ..."


def outcome_of(reply: tuple, job: Job) -> QueryOutcome:
    """The reply of :func:`answer_job` as an outcome, or the error it reports raised."""
    status = reply[0]
    if status == "ok":
        _, kind, fmt, media_type, body, elapsed = reply
        return QueryOutcome(kind, fmt, media_type, body, elapsed)
    what = reply[1]
    if what == "syntax":
        raise QueryError(
            f"the query is malformed: {_syntax_message(reply[2])}",
            hint="fix the query at that line and column",
        )
    if what == "not-acceptable":
        raise NotAcceptable(reply[2], hint=reply[3])
    if what == "unknown-function":
        raise QueryError(
            f"the query calls the function {reply[2]}, which this endpoint does not provide",
            hint="use the SPARQL 1.1 built-in functions and XSD casts "
            "(https://www.w3.org/TR/sparql11-query/#SparqlOps), or check the function's IRI "
            "and prefix",
        )
    if what == "unsupported":
        raise QueryUnsupported(
            f"the query engine cannot evaluate this query: {reply[2]}",
            hint="rewrite the query without that feature",
        )
    if what == "engine":
        log.error("the query engine failed on a query: %s", reply[2])
        raise ExecutorCrashed(
            "the query engine failed on this query (the query process survived)",
            hint="please report the query to the maintainers",
        )
    if what == "too-large":
        raise QueryTooLarge(
            f"the result is larger than the limit of {reply[2]} bytes",
            hint="add a LIMIT, select fewer variables, or download the dataset instead",
        )
    raise StoreError(str(reply[2]))
