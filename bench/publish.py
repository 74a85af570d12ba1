"""Publishing figures, in one run: loading a build into an empty store vs replacing it.

For each store (Oxigraph's server on disk; Virtuoso when ``virtuoso-t`` is installed), started
fresh in ``--workdir``, with the artefact of ``--build-dir``:

- ``bare load`` (Oxigraph only): ``dataset.nq`` POSTed in one request to ``/store?no_transaction``,
  the store's own fastest load;
- ``publish into empty``: ``subdip publish`` into the empty store (upload under versioned
  names, count check, pointer switch) = loading the build into an empty store;
- ``replace``: a second ``subdip publish`` of the same artefact (a new build id), while the
  first is served; readers switch when it ends; nothing is dropped (the first build becomes
  the previous one, kept for ``--rollback``);
- ``replace + drop``: a third publish, which after the switch also drops the first build's
  graphs (``drop-old`` in its timings: readers are on the new build by then).

    .venv/bin/python bench/publish.py --build-dir /tmp/subdip-bench/1000000/build

Prints one JSON object; the ratios that matter are ``replace / publish into empty``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "store"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _publish(build_dir: Path, url: str, graph_store: str | None) -> dict[str, Any]:
    from subdip.publish import publish
    from subdip.storeclient import StoreClient, StoreEndpoints

    client = StoreClient(StoreEndpoints.from_url(url, graph_store=graph_store), timeout=3600)
    started = time.perf_counter()
    report = publish(build_dir, client)
    wall = time.perf_counter() - started
    drop = report.timings.get("drop-old", 0.0)
    return {
        "seconds": round(wall, 2),
        "until_switch": round(wall - drop, 2),
        "timings": {k: round(v, 2) for k, v in report.timings.items()},
        "dropped_graphs": len(report.dropped),
        "triples": report.total,
    }


#: The publishes of one run, in order (``--rounds`` keeps the first N).
ROUNDS = ("publish into empty", "replace", "replace + drop")


def _three_publishes(
    build_dir: Path, url: str, graph_store: str | None, rounds: int = 3
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for name in ROUNDS[:rounds]:
        figures[name] = _publish(build_dir, url, graph_store)
        print(name, figures[name], file=sys.stderr, flush=True)
    empty = figures["publish into empty"]["seconds"]
    if "replace" in figures:
        figures["replace / empty (until switch)"] = round(
            figures["replace"]["until_switch"] / empty, 2
        )
    if "replace + drop" in figures:
        figures["replace + drop / empty (until switch)"] = round(
            figures["replace + drop"]["until_switch"] / empty, 2
        )
        figures["replace + drop / empty (whole run)"] = round(
            figures["replace + drop"]["seconds"] / empty, 2
        )
    return figures


def oxigraph(build_dir: Path, workdir: Path, rounds: int = 3) -> dict[str, Any]:
    exe = Path(sys.executable).with_name("oxigraph")
    figures: dict[str, Any] = {}
    for role in ("bare", "subdip"):
        location = workdir / f"oxigraph-{role}"
        shutil.rmtree(location, ignore_errors=True)
        port = _free_port()
        server = subprocess.Popen(
            [str(exe), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(400):
                try:
                    urllib.request.urlopen(f"{url}/query?query=ASK%7B%7D", timeout=1).read()
                    break
                except OSError:
                    time.sleep(0.05)
            if role == "bare":
                started = time.perf_counter()
                with (build_dir / "dataset.nq").open("rb") as body:
                    request = urllib.request.Request(
                        f"{url}/store?no_transaction",
                        data=body,
                        method="POST",
                        headers={
                            "Content-Type": "application/n-quads",
                            "Content-Length": str((build_dir / "dataset.nq").stat().st_size),
                        },
                    )
                    urllib.request.urlopen(request, timeout=3600).read()
                figures["bare load"] = {"seconds": round(time.perf_counter() - started, 2)}
                print("bare load", figures["bare load"], file=sys.stderr, flush=True)
            else:
                figures.update(_three_publishes(build_dir, url, None, rounds))
        finally:
            server.terminate()
            server.wait(timeout=60)
    return figures


def virtuoso(build_dir: Path, workdir: Path, rounds: int = 3) -> dict[str, Any]:
    from conftest import VirtuosoServer  # the tests' launcher: a fresh database on free ports

    folder = workdir / "virtuoso"
    shutil.rmtree(folder, ignore_errors=True)
    server = VirtuosoServer(folder).start()
    try:
        return _three_publishes(build_dir, server.url, server.graph_store, rounds)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, required=True)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/subdip-bench/publish"))
    parser.add_argument("--stores", default="oxigraph,virtuoso")
    parser.add_argument(
        "--rounds",
        type=int,
        choices=(1, 2, 3),
        default=3,
        help="publishes per store: into empty, replace, replace + drop (default all 3)",
    )
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    report = json.loads((args.build_dir / "report.json").read_text())
    out: dict[str, Any] = {
        "triples": sum(report["counts"].values()),
        "loadavg_at_start": os.getloadavg(),
    }
    stores = args.stores.split(",")
    if "oxigraph" in stores:
        out["oxigraph"] = oxigraph(args.build_dir, args.workdir, args.rounds)
    if "virtuoso" in stores and shutil.which("virtuoso-t"):
        out["virtuoso"] = virtuoso(args.build_dir, args.workdir, args.rounds)
    out["loadavg_at_end"] = os.getloadavg()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
