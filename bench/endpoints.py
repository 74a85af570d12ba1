"""Endpoint benchmark: start a SPARQL server, check its answers, load it, stop it.

Three servers on the same N-Quads and the same lookup queries: ``subdip serve`` (our
artefact), ``oxigraph serve-read-only`` (the Rust server, on a store loaded from the artefact's
dataset.nq) and rdflib-endpoint (parses the dataset.nq with rdflib). The load comes from
``wrk`` (C, keep-alive, fixed connections and duration) when it is installed, else from a small
keep-alive client in threads; the same client is used for all servers of a run.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

VENV_BIN = Path(__file__).resolve().parents[1] / ".venv" / "bin"
SYNTH = "https://w3id.org/subdip/id/synth/"
PREFIX = (
    "PREFIX subdip: <https://w3id.org/subdip/ontology#> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "PREFIX dcterms: <http://purl.org/dc/terms/> "
)
ACCEPT = "application/sparql-results+json"

WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local i = math.random(#paths)
request = function()
  i = (i % #paths) + 1
  return wrk.format("GET", paths[i], {["Accept"] = "application/sparql-results+json"})
end
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lookup_queries(counts: dict[str, int], n: int, seed: int) -> list[str]:
    """``n`` lookups of the kinds a linked-data user sends, on resources the generator wrote.

    ``counts`` are the generator's counts per kind (to draw only IRIs that exist).
    """
    rng = random.Random(seed)
    counties = counts.get("CountyLevelGovernment", 1)
    prefectures = counts.get("PrefectureLevelCity", 1)
    firms = counts.get("Firm", 1)
    makers: list[Callable[[], str]] = [
        # a resource's description
        lambda: f"SELECT ?p ?o WHERE {{ <{SYNTH}county-{rng.randint(1, counties):05d}> ?p ?o }}",
        # who controls a firm (transitive control through ownership: inferred)
        lambda: (
            f"SELECT ?c WHERE {{ ?c subdip:controls <{SYNTH}firm-{rng.randint(1, firms):06d}> }}"
        ),
        # a city's agreements with their signing dates
        lambda: (
            "SELECT ?a ?d WHERE { "
            f"<{SYNTH}prefecture-{rng.randint(1, prefectures):04d}> subdip:partyTo ?a . "
            "?e subdip:concernsAgreement ?a ; a subdip:Signing ; dcterms:date ?d }"
        ),
        # names
        lambda: (
            f"SELECT ?l WHERE {{ <{SYNTH}prefecture-{rng.randint(1, prefectures):04d}> "
            "rdfs:label ?l }"
        ),
    ]
    return [PREFIX + makers[i % len(makers)]() for i in range(n)]


@dataclass
class Server:
    """A server process we started (in its own session, so we stop exactly its group)."""

    name: str
    command: list[str]
    url_path: str  # the SPARQL endpoint's path, e.g. /sparql or /query
    port: int
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    start_seconds: float | None = None

    def start(self, log_dir: Path, deadline_s: float) -> float:
        """Start and wait until an ASK query answers 200; returns the start time (s)."""
        self.log = log_dir / f"{self.name}.log"
        handle = self.log.open("wb")
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            self.command,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **self.env},
        )
        path = self.url_path + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
        while time.perf_counter() - started < deadline_s:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                raise RuntimeError(f"{self.name} exited with {code}; see {self.log}")
            try:
                status, _ = get(self.port, path, timeout=5)
                if status == 200:
                    self.start_seconds = time.perf_counter() - started
                    return self.start_seconds
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"{self.name} did not answer within {deadline_s:.0f} s")

    def _group(self) -> list[Path]:
        """``/proc`` folders of the server's process group (master, workers, query processes)."""
        if self.proc is None:
            return []
        members = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(stat[2]) == self.proc.pid:  # field 5: process group id
                members.append(entry)
        return members

    def pids(self) -> list[int]:
        """Process ids of the server's process group."""
        return [int(entry.name) for entry in self._group()]

    def rss_mb(self) -> float:
        """Resident memory of the server's process group, in MB."""
        total = 0
        for entry in self._group():
            try:
                for line in (entry / "status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except (OSError, IndexError, ValueError):
                continue
        return total / 1024

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server's live processes have used so far. Per request,
        it measures what a server spends, whatever else the machine runs at the time."""
        ticks = 0
        for entry in self._group():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(stat[11]) + int(stat[12])  # fields 14, 15: utime, stime
            except (OSError, IndexError, ValueError):
                continue
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=15)


def get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Accept": ACCEPT})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def rows_of(port: int, url_path: str, query: str) -> int | str:
    """Row count of a SELECT over HTTP, or the error status as text."""
    status, body = get(port, url_path + "?" + urllib.parse.urlencode({"query": query}))
    if status != 200:
        return f"HTTP {status}"
    return len(json.loads(body)["results"]["bindings"])


@dataclass
class LoadResult:
    client: str
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _wrk_ms(text: str) -> float:
    value = text.strip()
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


def load_wrk(
    port: int, paths: list[str], connections: int, seconds: float, lua: str = WRK_SCRIPT
) -> LoadResult:
    """wrk (2 threads) sending ``paths`` as the Lua script ``lua`` picks them."""
    with tempfile.TemporaryDirectory(prefix="subdip-wrk-") as tmp:
        script, listing = Path(tmp) / "paths.lua", Path(tmp) / "paths.txt"
        script.write_text(lua, encoding="utf-8")
        listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds:.0f}s",
                "--latency",
                "--timeout",
                "10s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
            env={**os.environ, "BENCH_PATHS": str(listing)},
            check=True,
        ).stdout
    return parse_wrk(out, seconds)


def parse_wrk(out: str, seconds: float) -> LoadResult:
    """Requests, errors and latency percentiles from wrk's ``--latency`` report."""
    requests, errors, p50, p99, elapsed = 0, 0, 0.0, 0.0, seconds
    for line in out.splitlines():
        words = line.split()
        if "requests in" in line:
            requests = int(words[0])
            elapsed = _wrk_ms(words[3].rstrip(",")) / 1000
        elif line.strip().startswith("50%"):
            p50 = _wrk_ms(words[1])
        elif line.strip().startswith("99%"):
            p99 = _wrk_ms(words[1])
        elif line.startswith("  Non-2xx") or line.startswith("Non-2xx"):
            errors += int(words[-1])
        elif "Socket errors" in line:
            errors += sum(int(w.rstrip(",")) for w in words if w.rstrip(",").isdigit())
    return LoadResult("wrk", requests, elapsed, errors, p50, p99)


def load_threads(port: int, paths: list[str], connections: int, seconds: float) -> LoadResult:
    """Fallback client: one keep-alive connection per thread, for a fixed time."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        i = offset
        while time.perf_counter() < stop_at:
            i = (i + 1) % len(paths)
            started = time.perf_counter()
            try:
                conn.request("GET", paths[i], headers={"Accept": ACCEPT})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(k * 7,)) for k in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    n = len(latencies)
    pick = (lambda q: latencies[min(n - 1, int(q * n))] * 1000) if n else (lambda q: 0.0)
    return LoadResult("threads", n, seconds, errors[0], pick(0.50), pick(0.99))


def load(port: int, paths: list[str], connections: int, seconds: float) -> LoadResult:
    if shutil.which("wrk"):
        return load_wrk(port, paths, connections, seconds)
    return load_threads(port, paths, connections, seconds)


def oxigraph_location(dataset_nq: Path, location: Path) -> float:
    """Load the artefact's N-Quads into a fresh Oxigraph store with the CLI; seconds taken."""
    if location.exists():
        shutil.rmtree(location)
    started = time.perf_counter()
    subprocess.run(
        [
            str(VENV_BIN / "oxigraph"),
            "load",
            "--location",
            str(location),
            "--file",
            str(dataset_nq),
        ],
        check=True,
        capture_output=True,
        timeout=1800,
    )
    return time.perf_counter() - started


#: Name of the reference Python endpoint (``raw_wsgi.py``) in the tables.
FLOOR = "raw WSGI floor"


def servers(
    build_dir: Path, oxigraph_dir: Path, include_rdflib: bool, *, include_floor: bool = False
) -> list[Server]:
    """The servers, each on a free loopback port, over the same dataset: subdip, Oxigraph,
    rdflib-endpoint and (``include_floor``) ``raw_wsgi.py``, the least a Python endpoint
    under granian spends."""
    subdip_port, ox_port, rdf_port = free_port(), free_port(), free_port()
    found = [
        Server(
            "subdip serve",
            [
                str(VENV_BIN / "subdip"),
                "serve",
                "--no-build",
                "--build-dir",
                str(build_dir),
                "--host",
                "127.0.0.1",
                "--port",
                str(subdip_port),
            ],
            "/sparql",
            subdip_port,
        ),
        Server(
            "oxigraph serve",
            [
                str(VENV_BIN / "oxigraph"),
                "serve-read-only",
                "--location",
                str(oxigraph_dir),
                "--bind",
                f"127.0.0.1:{ox_port}",
                "--union-default-graph",
            ],
            "/query",
            ox_port,
        ),
    ]
    if include_floor:
        floor_port = free_port()
        found.append(
            Server(
                FLOOR,
                [
                    str(VENV_BIN / "granian"),
                    "--interface",
                    "wsgi",
                    "--workers",
                    "2",
                    "--blocking-threads",
                    "1",
                    "--no-ws",
                    "--port",
                    str(floor_port),
                    "--working-dir",
                    str(Path(__file__).resolve().parent),
                    "raw_wsgi:app",
                ],
                "/sparql",
                floor_port,
                env={"STORE": str(build_dir / "store")},
            )
        )
    if include_rdflib:
        found.append(
            Server(
                "rdflib-endpoint",
                [
                    str(VENV_BIN / "rdflib-endpoint"),
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(rdf_port),
                    str(build_dir / "dataset.nq"),
                ],
                "/",
                rdf_port,
            )
        )
    return found
