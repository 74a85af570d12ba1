"""Where the W3C tests are sent: the app in process, a running server, and their store.

One store holds every file the tests load, each in the named graph the suites give it (data
files under their W3C IRI, the protocol tests' graphs under their labels); each test names its
own dataset in the request, so one store and one server serve every test.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import w3c
import w3c_runner as runner
from w3c import Answer

PARSERS = {".ttl": ox.RdfFormat.TURTLE, ".rdf": ox.RdfFormat.RDF_XML, ".nt": ox.RdfFormat.N_TRIPLES}


def all_graphs() -> dict[str, Path]:
    """Graph name -> file, for the evaluation tests and the protocol tests."""
    tests = [t for folder in w3c.EVALUATION_FOLDERS for t in w3c.load_manifest(folder)]
    graphs = w3c.data_files(tests)
    for test in runner.protocol_tests():
        for file_iri, name in test.graphs:
            graphs[name] = w3c.local(file_iri)
    return graphs


def make_store(build_dir: Path) -> Path:
    """``build_dir/store`` (and a report.json, so it is a complete artefact for the app)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    store = ox.Store(str(build_dir / "store"))
    graphs = all_graphs()
    if len(graphs) < 80:
        raise RuntimeError(f"only {len(graphs)} data files found in {w3c.SUITE}")
    for name, path in graphs.items():
        store.load(
            path=str(path),
            format=PARSERS[path.suffix],
            base_iri=w3c.nominal(path),
            to_graph=ox.NamedNode(name),
        )
    store.flush()
    store.dump(str(build_dir / "dataset.nq"), ox.RdfFormat.N_QUADS)
    del store
    (build_dir / "report.json").write_text('{"input_hash": "W3C SPARQL 1.1 test data"}\n')
    return build_dir


@dataclass
class FlaskEndpoint:
    """The app in process (Werkzeug's test client): the same WSGI app ``subdip serve`` runs."""

    client: object
    url: str = "http://localhost/sparql"

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Answer:
        response = self.client.open(path, method=method, headers=headers, data=body)  # type: ignore[attr-defined]
        return Answer(response.status_code, response.headers.get("Content-Type", ""), response.data)


@dataclass
class HttpEndpoint:
    """A server over a real socket (``subdip serve`` or ``oxigraph serve``)."""

    host: str
    port: int
    prefix: str = ""  # oxigraph serve answers at /query, subdip at /sparql

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.prefix or '/sparql'}"

    def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Answer:
        if self.prefix:
            path = self.prefix + path.removeprefix("/sparql")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return Answer(response.status, response.getheader("Content-Type", ""), response.read())
        finally:
            conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    endpoint: HttpEndpoint

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _start(cmd: list[str], log_file: Path, endpoint: HttpEndpoint, probe: str) -> Server:
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            cmd, stdout=log, stderr=log, start_new_session=True, cwd=log_file.parent
        )
    server = Server(process, endpoint)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{cmd[0]} exited: {log_file.read_text(errors='replace')}")
        try:
            url = f"http://{endpoint.host}:{endpoint.port}{probe}"
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{cmd[0]} did not answer within 60 s")


def serve_subdip(build_dir: Path, log_file: Path) -> Server:
    """``subdip serve`` over the store, as a user starts it (2 workers)."""
    port = free_port()
    exe = Path(sys.executable).with_name("subdip")
    cmd = [
        str(exe) if exe.exists() else "subdip", "serve", "--no-build", "--build-dir",
        str(build_dir), "--port", str(port), "--workers", "2", "--timeout", "20",
    ]  # fmt: skip
    return _start(cmd, log_file, HttpEndpoint("127.0.0.1", port), "/sparql?query=ASK%7B%7D")


def serve_oxigraph(store_dir: Path, log_file: Path) -> Server:
    """``oxigraph serve-read-only`` over a copy of the same store (pip package ``oxigraph``)."""
    port = free_port()
    exe = Path(sys.executable).with_name("oxigraph")
    cmd = [
        str(exe) if exe.exists() else "oxigraph", "serve-read-only", "--location",
        str(store_dir), "--bind", f"127.0.0.1:{port}",
    ]  # fmt: skip
    return _start(
        cmd, log_file, HttpEndpoint("127.0.0.1", port, "/query"), "/query?query=ASK%7B%7D"
    )
