"""Where a `subdip serve` request spends its time: a diagnosis for the endpoint benchmark.

Runs never-repeated lookups (``serve.unique_queries``) against one built artefact,
single-threaded: pyoxigraph in this process (the engine alone), the backend with each isolation
(a query thread; a query process), the app's WSGI entry (parse, guard, cache miss, execution)
and a repeated request (a cache hit); then profiles the unique path with cProfile. Usage::

    .venv/bin/python bench/profile_serve.py BUILD_DIR [--requests 2000]
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
import serve


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir", type=Path)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    subjects = serve.labelled_subjects(args.build_dir / "dataset.nq")
    counter = iter(range(10**9))

    def fresh() -> str:
        i = next(counter)
        return serve.unique_queries(subjects, 1, seed=i, start=i)[0]

    from subdip.backends.embedded import EmbeddedBackend
    from subdip.web import create_app

    store = ox.Store.read_only(str(args.build_dir / "store"))

    def engine() -> None:
        result = store.query(fresh(), use_default_graph_as_union=True)
        buffer = io.BytesIO()
        result.serialize(buffer, ox.QueryResultsFormat.JSON)

    threads = EmbeddedBackend(args.build_dir, processes=2, isolation="worker")
    processes = EmbeddedBackend(args.build_dir, processes=1, isolation="process")
    app = create_app({"BUILD_DIR": str(args.build_dir), "QUERY_ISOLATION": "worker"})

    def wsgi(query: str) -> None:
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/sparql",
            "QUERY_STRING": urllib.parse.urlencode({"query": query}),
            "HTTP_ACCEPT": endpoints.ACCEPT,
            "HTTP_HOST": "bench",
            "wsgi.url_scheme": "http",
        }
        status: list[str] = []
        body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
        if not status[0].startswith("200"):
            raise SystemExit(f"{status[0]}: {body[:300]!r}")

    repeated = fresh()
    runs = (
        ("pyoxigraph in process", engine),
        ("backend, query thread", lambda: threads.query(fresh(), timeout=10)),
        ("backend, query process", lambda: processes.query(fresh(), timeout=10)),
        ("WSGI app, unique (miss)", lambda: wsgi(fresh())),
        ("WSGI app, repeated (hit)", lambda: wsgi(repeated)),
    )
    for name, run in runs:
        run()  # warm-up
        started = time.perf_counter()
        for _ in range(args.requests):
            run()
        per = (time.perf_counter() - started) / args.requests * 1e6
        print(f"{name:28s} {per:9.1f} us per request", flush=True)

    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        wsgi(fresh())
    profile.disable()
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
    print(out.getvalue())
    threads.close()
    processes.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
