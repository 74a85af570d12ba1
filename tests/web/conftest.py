"""Fixtures for the endpoint tests: a small store in the artefact layout, apps, a real server.

The store is built once per session from ``fixture.nq`` (facts from ../shared/facts, in the
contract's four named graphs) plus a synthetic *filler* graph (``FILLER`` triples in the
asserted graph under http://example.org/filler/) that makes cross-product queries run away.
Apps and clients are fresh per test; the real ``subdip serve`` process is started once.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from process_groups import stop_process_group

from subdip.backends.embedded import EmbeddedBackend
from subdip.web import create_app

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixture.nq"
FILLER = 400
FILLER_NS = "http://example.org/filler/"
ASSERTED = "https://w3id.org/subdip/graph/asserted"


def make_store(build_dir: Path) -> Path:
    """Write ``build_dir/store`` (and the files that make it a complete artefact)."""
    build_dir.mkdir(parents=True, exist_ok=True)
    store = ox.Store(str(build_dir / "store"))
    store.load(path=str(FIXTURE), format=ox.RdfFormat.N_QUADS)
    graph = ox.NamedNode(ASSERTED)
    p = ox.NamedNode(FILLER_NS + "next")
    store.extend(
        ox.Quad(ox.NamedNode(f"{FILLER_NS}{i}"), p, ox.NamedNode(f"{FILLER_NS}{i + 1}"), graph)
        for i in range(FILLER)
    )
    store.flush()
    del store
    (build_dir / "dataset.nq").write_bytes(FIXTURE.read_bytes())
    (build_dir / "report.json").write_text('{"input_hash": "test fixture"}\n')
    return build_dir


@pytest.fixture(scope="session")
def expected_counts() -> dict[str, int]:
    """Quads per named graph, counted from fixture.nq's lines (plus the filler)."""
    counts: dict[str, int] = {}
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        if line.startswith("<"):
            graph = line.rsplit("<", 1)[1].split(">", 1)[0]
            counts[graph] = counts.get(graph, 0) + 1
    counts[ASSERTED] += FILLER
    return counts


@pytest.fixture(scope="session")
def filler_size() -> int:
    return FILLER


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_store(tmp_path_factory.mktemp("build"))


#: This area's blueprints only: the others (ontology docs ...) are tested in their own area.
SPARQL_BLUEPRINTS = ("subdip.web.sparql", "subdip.web.service_description")


@pytest.fixture(scope="session")
def shared_backend(fixture_build: Path) -> Iterator[EmbeddedBackend]:
    """One pool of query processes for the session (starting processes is the slow part)."""
    backend = EmbeddedBackend(fixture_build, processes=2)
    yield backend
    backend.close()


@pytest.fixture
def make_app(fixture_build: Path, shared_backend: EmbeddedBackend):
    """A factory of fresh apps over the session's backend, with config overrides."""

    def factory(**config):
        app = create_app(
            {
                "BUILD_DIR": fixture_build,
                "QUERY_TIMEOUT": 5,
                "BLUEPRINTS": SPARQL_BLUEPRINTS,
                "BACKEND": shared_backend,
                **config,
            }
        )
        app.testing = True
        return app

    return factory


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RunningServer:
    def __init__(self, process: subprocess.Popen, url: str, log_file: Path | None = None) -> None:
        self.process = process
        self.url = url
        self.log_file = log_file

    @property
    def endpoint(self) -> str:
        return self.url + "/sparql"

    def pids(self) -> list[int]:
        """The server's whole process tree: master, workers, query processes.

        Read from every process's parent id: a /proc/PID/task/TID/children file lists only
        what that one thread started, and request threads start query processes too.
        """
        parents: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(stat.parent.name)] = int(fields[1])
        tree = [self.process.pid]
        for pid in tree:  # grows while we walk it
            tree.extend(child for child, parent in parents.items() if parent == pid)
        return tree

    def rss_kib(self) -> int:
        total = 0
        for pid in self.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        return total


def start_server(
    build_dir: Path, log_file: Path, *extra: str, timeout: float = 2.0
) -> RunningServer:
    port = free_port()
    exe = Path(sys.executable).with_name("subdip")
    cmd = [
        str(exe) if exe.exists() else "subdip",
        "serve",
        "--no-build",
        "--build-dir",
        str(build_dir),
        "--port",
        str(port),
        "--timeout",
        str(timeout),
        *extra,
    ]
    with log_file.open("wb") as log:  # a file, not a pipe nobody reads (it would fill up)
        process = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            err = log_file.read_text(errors="replace")
            raise RuntimeError(f"subdip serve exited with {process.returncode}:\n{err}")
        try:
            with urllib.request.urlopen(url + "/sparql?query=ASK%7B%7D", timeout=2) as r:
                if r.status == 200:
                    return RunningServer(process, url, log_file)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    stop_server(process)
    raise RuntimeError("subdip serve did not answer within 30 s")


stop_server = stop_process_group


@pytest.fixture(scope="session")
def server(fixture_build: Path, tmp_path_factory) -> Iterator[RunningServer]:
    """``subdip serve`` on a free loopback port, 2 workers, a 2 s query time limit."""
    log_file = tmp_path_factory.mktemp("serve") / "serve.log"
    running = start_server(fixture_build, log_file, "--workers", "2", timeout=2.0)
    yield running
    stop_server(running.process)


@pytest.fixture(scope="session")
def spawn_server():
    """``start_server`` for modules that start a server with other options (a fixture: a
    ``from conftest import`` may find another test folder's conftest first)."""
    return start_server
