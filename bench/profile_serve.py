"""Where a `subdip serve` request spends its time: a diagnosis for the endpoint benchmark.

Runs the benchmark's lookup queries against one built artefact, single-threaded, three ways:
pyoxigraph in this process (the engine alone), the backend (guard + a query process + result
serialisation) and the Flask app's test client (the whole request but the network), and
profiles the last with cProfile. Usage::

    .venv/bin/python bench/profile_serve.py BUILD_DIR [--requests 2000] [--size 100000]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

import endpoints


def per_query_ms(run, queries: list[str], n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        run(queries[i % len(queries)])
    return (time.perf_counter() - started) / n * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument(
        "--size",
        type=int,
        default=100_000,
        help="generated size of the artefact (to draw existing IRIs)",
    )
    args = parser.parse_args()
    counts = {
        "CountyLevelGovernment": 2800,
        "PrefectureLevelCity": 333,
        "Firm": max(10, args.size // 100),
    }
    queries = endpoints.lookup_queries(counts, 200, seed=1)

    from subdip.backends.embedded import EmbeddedBackend
    from subdip.web import create_app

    store = ox.Store.read_only(str(args.build_dir / "store"))

    def engine(q: str) -> None:
        result = store.query(q, use_default_graph_as_union=True)
        buffer = io.BytesIO()
        result.serialize(buffer, ox.QueryResultsFormat.JSON)

    backend = EmbeddedBackend(args.build_dir, processes=1)

    def through_backend(q: str) -> None:
        backend.query(q, timeout=10)

    app = create_app({"BUILD_DIR": str(args.build_dir), "EXECUTOR_PROCESSES": 1, "TESTING": True})
    client = app.test_client()

    def through_app(q: str) -> None:
        response = client.get(
            "/sparql?" + urllib.parse.urlencode({"query": q}), headers={"Accept": endpoints.ACCEPT}
        )
        if response.status_code != 200:
            raise SystemExit(f"HTTP {response.status_code}: {response.get_data(as_text=True)}")

    n = args.requests
    for name, run in (
        ("pyoxigraph in process", engine),
        ("backend (query process)", through_backend),
        ("Flask app, test client", through_app),
    ):
        run(queries[0])  # warm-up
        print(f"{name:28s} {per_query_ms(run, queries, n):7.3f} ms per query", flush=True)

    profile = cProfile.Profile()
    profile.enable()
    per_query_ms(through_app, queries, n)
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(30)
    print(out.getvalue())
    backend.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
