"""Per-query cost of ``RemoteBackend`` against ``oxigraph serve``, in one run.

Starts an in-memory ``oxigraph serve`` on a free loopback port, loads a build artefact's
``dataset.nq`` into it, then sends the same lookups ``--rounds`` times, one at a time:

- ``direct``: one persistent ``http.client`` connection posting the query straight to the
  store (the floor: what the store and loopback HTTP cost);
- ``remote``: ``RemoteBackend.query`` (guard, standard-syntax check, dataset pinning, the
  store's answer passed on).

The difference is the backend's own cost per query; run it before and after a change.

    .venv/bin/python bench/remote.py --build-dir build --rounds 300
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

QUERIES = [
    "SELECT ?p ?o WHERE { <https://w3id.org/subdip/id/hainan> ?p ?o } LIMIT 50",
    "SELECT ?x WHERE { <https://w3id.org/subdip/id/ccp> "
    "<https://w3id.org/subdip/ontology#controls> ?x }",
    "SELECT ?l WHERE { <https://w3id.org/subdip/id/prague> "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?l }",
    "ASK { <https://w3id.org/subdip/id/sansha> ?p ?o }",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _oxigraph() -> str:
    exe = Path(sys.executable).with_name("oxigraph")
    return str(exe) if exe.exists() else (shutil.which("oxigraph") or "oxigraph")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, default=Path("build"))
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args(argv)
    from subdip.backends.remote import RemoteBackend

    port = _free_port()
    server = subprocess.Popen(
        [_oxigraph(), "serve", "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        data = (args.build_dir / "dataset.nq").read_bytes()
        request = urllib.request.Request(
            f"{url}/store?no_transaction",
            data=data,
            method="POST",
            headers={"Content-Type": "application/n-quads"},
        )
        urllib.request.urlopen(request, timeout=300).read()

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        backend = RemoteBackend(url)
        backend.query(QUERIES[0], timeout=30)  # warm: graph list cached, as in a server

        def direct(q: str) -> None:
            conn.request(
                "POST",
                "/query",
                body=q.encode(),
                headers={
                    "Content-Type": "application/sparql-query",
                    "Accept": "application/sparql-results+json",
                },
            )
            conn.getresponse().read()

        def remote(q: str) -> None:
            backend.query(q, timeout=30)

        figures = {}
        for name, run in (("direct", direct), ("remote", remote)):
            times = []
            for _ in range(args.rounds):
                for q in QUERIES:
                    started = time.perf_counter()
                    run(q)
                    times.append(time.perf_counter() - started)
            figures[name] = {
                "median_ms": round(statistics.median(times) * 1000, 3),
                "mean_ms": round(statistics.fmean(times) * 1000, 3),
                "p99_ms": round(sorted(times)[int(len(times) * 0.99)] * 1000, 3),
                "queries": len(times),
            }
        figures["remote_over_direct_ms"] = round(
            figures["remote"]["median_ms"] - figures["direct"]["median_ms"], 3
        )
        print(json.dumps(figures, indent=2))
        backend.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
