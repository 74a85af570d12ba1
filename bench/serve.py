"""Endpoint benchmark in two modes, against `oxigraph serve` and rdflib-endpoint in one run.

    .venv/bin/python bench/serve.py --builds shipped=DIR,100k=DIR,1m=DIR [--seconds 8]

Each DIR is a finished build artefact (``subdip build --out DIR``; ``bench/run.py`` and
``bench/stages.py build`` write them for synthetic sizes). For each size, three servers hold the
same ``dataset.nq``: ``subdip serve --no-build`` (defaults: granian, 2 workers), ``oxigraph
serve-read-only --union-default-graph`` (a store loaded from the dataset with the ``oxigraph``
CLI), rdflib-endpoint and ``raw_wsgi.py`` (the least a Python endpoint under granian spends;
``--no-floor`` skips it). ``wrk`` (2 threads, ``--connections``, ``--seconds``) sends:

- **repeated**: a fixed set of 200 lookups, round robin (what a response cache is for);
- **unique**: no query text twice in the run (every request names other variables, and
  draws its resource anew), so no cache of any server can answer it.

The lookups are four kinds on resources that have a label in the dataset: a resource's
description, its description joined with the labels of what it points to, what points to it
(``LIMIT 50``), its labels. Before the load, 24 of them go to every server and the row counts
are compared. Start time: from spawning ``subdip serve`` on the prebuilt artefact to its first
answer (the second start: the ontology page and VoID counts are cached by then).

``--perf`` splits each server's CPU per unique request by part (engine, Python interpreter, C
library, kernel, HTTP server) with ``perf record`` (:mod:`cpu_parts`), in an extra unique pass
after the measured one: perf costs a server with many threads more than one with few, so it
must not touch the measured figures.

Writes ``bench/results/<date>-<time>-serve.md`` and ``.json``. The machine may be shared: the load
average at start and end is recorded, and only ratios within one size's run mean anything.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu_parts
import endpoints

RESULTS = Path(__file__).resolve().parent / "results"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "

#: wrk script: each thread walks its own half of the list from its own start, so in the unique
#: mode no path is sent twice (the run reports it if a server got through a whole half).
WRK_SCRIPT = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local threads = 0
function setup(thread)
  thread:set("slot", threads)
  threads = threads + 1
end
function init(args)
  half = math.floor(#paths / 2)
  i = slot * half
  sent = 0
end
request = function()
  i = i + 1
  if i > #paths then i = 1 end
  sent = sent + 1
  return wrk.format("GET", paths[i], {["Accept"] = "application/sparql-results+json"})
end
"""


def labelled_subjects(dataset: Path, limit: int = 20_000) -> list[str]:
    """IRIs with an ``rdfs:label`` in the dataset (the resources a user looks up), in order."""
    found: dict[str, None] = {}
    with dataset.open(encoding="utf-8") as lines:
        for line in lines:
            subject, _, rest = line.partition(" ")
            if rest.startswith(LABEL) and subject.startswith("<"):
                found.setdefault(subject[1:-1])
                if len(found) >= limit:
                    break
    return list(found)


def lookup(kind: int, iri: str, tag: str = "") -> str:
    """One lookup of ``kind`` 0-3; ``tag`` makes its variable names (and so its text) unique."""
    p, o, x, ol = f"?p{tag}", f"?o{tag}", f"?x{tag}", f"?l{tag}"
    if kind == 0:
        return f"SELECT {p} {o} WHERE {{ <{iri}> {p} {o} }}"
    if kind == 1:
        return f"{RDFS}SELECT {p} {o} {ol} WHERE {{ <{iri}> {p} {o} . {o} rdfs:label {ol} }}"
    if kind == 2:
        return f"SELECT {x} {p} WHERE {{ {x} {p} <{iri}> }} LIMIT 50"
    return f"{RDFS}SELECT {ol} WHERE {{ <{iri}> rdfs:label {ol} }}"


