"""Fixtures for running subdip against a real external store: Oxigraph's server on loopback.

- ``oxigraph_exe``: the ``oxigraph`` binary of the test extra (a missing one fails, never skips);
- ``start_oxigraph``: a factory for fresh in-memory servers, each stopped when its test ends;
- ``shipped_build``: the shipped data built once per session into a temporary folder;
- ``published``: a session server holding the shipped build, published once with ``subdip
  publish`` (read-only use by the tests that share it);
- ``tiny_artefact``: a hand-made artefact of a few synthetic triples (example.org IRIs, not domain
  facts) with blank nodes, in two versions, for the transport and failure tests;
- ``fault_proxy``: a loopback HTTP proxy in front of a store that injects failures.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote_plus, unquote_plus, urlsplit

import pytest

from subdip.namespaces import GRAPH_ASSERTED, GRAPH_INFERRED, GRAPH_LINKS, GRAPH_ONTOLOGY

START_TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class OxigraphServer:
    """One ``oxigraph serve`` process on a loopback port."""

    exe: str
    location: Path | None = None
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OxigraphServer:
        cmd = [self.exe, "serve", "--bind", f"127.0.0.1:{self.port}"]
        if self.location is not None:
            cmd += ["--location", str(self.location)]
        self.process = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"oxigraph exited with {self.process.returncode}: {err}")
            if self.answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"oxigraph did not answer on {self.url} within {START_TIMEOUT} s")

    def answers(self) -> bool:
        try:
            self.select("ASK {}")
        except (OSError, urllib.error.URLError, http.client.HTTPException):
            return False
        return True

    def select(self, query: str) -> dict:
        """Run a query directly against the server (independent of subdip's client)."""
        request = urllib.request.Request(
            f"{self.url}/query",
            data=query.encode(),
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def counts(self) -> dict[str, int]:
        """Triples per named graph, as the server itself counts them."""
        rows = self.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )["results"]["bindings"]
        return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}

    def graph_ntriples(self, graph: str) -> str:
        """A graph's content fetched with the Graph Store Protocol."""
        request = urllib.request.Request(
            f"{self.url}/store?graph={urllib.request.quote(graph, safe='')}",
            headers={"Accept": "application/n-triples"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.read().decode()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()
        self.process = None


@pytest.fixture(scope="session")
def oxigraph_exe() -> str:
    exe = Path(sys.executable).with_name("oxigraph")
    if exe.exists():
        return str(exe)
    found = shutil.which("oxigraph")
    if found is None:
        pytest.fail("the oxigraph server is not installed: run 'pip install -e .[test]'")
    return found


@pytest.fixture
def start_oxigraph(oxigraph_exe: str) -> Iterator[Callable[..., OxigraphServer]]:
    started: list[OxigraphServer] = []

    def start(location: Path | None = None) -> OxigraphServer:
        server = OxigraphServer(oxigraph_exe, location).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from subdip.build import build

    out = tmp_path_factory.mktemp("store-build") / "build"
    build(out=out)
    return out


@dataclass
class Published:
    server: OxigraphServer
    build_dir: Path
    report: dict
    expected: dict[str, int]


@pytest.fixture(scope="session")
def published(
    oxigraph_exe: str, shipped_build: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Published]:
    """The shipped build published (with the CLI) to a persistent Oxigraph server."""
    from subdip.publish import artefact_counts

    server = OxigraphServer(oxigraph_exe, tmp_path_factory.mktemp("oxigraph") / "db").start()
    try:
        run = subprocess.run(
            [
                str(Path(sys.executable).with_name("subdip")),
                "publish",
                "--to",
                server.url,
                "--build-dir",
                str(shipped_build),
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        yield Published(
            server, shipped_build, json.loads(run.stdout), artefact_counts(shipped_build)
        )
    finally:
        server.stop()


# --- a tiny hand-made artefact --------------------------------------------------------------

EX = "http://example.org/"


def _nq(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} <{g}> .\n"


def tiny_quads(version: int) -> list[str]:
    """A few synthetic quads per graph, with a blank-node chain; ``version`` changes content."""
    a, label = f"<{EX}a>", "<http://www.w3.org/2000/01/rdf-schema#label>"
    period = f"<{EX}period>"
    begins = "<http://www.w3.org/2006/time#hasBeginning>"
    year = "<http://www.w3.org/2006/time#inXSDgYear>"
    gyear = "<http://www.w3.org/2001/XMLSchema#gYear>"
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    asserted = str(GRAPH_ASSERTED)
    quads = [
        _nq(a, label, f'"version {version}"@en', asserted),
        _nq(a, label, '"with \\"quotes\\"\\nand a newline"', asserted),
        _nq(a, period, "_:interval", asserted),
        _nq("_:interval", begins, "_:start", asserted),
        _nq("_:start", year, f'"{1990 + version}"^^{gyear}', asserted),
        _nq(a, rdf_type, f"<{EX}Thing>", str(GRAPH_INFERRED)),
        _nq(f"<{EX}Thing>", rdf_type, "<http://www.w3.org/2002/07/owl#Class>", str(GRAPH_ONTOLOGY)),
    ]
    quads += [
        _nq(f"<{EX}n{i}>", f"<{EX}version>", f'"{version}"', asserted) for i in range(version * 5)
    ]
    return quads


def write_artefact(folder: Path, quads: list[str]) -> Path:
    """dataset.nq plus a report.json in the layout ``subdip.build`` writes."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.nq").write_text("".join(quads), encoding="utf-8")
    graphs = {
        "ontology": str(GRAPH_ONTOLOGY),
        "asserted": str(GRAPH_ASSERTED),
        "inferred": str(GRAPH_INFERRED),
        "links": str(GRAPH_LINKS),
    }
    counts = {
        name: sum(q.rstrip().endswith(f"<{iri}> .") for q in quads) for name, iri in graphs.items()
    }
    report = {"counts": counts, "graphs": graphs}
    (folder / "report.json").write_text(json.dumps(report), encoding="utf-8")
    return folder


@pytest.fixture
def free_tcp_port() -> int:
    return free_port()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL nothing listens on (the port was free a moment ago)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def artefact_writer() -> Callable[[Path, list[str]], Path]:
    return write_artefact


@pytest.fixture
def tiny_artefact(tmp_path: Path) -> Callable[[int], Path]:
    """``tiny_artefact(version)`` -> a build folder with that version's quads."""

    def make(version: int) -> Path:
        return write_artefact(tmp_path / f"v{version}", tiny_quads(version))

    return make


# --- a fault-injecting proxy ------------------------------------------------------------------


@dataclass
class Faults:
    """What the proxy does wrong. Counters say what it saw."""

    require_auth: str | None = None  # the exact Authorization header to accept
    cut_put_number: int | None = None  # the n-th non-empty PUT (1-based) is cut off mid-body
    truncate_puts: bool = False  # forward only the first half of every PUT body's lines
    fail_update_containing: str | None = None  # answer 500 to an update containing this
    delay: float = 0.0  # seconds to wait before forwarding a query
    delay_update_containing: str | None = None  # ... or an update containing this
    sabotage_update_containing: str | None = None  # append a failing operation to this update
    fail_queries: bool = False  # answer every query with an error
    query_status: int = 500  # ... with this status
    accept_override: str | None = None  # replace the Accept header of queries
    close_after_answer: bool = False  # hang up after each answer without saying so (stale)
    seen_auth: list[str | None] = field(default_factory=list)
    puts: int = 0
    requests: int = 0
    connections: int = 0  # TCP connections accepted


class FaultProxy:
    def __init__(self, upstream: str, faults: Faults) -> None:
        self.upstream = urlsplit(upstream)
        self.faults = faults
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def setup(self) -> None:
                proxy.faults.connections += 1
                super().setup()

            def do_GET(self) -> None:
                proxy.handle(self)

            do_POST = do_PUT = do_DELETE = do_HEAD = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        f = self.faults
        f.requests += 1
        auth = h.headers.get("Authorization")
        f.seen_auth.append(auth)
        length = int(h.headers.get("Content-Length") or 0)
        if f.require_auth is not None and auth != f.require_auth:
            h.rfile.read(length)
            self._answer(h, 401, b"authentication required", {"WWW-Authenticate": "Bearer"})
            return
        if h.command == "PUT" and length > 0:
            f.puts += 1
            if f.cut_put_number == f.puts:
                h.rfile.read(length // 2)  # take half the upload, then drop the connection
                h.close_connection = True
                with contextlib.suppress(OSError):
                    h.connection.shutdown(socket.SHUT_RDWR)
                return
        body = h.rfile.read(length) if length else b""
        # what the request says, whether sent raw or as an HTML form (update=..., query=...)
        said = body
        if "x-www-form-urlencoded" in (h.headers.get("Content-Type") or ""):
            said = unquote_plus(body.decode("ascii", "replace")).encode()
        is_update = h.path.startswith("/update") or body.startswith(b"update=")
        if h.command == "PUT" and f.truncate_puts and body:
            lines = body.splitlines(keepends=True)
            body = b"".join(lines[: len(lines) // 2])
        if (
            f.fail_update_containing is not None
            and is_update
            and f.fail_update_containing.encode() in said
        ):
            self._answer(h, 500, b"injected failure", {})
            return
        is_query = h.path.startswith("/query")
        if (
            f.sabotage_update_containing is not None
            and is_update
            and f.sabotage_update_containing.encode() in said
        ):  # the store itself fails at the end of the request, after the earlier operations
            body += quote_plus(" ;\nDROP GRAPH <urn:subdip:test:no-such-graph>").encode()
        if f.fail_queries and is_query:
            self._answer(h, f.query_status, b"injected query failure", {})
            return
        delayed_update = (
            f.delay_update_containing is not None
            and is_update
            and f.delay_update_containing.encode() in said
        )
        if f.delay and (delayed_update or (is_query and f.delay_update_containing is None)):
            time.sleep(f.delay)
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        headers = {
            k: v
            for k, v in h.headers.items()
            if k.lower() not in {"host", "content-length", "authorization", "connection"}
        }
        headers["Content-Length"] = str(len(body))
        if f.accept_override is not None and is_query:
            headers = {k: v for k, v in headers.items() if k.lower() != "accept"}
            headers["Accept"] = f.accept_override
        try:
            conn.request(h.command, h.path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            extra = {"Content-Type": answer.getheader("Content-Type", "text/plain")}
            self._answer(h, answer.status, data, extra)
        finally:
            conn.close()
        if f.close_after_answer:  # as a store whose keep-alive timeout expired does
            h.close_connection = True

    @staticmethod
    def _answer(h: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict) -> None:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(body)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def fault_proxy() -> Iterator[Callable[..., FaultProxy]]:
    made: list[FaultProxy] = []

    def make(upstream: str, **faults: object) -> FaultProxy:
        proxy = FaultProxy(upstream, Faults(**faults))  # type: ignore[arg-type]
        made.append(proxy)
        return proxy

    yield make
    for proxy in made:
        proxy.close()


# --- a second real store: Virtuoso ----------------------------------------------------------

VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0
[Parameters]
ServerPort = {sql}
DisableUnixSocket = 1
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = 170000
MaxDirtyBuffers = 130000
MaxQueryMem = 1G
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = {http}
ServerRoot = {d}
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 600
"""


@dataclass
class VirtuosoServer:
    """Debian's Virtuoso 7 (``virtuoso-t``) in a folder of its own, on free loopback ports.

    Its SPARQL endpoint is ``/sparql`` (query and update), its Graph Store ``/sparql-graph-crud``;
    the anonymous ``SPARQL`` user is granted update rights, as a publishing setup would."""

    folder: Path
    http_port: int = field(default_factory=free_port)
    sql_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def graph_store(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud"

    def start(self) -> VirtuosoServer:
        exe = shutil.which("virtuoso-t")
        if exe is None:
            pytest.fail("virtuoso-t is not installed: apt-get install virtuoso-opensource")
        self.folder.mkdir(parents=True, exist_ok=True)
        ini = self.folder / "virtuoso.ini"
        ini.write_text(
            VIRTUOSO_INI.format(d=self.folder, sql=self.sql_port, http=self.http_port),
            encoding="utf-8",
        )
        self.process = subprocess.Popen(
            [exe, "-f", "-c", str(ini)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            cwd=self.folder,
        )
        deadline = time.monotonic() + 120  # a new database takes Virtuoso ~20 s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = (self.folder / "virtuoso.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"virtuoso exited with {self.process.returncode}: {log}")
            if self.answers():
                break
            time.sleep(0.5)
        else:
            self.stop()
            raise RuntimeError(f"virtuoso did not answer on {self.url}")
        isql = shutil.which("isql-vt") or "isql-vt"
        subprocess.run(
            [isql, str(self.sql_port), "dba", "dba", 'exec=grant SPARQL_UPDATE to "SPARQL";'],
            check=True,
            capture_output=True,
            timeout=60,
        )
        return self

    def answers(self) -> bool:
        try:
            self.select("ASK {}")
        except (OSError, urllib.error.URLError, http.client.HTTPException, ValueError):
            return False
        return True

    def select(self, query: str) -> dict:
        request = urllib.request.Request(
            self.url,
            data=urllib.parse.urlencode({"query": query}).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return json.loads(answer.read())

    def counts(self) -> dict[str, int]:
        rows = self.select(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
            'FILTER(STRSTARTS(STR(?g), "urn:subdip") || STRSTARTS(STR(?g), "https://w3id")) } '
            "GROUP BY ?g"
        )["results"]["bindings"]
        return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}

    def graph_ntriples(self, graph: str) -> str:
        """A graph's content, as N-Triples, from the server's own SPARQL endpoint."""
        rows = self.select(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        lines = []
        for row in rows["results"]["bindings"]:
            lines.append(" ".join(_nt_term(row[k]) for k in ("s", "p", "o")) + " .")
        return "\n".join(lines) + "\n"

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def _nt_term(term: dict) -> str:
    """One SPARQL JSON term as N-Triples (the test's own reading of Virtuoso's answer)."""
    value = term["value"]
    if term["type"] == "uri":
        return f"<{value}>"
    if term["type"] == "bnode":
        return f"_:{value.replace('nodeID://', '').replace(':', '_')}"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if "xml:lang" in term:
        return f'"{escaped}"@{term["xml:lang"]}'
    if "datatype" in term:
        return f'"{escaped}"^^<{term["datatype"]}>'
    return f'"{escaped}"'


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """One Virtuoso for the session (it takes ~20 s to create its database); every test that
    uses it publishes what it checks, so the order of the tests does not matter."""
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    yield server
    server.stop()