def repeated_queries(subjects: list[str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [lookup(i % 4, rng.choice(subjects)) for i in range(n)]


def unique_queries(subjects: list[str], n: int, seed: int, start: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [lookup(i % 4, rng.choice(subjects), f"u{i}") for i in range(start, start + n)]


def run_wrk(port: int, paths: list[str], connections: int, seconds: float) -> endpoints.LoadResult:
    """wrk with each thread walking its own half of ``paths`` (no text sent twice)."""
    return endpoints.load_wrk(port, paths, connections, seconds, lua=WRK_SCRIPT)


def loadavg() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def bench_size(name: str, build: Path, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    dataset = build / "dataset.nq"
    out: dict[str, Any] = {
        "size": name,
        "build": str(build),
        "run_at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "loadavg_start": loadavg(),
    }
    with dataset.open("rb") as handle:
        out["quads"] = sum(1 for _ in handle)
    subjects = labelled_subjects(dataset)
    out["subjects"] = len(subjects)
    repeated = repeated_queries(subjects, 200, seed=1)
    ox_dir = work / f"oxigraph-{name}"
    out["oxigraph_load_s"] = round(endpoints.oxigraph_location(dataset, ox_dir), 2)
    include_rdflib = out["quads"] <= args.rdflib_max
    answers: dict[str, list[int | str]] = {}
    per_run = args.unique_per_server
    servers = endpoints.servers(build, ox_dir, include_rdflib, include_floor=args.floor)
    for number, server in enumerate(servers):
        row: dict[str, Any] = {}
        out[server.name] = row
        try:
            if server.name == "subdip serve":
                server.start(work, args.start_cap)  # first start: caches the docs and counts
                server.stop()
            row["start_s"] = round(server.start(work, args.start_cap), 3)
            answers[server.name] = [
                endpoints.rows_of(server.port, server.url_path, q) for q in repeated[:24]
            ]

            def paths(queries: list[str], url_path: str = server.url_path) -> list[str]:
                return [url_path + "?" + urllib.parse.urlencode({"query": q}) for q in queries]

            # repeated: warm up on the same set, then measure
            run_wrk(server.port, paths(repeated), args.connections, 2)
            cpu = server.cpu_seconds()
            result = run_wrk(server.port, paths(repeated), args.connections, args.seconds)
            row["repeated"] = summary(result, server.cpu_seconds() - cpu)
            # unique: texts no server has seen (each server its own range), warm-up apart
            base = 1_000_000 * (number + 1)
            warm = unique_queries(subjects, 4_000, seed=number + 7, start=base)
            run_wrk(server.port, paths(warm), args.connections, 2)
            fresh = unique_queries(subjects, per_run, seed=number + 11, start=base + 10_000)
            cpu = server.cpu_seconds()
            result = run_wrk(server.port, paths(fresh), args.connections, args.seconds)
            row["unique"] = summary(result, server.cpu_seconds() - cpu)
            row["unique"]["texts_sent_twice"] = max(result.requests - per_run, 0)
            if args.perf:  # a pass of its own: perf slows a many-threaded server the most
                again = unique_queries(
                    subjects, per_run, seed=number + 13, start=base + 10_000 + per_run
                )
                recording = cpu_parts.Recording(server.pids(), work / f"perf-{number}.data")
                run_wrk(server.port, paths(again), args.connections, args.seconds)
                spent = row["unique"]["cpu_us_per_request"] or 0
                row["unique"]["cpu_parts_us"] = {
                    part: round(share * spent) for part, share in recording.stop().items()
                }
            row["rss_mb"] = round(server.rss_mb())
        except (RuntimeError, TimeoutError, OSError, subprocess.SubprocessError) as err:
            row["error"] = str(err)
        finally:
            server.stop()
        print(f"  {name} {server.name}: {json.dumps(row)}", flush=True)
    if not include_rdflib:
        out["rdflib-endpoint"] = {"skipped": f"above --rdflib-max ({args.rdflib_max:,} quads)"}
    names = list(answers)
    out["same_answers"] = all(answers[n] == answers[names[0]] for n in names) if names else None
    out["answers_sample"] = {n: answers[n][:8] for n in names}
    out["loadavg_end"] = loadavg()
    shutil.rmtree(ox_dir, ignore_errors=True)
    return out


def summary(result: endpoints.LoadResult, cpu_s: float) -> dict[str, Any]:
    return {
        "rps": round(result.rps, 1),
        "p50_ms": round(result.p50_ms, 2),
        "p99_ms": round(result.p99_ms, 2),
        "requests": result.requests,
        "errors": result.errors,
        "cpu_us_per_request": round(cpu_s / result.requests * 1e6) if result.requests else None,
    }


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "-"


def _parts(row: dict[str, Any]) -> str:
    parts = (row.get("unique") or {}).get("cpu_parts_us")
    if not parts:
        return "-"
    return ", ".join(f"{name} {us}" for name, us in sorted(parts.items(), key=lambda x: -x[1]))


def markdown(records: list[dict[str, Any]], args: argparse.Namespace) -> str:
    def cell(r: dict[str, Any], server: str, mode: str) -> str:
        row = r.get(server, {})
        if "skipped" in row or "error" in row:
            return row.get("skipped") or f"error: {row['error'][:60]}"
        m = row.get(mode)
        if not m:
            return "-"
        if not m["requests"]:
            return "no answer within wrk's 10 s timeout"
        cpu = m.get("cpu_us_per_request")
        spent = f", {cpu:,} us CPU/req" if cpu else ""
        return f"{m['rps']:,.0f} req/s, p50 {m['p50_ms']} / p99 {m['p99_ms']} ms{spent}"

    lines = [
        f"# Endpoint bench {records[0].get('run_at', '')}",
        "",
        f"`bench/serve.py`, wrk 2 threads x {args.connections} connections, "
        f"{args.seconds:.0f} s per mode and server, on a shared 2-core machine "
        "(load average at start and end in the first row). Ratios: subdip serve / other. "
        "CPU per request is the CPU time of the server's processes during the measured run "
        "divided by the requests answered: what each server spends, whatever else runs.",
        "",
        "| | " + " | ".join(f"{r['size']} ({r['quads']:,} quads)" for r in records) + " |",
        "|---|" + "---|" * len(records),
        "| load average start / end | "
        + " | ".join(f"{r['loadavg_start'][0]} / {r['loadavg_end'][0]}" for r in records)
        + " |",
    ]
    servers = ["subdip serve", "oxigraph serve", "rdflib-endpoint"]
    if any(endpoints.FLOOR in r for r in records):
        servers.append(endpoints.FLOOR)
    for mode in ("repeated", "unique"):
        for server in servers:
            lines.append(
                f"| {mode}: {server} | " + " | ".join(cell(r, server, mode) for r in records) + " |"
            )
        for other in servers[1:]:
            lines.append(
                f"| **{mode}: subdip / {other}** | "
                + " | ".join(
                    _ratio(
                        (r.get("subdip serve", {}).get(mode) or {}).get("rps"),
                        (r.get(other, {}).get(mode) or {}).get("rps"),
                    )
                    for r in records
                )
                + " |"
            )
        lines.append(
            f"| {mode}: oxigraph / subdip CPU per request | "
            + " | ".join(
                _ratio(
                    (r.get("oxigraph serve", {}).get(mode) or {}).get("cpu_us_per_request"),
                    (r.get("subdip serve", {}).get(mode) or {}).get("cpu_us_per_request"),
                )
                for r in records
            )
            + " |"
        )
    for server in servers:
        if any("cpu_parts_us" in (r.get(server, {}).get("unique") or {}) for r in records):
            lines.append(
                f"| unique: {server}, CPU us per request by part | "
                + " | ".join(_parts(r.get(server, {})) for r in records)
                + " |"
            )
    lines.append(
        "| subdip serve start (prebuilt) | "
        + " | ".join(f"{r.get('subdip serve', {}).get('start_s', '-')} s" for r in records)
        + " |"
    )
    lines.append(
        "| subdip serve RSS after load | "
        + " | ".join(f"{r.get('subdip serve', {}).get('rss_mb', '-')} MB" for r in records)
        + " |"
    )
    lines.append(
        "| same answers on all servers | "
        + " | ".join(str(r.get("same_answers")) for r in records)
        + " |"
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--builds", help="name=DIR,... (artefact folders)")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per mode")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--start-cap", type=float, default=600.0)
    parser.add_argument(
        "--rdflib-max", type=int, default=1_200_000, help="largest dataset for rdflib-endpoint"
    )
    parser.add_argument(
        "--unique-per-server", type=int, default=200_000, help="distinct texts per server"
    )
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "subdip-serve")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--floor",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure raw_wsgi.py, the least a Python endpoint under granian spends",
    )
    parser.add_argument(
        "--perf",
        action="store_true",
        help="split each server's CPU per unique request by part with perf (Linux, root)",
    )
    parser.add_argument("--render", type=Path, help="only rewrite the table of a results .json")
    args = parser.parse_args(argv)
    if args.render:
        records = json.loads(args.render.read_text(encoding="utf-8"))
        args.render.with_suffix(".md").write_text(markdown(records, args), encoding="utf-8")
        return 0
    if not args.builds:
        parser.error("--builds is needed")
    if not shutil.which("wrk"):
        parser.error("wrk is needed (apt-get install wrk)")
    if args.perf and not cpu_parts.available():
        parser.error("--perf needs perf (apt-get install linux-perf)")
    args.work.mkdir(parents=True, exist_ok=True)
    records = []
    for item in args.builds.split(","):
        name, _, folder = item.partition("=")
        print(f"== {name}", flush=True)
        records.append(bench_size(name, Path(folder), args, args.work))
    text = markdown(records, args)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = f"{datetime.now(UTC):%Y-%m-%d-%H%M}-serve"
    (args.out / f"{stem}.md").write_text(text, encoding="utf-8")
    (args.out / f"{stem}.json").write_text(json.dumps(records, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
