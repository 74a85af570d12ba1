"""The subdip benchmark: one command, every size, baselines measured in the same run.

    .venv/bin/python bench/run.py --sizes 10k,100k,1m

Per size: generate the data (bench/generate.py); parse it with rdflib and load it with
pyoxigraph; subdip's build (load, SHACL validation, fast reasoning, artefact) with its time and
peak memory; subdip.reasoning.infer with the fast engine and with owlrl on the same graph
(owlrl up to --owlrl-max) and whether their inferences are the same set; the competency
questions on the built store (pyoxigraph) and on rdflib; the endpoint throughput and p50/p99
latency of `subdip serve`, `oxigraph serve` and rdflib-endpoint on the same lookup queries, and
their start times. Each stage runs in its own child process (its peak memory is its own) under
a time cap; a stage beyond the cap is reported as "> cap". Results: a table on stdout and
bench/results/<date>-<time>-<sizes>.md and .json, with the machine's description.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import endpoints
import generate

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PYTHON = sys.executable

TARGETS = {
    "build_1m_seconds": 60.0,
    "build_1m_mb": 4096.0,
    "throughput_vs_oxigraph": 0.5,
    "throughput_vs_rdflib_endpoint": 10.0,
    "start_1m_seconds": 5.0,
}


@dataclass
class StageRun:
    """How one child stage went: its result line, events, time, CPU and peak memory."""

    result: dict[str, Any] | None
    events: list[dict[str, Any]] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    peak_mb: float = 0.0
    #: highest sum of the proportional set sizes of the stage and its child processes
    #: (sampled twice a second): what it held, counting pages shared after a fork once
    tree_peak_mb: float = 0.0
    capped: bool = False
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "result": self.result,
            "events": self.events,
            "wall_s": round(self.wall, 3),
            "cpu_s": round(self.cpu, 3),
            "peak_mb": round(self.peak_mb, 1),
            "tree_peak_mb": round(self.tree_peak_mb, 1),
            "capped": self.capped,
            "error": self.error,
        }


def tree_pss_mb(root: int) -> float:
    """The summed PSS of process ``root`` and its descendants (Linux; 0 elsewhere)."""
    total_kb, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kb += int(line.split()[1])
                    break
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total_kb / 1024


#: A stage whose processes hold more than this much memory (summed PSS) is stopped, so that
#: a large size cannot push the shared machine out of memory (``--memory-cap``).
MEMORY_CAP_MB = 14_000.0


def stage(name: str, *args: str, cap: float, log: Path) -> StageRun:
    """Run ``bench/stages.py name args`` in a child; kill it at ``cap`` seconds or when its
    processes hold more than ``MEMORY_CAP_MB``."""
    started = time.perf_counter()
    with log.open("ab") as err:
        proc = subprocess.Popen(
            [PYTHON, str(HERE / "stages.py"), name, *args],
            stdout=subprocess.PIPE,
            stderr=err,
            start_new_session=True,
        )
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.extend(line.decode() for line in proc.stdout or [])
        )
        reader.start()
        capped = over_memory = False
        tree_mb, sampled = 0.0, 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - sampled > 0.5:
                sampled = time.perf_counter()
                tree_mb = max(tree_mb, tree_pss_mb(proc.pid))
                if tree_mb > MEMORY_CAP_MB:
                    over_memory = True
            if over_memory or time.perf_counter() - started > cap:
                capped = True
                os.killpg(proc.pid, 9)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        reader.join(timeout=10)
    run = StageRun(
        result=None,
        wall=time.perf_counter() - started,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_mb=usage.ru_maxrss / 1024,
        tree_peak_mb=tree_mb,
        capped=capped,
    )
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "result" in record:
            run.result = record["result"]
        elif "event" in record:
            run.events.append(record["event"])
    if run.result is None and not capped:
        run.error = f"exit {proc.returncode} (see {log})"
    if over_memory:
        run.error = f"stopped above the memory cap ({MEMORY_CAP_MB:.0f} MB)"
    return run


def compare_inferences(fast: Path, owlrl: Path) -> dict[str, Any]:
    """Set comparison of two N-Triples files of inferences, with differences per predicate."""

    def read(path: Path) -> set[str]:
        return {
            " ".join(line.split())
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        }

    a, b = read(fast), read(owlrl)

    def by_predicate(triples: set[str]) -> dict[str, int]:
        counts: dict[str, int] = {}
        for t in triples:
            parts = t.split(" ", 2)
            key = parts[1] if not parts[1].endswith("#type>") else "rdf:type " + parts[2][:-2]
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: -kv[1])[:10])

    return {
        "fast": len(a),
        "owlrl": len(b),
        "common": len(a & b),
        "equal": a == b,
        "only_fast": by_predicate(a - b),
        "only_owlrl": by_predicate(b - a),
    }


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    versions = {}
    for dist in (
        "rdflib",
        "owlrl",
        "pyshacl",
        "pyoxigraph",
        "oxigraph",
        "flask",
        "granian",
        "rdflib-endpoint",
        "subdip",
    ):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "not installed"
    wrk = shutil.which("wrk")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "load_client": "wrk" if wrk else "python threads",
        "loadavg_at_start": os.getloadavg(),
    }


def bench_endpoints(
    args: argparse.Namespace, size_dir: Path, build_dir: Path, stats: generate.Stats, log_dir: Path
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    dataset = build_dir / "dataset.nq"
    ox_dir = size_dir / "oxigraph-store"
    out["oxigraph_load_s"] = round(endpoints.oxigraph_location(dataset, ox_dir), 2)
    queries = endpoints.lookup_queries(stats.counts, 200, seed=stats.seed)
    include_rdflib = stats.target <= args.rdflib_endpoint_max
    answers: dict[str, list[int | str]] = {}
    for server in endpoints.servers(build_dir, ox_dir, include_rdflib):
        row: dict[str, Any] = {}
        out[server.name] = row
        try:
            row["start_s"] = round(server.start(log_dir, args.start_cap), 3)
            answers[server.name] = [
                endpoints.rows_of(server.port, server.url_path, q) for q in queries[:24]
            ]
            paths = [
                server.url_path + "?" + endpoints.urllib.parse.urlencode({"query": q})
                for q in queries
            ]
            endpoints.load(server.port, paths[:8], 2, 1)  # warm-up
            result = endpoints.load(server.port, paths, args.connections, args.seconds)
            row.update(
                rps=round(result.rps, 1),
                p50_ms=round(result.p50_ms, 2),
                p99_ms=round(result.p99_ms, 2),
                requests=result.requests,
                errors=result.errors,
                client=result.client,
                rss_mb=round(server.rss_mb()),
            )
            if server.name == "subdip serve":
                server.stop()  # a second start: the VoID statistics are cached by now
                row["restart_s"] = round(server.start(log_dir, args.start_cap), 3)
        except (RuntimeError, TimeoutError, OSError, subprocess.SubprocessError) as err:
            row["error"] = str(err)
        finally:
            server.stop()
        print(f"    {server.name}: {row}", flush=True)
    if not include_rdflib:
        out["rdflib-endpoint"] = {
            "skipped": f"size above --rdflib-endpoint-max ({args.rdflib_endpoint_max:,})"
        }
    names = list(answers)
    out["same_answers"] = all(answers[n] == answers[names[0]] for n in names) if names else None
    out["answers_sample"] = {n: answers[n][:8] for n in names}
    return out


def bench_size(args: argparse.Namespace, target: int) -> dict[str, Any]:
    size_dir = args.workdir / f"{target}"
    size_dir.mkdir(parents=True, exist_ok=True)
    log = size_dir / "stages.log"
    data = size_dir / "synth.nt"
    record: dict[str, Any] = {"target": target}
    print(f"== {target:,} triples: generating", flush=True)
    stats = generate.generate(target, data, seed=args.seed)
    record["generate"] = {
        "seconds": stats.seconds,
        "triples": stats.triples,
        "hierarchy_fraction": stats.hierarchy_fraction,
        "counts": stats.counts,
    }

    def run(name: str, *stage_args: str, cap: float) -> StageRun:
        print(f"   {name} ...", end="", flush=True)
        result = stage(name, *stage_args, cap=cap, log=log)
        shown = "capped" if result.capped else (result.error or "ok")
        print(
            f" {shown} ({result.wall:.1f} s wall, {result.cpu:.1f} s CPU, {result.peak_mb:.0f} MB)",
            flush=True,
        )
        record[name if name not in record else f"{name}-2"] = result.as_json()
        return result

    rdflib_ok = target <= args.rdflib_max
    if rdflib_ok:
        run("parse-rdflib", str(data), cap=args.cap)
    else:
        record["parse-rdflib"] = {"skipped": f"above --rdflib-max ({args.rdflib_max:,})"}
    # the two bare-load baselines: in memory, and on disk as the build's store is
    run("load-oxigraph", str(data), cap=args.cap)
    run("load-oxigraph-disk", str(data), str(size_dir / "bare-disk-store"), cap=args.cap)
    build_dir = size_dir / "build"
    built = run("build", str(data), str(build_dir), cap=args.build_cap)
    if built.result is None:
        # validation (or another stage) did not finish: the artefact without validation,
        # so the store can still be queried and served at this size
        record["artefact_without_validation"] = True
        run("artefact", str(data), str(build_dir), cap=args.cap)
    if target > args.reference_max:
        record["reason-fast"] = {"skipped": f"above --reference-max ({args.reference_max:,})"}
        record["reason-owlrl"] = {"skipped": f"above --owlrl-max ({args.owlrl_max:,})"}
        return _serve_stages(args, record, run, size_dir, build_dir, stats, rdflib_ok)
    inferred_fast = size_dir / "inferred-fast.nt"
    fast = run("reason", "fast", str(data), str(inferred_fast), cap=args.cap)
    record["reason-fast"] = record.pop("reason")
    if fast.result is not None and (build_dir / DATASET).is_file():
        built_inferred = size_dir / "inferred-build.nt"
        inferred_of_build(build_dir / DATASET, built_inferred)
        record["build_inference_match"] = compare_inferences(built_inferred, inferred_fast)
    if target <= args.owlrl_max:
        inferred_owlrl = size_dir / "inferred-owlrl.nt"
        owl = run("reason", "owlrl", str(data), str(inferred_owlrl), cap=args.owlrl_cap)
        record["reason-owlrl"] = record.pop("reason")
        if owl.result is not None and fast.result is not None:
            record["inference_match"] = compare_inferences(inferred_fast, inferred_owlrl)
    else:
        record["reason-owlrl"] = {
            "skipped": f"above --owlrl-max ({args.owlrl_max:,}); ENGINE-NOTES: over 600 s at 1 M"
        }
    return _serve_stages(args, record, run, size_dir, build_dir, stats, rdflib_ok)


def _serve_stages(
    args: argparse.Namespace,
    record: dict[str, Any],
    run: Any,
    size_dir: Path,
    build_dir: Path,
    stats: generate.Stats,
    rdflib_ok: bool,
) -> dict[str, Any]:
    """The competency questions and the endpoints on the built store."""
    if (build_dir / "report.json").is_file() and not args.no_cq:
        run("cq-oxigraph", str(build_dir), cap=args.cap)
        if rdflib_ok:
            run("cq-rdflib", str(build_dir), cap=args.cq_rdflib_cap)
        if not args.no_endpoints:
            print("   endpoints ...", flush=True)
            record["endpoints"] = bench_endpoints(args, size_dir, build_dir, stats, size_dir)
    return record


DATASET = "dataset.nq"


def inferred_of_build(dataset: Path, out: Path) -> None:
    """The inferred graph of a build's ``dataset.nq`` as N-Triples (its graph name cut off),
    to be compared with the reference engine's output triple by triple."""
    from subdip.namespaces import GRAPH_INFERRED

    tail = f" <{GRAPH_INFERRED}> .\n"
    with dataset.open(encoding="utf-8") as lines, out.open("w", encoding="utf-8") as sink:
        for line in lines:
            if line.endswith(tail):
                sink.write(line[: -len(tail)] + " .\n")


# --- the table ----------------------------------------------------------------------------


def _get(record: dict[str, Any], *keys: str) -> Any:
    value: Any = record
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _secs(stage_json: dict[str, Any] | None, key: str = "seconds", cap: float = 0) -> str:
    if not stage_json:
        return "-"
    if "skipped" in stage_json:
        return "skipped"
    if stage_json.get("capped"):
        return f"> {cap:.0f} s"
    result = stage_json.get("result")
    if not result:
        return "failed"
    value = result.get(key)
    if not isinstance(value, int | float):
        return "-"
    used = result.get("cpu")
    return f"{value:.2f} (CPU {used:.1f})" if isinstance(used, int | float) else f"{value:.2f}"


def _match_cell(match: dict[str, Any] | None, left: str, right: str) -> str:
    """A comparison of two inference sets (``fast``/``owlrl``/``common`` counts) as a cell."""
    if not match:
        return "-"
    if match["equal"]:
        return "yes"
    return (
        f"no: {match['fast'] - match['common']} only {left}, "
        f"{match['owlrl'] - match['common']} only {right}"
    )


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a and b else "-"


def _build_stage(record: dict[str, Any], name: str) -> str:
    """A build stage's seconds; for a build stopped at the cap, what its progress events say."""
    value = _get(record, "build", "result", "timings", name)
    if isinstance(value, int | float):
        return f"{value:.2f}"
    if not _get(record, "build", "capped"):
        return "-"
    events = {e.get("stage"): e.get("at", 0.0) for e in _get(record, "build", "events") or []}
    wall = _get(record, "build", "wall_s") or 0.0
    starts = {
        "load": "loading",
        "validate": "validating",
        "reason": "reasoning and writing the artefact",
    }
    order = ["load", "validate", "reason"]
    if name not in starts or starts[name] not in events:
        return "not reached"
    begin = events[starts[name]]
    later = [events[starts[n]] for n in order[order.index(name) + 1 :] if starts[n] in events]
    if later:
        return f"{later[0] - begin:.2f}"
    return f"> {wall - begin:.0f} (stopped at the cap)"


def table(records: list[dict[str, Any]], args: argparse.Namespace) -> str:
    sizes = [f"{r['generate']['triples']:,}" for r in records]
    rows: list[tuple[str, list[str]]] = []

    def add(label: str, values: list[str]) -> None:
        rows.append((label, values))

    add("asserted triples (generated)", sizes)
    add("rdflib parse (s)", [_secs(r.get("parse-rdflib"), cap=args.cap) for r in records])
    add(
        "bare pyoxigraph load, in memory (s)",
        [_secs(r.get("load-oxigraph"), cap=args.cap) for r in records],
    )
    add(
        "bare pyoxigraph load, on disk (s)",
        [_secs(r.get("load-oxigraph-disk"), cap=args.cap) for r in records],
    )
    add(
        "  ratio rdflib / pyoxigraph",
        [
            _ratio(
                _get(r, "parse-rdflib", "result", "seconds"),
                _get(r, "load-oxigraph", "result", "seconds"),
            )
            for r in records
        ],
    )
    for stage_name in ("load", "validate", "validate_cpu", "reason", "write"):
        add(f"subdip build: {stage_name} (s)", [_build_stage(r, stage_name) for r in records])
    add(
        "subdip build: total wall (s)", [_secs(r.get("build"), cap=args.build_cap) for r in records]
    )
    for label, baseline in (("in memory", "load-oxigraph"), ("on disk", "load-oxigraph-disk")):
        add(
            f"  build / bare load {label} (wall; CPU)",
            [
                _ratio(
                    _get(r, "build", "result", "seconds"), _get(r, baseline, "result", "seconds")
                )
                + "; "
                + _ratio(_get(r, "build", "cpu_s"), _get(r, baseline, "cpu_s"))
                for r in records
            ],
        )
    add(
        "  build inferences == reference fast engine",
        [_match_cell(r.get("build_inference_match"), "build", "reference") for r in records],
    )
    add(
        "subdip build: peak memory (MB)",
        [
            f"{_get(r, 'build', 'peak_mb'):.0f}" if _get(r, "build", "peak_mb") else "-"
            for r in records
        ],
    )
    add(
        "subdip build: peak memory of all its processes (MB, PSS)",
        [
            f"{_get(r, 'build', 'tree_peak_mb'):.0f}" if _get(r, "build", "tree_peak_mb") else "-"
            for r in records
        ],
    )
    add(
        "subdip build: CPU (s)",
        [f"{_get(r, 'build', 'cpu_s'):.1f}" if _get(r, "build", "cpu_s") else "-" for r in records],
    )
    add(
        "fast build without validation: total (s)",
        [_secs(r.get("artefact"), cap=args.cap) if r.get("artefact") else "-" for r in records],
    )
    add(
        "  of which reason / write (s)",
        [
            f"{t['reason']:.2f} / {t['write']:.2f}"
            if (t := _get(r, "artefact", "result", "timings"))
            else "-"
            for r in records
        ],
    )
    add(
        "  peak memory (MB) / CPU (s)",
        [
            f"{_get(r, 'artefact', 'peak_mb'):.0f} / {_get(r, 'artefact', 'cpu_s'):.1f}"
            if _get(r, "artefact", "result")
            else "-"
            for r in records
        ],
    )
    add(
        "inferred triples (fast, filtered)",
        [str(_get(r, "reason-fast", "result", "inferred") or "-") for r in records],
    )
    add("reasoning fast engine (s)", [_secs(r.get("reason-fast"), cap=args.cap) for r in records])
    add(
        "reasoning fast peak memory (MB)",
        [
            f"{_get(r, 'reason-fast', 'peak_mb'):.0f}" if _get(r, "reason-fast", "peak_mb") else "-"
            for r in records
        ],
    )
    add("reasoning owlrl (s)", [_secs(r.get("reason-owlrl"), cap=args.owlrl_cap) for r in records])
    add(
        "owlrl peak memory (MB)",
        [
            f"{_get(r, 'reason-owlrl', 'peak_mb'):.0f}"
            if _get(r, "reason-owlrl", "peak_mb")
            else "-"
            for r in records
        ],
    )
    add(
        "  speed-up fast vs owlrl",
        [
            _ratio(
                _get(r, "reason-owlrl", "result", "seconds"),
                _get(r, "reason-fast", "result", "seconds"),
            )
            for r in records
        ],
    )
    add(
        "  fast == owlrl (filtered inferences)",
        [_match_cell(r.get("inference_match"), "fast", "owlrl") for r in records],
    )
    cq_names = sorted(
        {
            e["query"]
            for r in records
            for e in _get(r, "cq-oxigraph", "events") or []
            if "query" in e
        }
    )
    for name in cq_names:
        cells = []
        for r in records:
            ox = {e["query"]: e for e in _get(r, "cq-oxigraph", "events") or [] if "query" in e}
            rl = {e["query"]: e for e in _get(r, "cq-rdflib", "events") or [] if "query" in e}
            o = ox.get(name)
            lib = rl.get(name)
            o_ms = f"{o['seconds'] * 1000:.1f} ms" if o else "-"
            if o and o.get("capped"):
                o_ms = f"> {o['seconds']:.0f} s"
            if lib:
                l_ms = f"{lib['seconds'] * 1000:.0f} ms"
            elif _get(r, "cq-rdflib", "capped"):
                l_ms = f"> cap ({args.cq_rdflib_cap:.0f} s for all)"
            else:
                l_ms = "-"
            n_rows = o.get("rows") if o else None
            cells.append(f"{o_ms} / {l_ms}" + (f" ({n_rows} rows)" if n_rows is not None else ""))
        add(f"CQ {name[:28]}: oxigraph / rdflib", cells)
    for server in ("subdip serve", "oxigraph serve", "rdflib-endpoint"):
        add(
            f"{server}: req/s",
            [
                str(
                    _get(r, "endpoints", server, "rps")
                    or _get(r, "endpoints", server, "error")
                    or ("skipped" if _get(r, "endpoints", server, "skipped") else "-")
                )
                for r in records
            ],
        )
        add(
            f"{server}: p50 / p99 (ms)",
            [
                f"{p50} / {_get(r, 'endpoints', server, 'p99_ms')}"
                if (p50 := _get(r, "endpoints", server, "p50_ms")) is not None
                else "-"
                for r in records
            ],
        )
        add(
            f"{server}: start (s)",
            [str(_get(r, "endpoints", server, "start_s") or "-") for r in records],
        )
    add(
        "subdip serve: restart, VoID cached (s)",
        [str(_get(r, "endpoints", "subdip serve", "restart_s") or "-") for r in records],
    )
    add(
        "  subdip / oxigraph serve throughput",
        [
            _ratio(
                _get(r, "endpoints", "subdip serve", "rps"),
                _get(r, "endpoints", "oxigraph serve", "rps"),
            )
            for r in records
        ],
    )
    add(
        "  subdip / rdflib-endpoint throughput",
        [
            _ratio(
                _get(r, "endpoints", "subdip serve", "rps"),
                _get(r, "endpoints", "rdflib-endpoint", "rps"),
            )
            for r in records
        ],
    )
    add(
        "  same answers on all servers",
        [str(_get(r, "endpoints", "same_answers")) for r in records],
    )
    width = max(len(label) for label, _ in rows)
    lines = [
        "| "
        + "measure".ljust(width)
        + " | "
        + " | ".join(f"{r['target']:,} target" for r in records)
        + " |",
        "|" + "-" * (width + 2) + "|" + "|".join("---" for _ in records) + "|",
    ]
    for label, values in rows:
        lines.append(f"| {label.ljust(width)} | " + " | ".join(values) + " |")
    return "\n".join(lines)


def targets_text(records: list[dict[str, Any]]) -> str:
    big = [r for r in records if r["target"] >= 1_000_000]
    lines = ["Targets (issue 7), at the largest size of at least 1 M:"]
    if not big:
        return lines[0] + " no size of 1 M or more in this run."
    r = big[-1]
    total = _get(r, "build", "result", "seconds")
    peak = _get(r, "build", "peak_mb")
    lines.append(
        f"- build of 1 M asserted triples < {TARGETS['build_1m_seconds']:.0f} s: "
        + (
            f"{total:.1f} s ({'met' if total < TARGETS['build_1m_seconds'] else 'missed'})"
            if total
            else "did not finish within the cap (missed)"
        )
    )
    lines.append(
        f"- build peak memory < {TARGETS['build_1m_mb']:.0f} MB: "
        + (
            (
                f"{peak:.0f} MB ({'met' if peak < TARGETS['build_1m_mb'] else 'missed'})"
                if total
                else f"{peak:.0f} MB when stopped at the cap (not known for a whole build)"
            )
            if peak
            else "-"
        )
    )
    for other, key in (
        ("oxigraph serve", "throughput_vs_oxigraph"),
        ("rdflib-endpoint", "throughput_vs_rdflib_endpoint"),
    ):
        ours = _get(r, "endpoints", "subdip serve", "rps")
        theirs = _get(r, "endpoints", other, "rps")
        if not theirs:  # rdflib-endpoint may only run at smaller sizes
            smaller = [x for x in records if _get(x, "endpoints", other, "rps")]
            if smaller:
                theirs = _get(smaller[-1], "endpoints", other, "rps")
                ours = _get(smaller[-1], "endpoints", "subdip serve", "rps")
                other += f" (at {smaller[-1]['target']:,})"
        verdict = "met" if ours and theirs and ours / theirs >= TARGETS[key] else "missed"
        lines.append(
            f"- throughput ≥ {TARGETS[key]}× {other}: "
            + (f"{ours / theirs:.2f}× ({verdict})" if ours and theirs else "-")
        )
    start = _get(r, "endpoints", "subdip serve", "start_s")
    restart = _get(r, "endpoints", "subdip serve", "restart_s")
    lines.append(
        f"- server start on prebuilt 1 M < {TARGETS['start_1m_seconds']:.0f} s: "
        f"first start {start} s, restart {restart} s"
    )
    lines.append("Targets (issue 15): a build within 4x a bare load of the same file:")
    for rec in big:
        build_s = _get(rec, "build", "result", "seconds")
        # the larger of the biggest process's peak RSS and the sampled PSS of all of them
        peak_mb = max(
            _get(rec, "build", "peak_mb") or 0.0, _get(rec, "build", "tree_peak_mb") or 0.0
        )
        limit_mb = 2048.0 if rec["target"] <= 1_000_000 else 12288.0
        ratios = [
            f"{build_s / base:.2f}x the {label} load ({'met' if build_s / base <= 4 else 'missed'})"
            for label, key in (("in-memory", "load-oxigraph"), ("on-disk", "load-oxigraph-disk"))
            if build_s and (base := _get(rec, key, "result", "seconds"))
        ]
        lines.append(
            f"- {rec['target']:,}: "
            + ("; ".join(ratios) if ratios else "no complete build")
            + f"; peak {peak_mb:.0f} MB <= {limit_mb:.0f} MB "
            + f"({'met' if build_s and peak_mb <= limit_mb else 'missed'})"
        )
    return "\n".join(lines)


def markdown(
    path: Path, records: list[dict[str, Any]], info: dict[str, Any], args: argparse.Namespace
) -> None:
    """The results page: command, machine, table, targets."""
    machine_text = (
        f"{info['cpu']}, {info['cores']} cores, {info['memory_gb']} GB RAM; Python "
        f"{info['python']}; "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
        + f"; load client: {info['load_client']}, {args.connections} connections × "
        f"{float(args.seconds):.0f} s per server; load average (1, 5, 15 min) at start "
        f"{info['loadavg_at_start']}, at end {info.get('loadavg_at_end')}"
    )
    stamp = path.stem[:10]
    path.write_text(
        f"# subdip benchmark, {stamp}\n\nCommand: `.venv/bin/python bench/run.py "
        f"{' '.join(info.get('argv') or ['--sizes', args.sizes])}`\n\nMachine: {machine_text}"
        "\n\nTimes are wall-clock seconds of each "
        "stage in its own process, on a machine shared with other jobs (see the load "
        "average): CPU seconds, peak memory and all details are in the .json file.\n\n"
        f"{table(records, args)}\n\n{targets_text(records)}\n",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    global MEMORY_CAP_MB
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10k,100k,1m", help="comma-separated target sizes (default 10k,100k,1m)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path("/tmp/subdip-bench"),
        help="folder for data, builds and stores (default /tmp/subdip-bench)",
    )
    parser.add_argument("--cap", type=float, default=600, help="time cap per stage (s)")
    parser.add_argument("--build-cap", type=float, default=900, help="time cap of the build (s)")
    parser.add_argument(
        "--owlrl-max",
        type=generate.parse_size,
        default=100_000,
        help="largest size owlrl is run at (default 100k)",
    )
    parser.add_argument("--owlrl-cap", type=float, default=600, help="time cap of owlrl (s)")
    parser.add_argument(
        "--rdflib-max",
        type=generate.parse_size,
        default=1_000_000,
        help="largest size rdflib parses the data and answers the questions at (default 1m; "
        "rdflib needs about 1.3 GB per million triples)",
    )
    parser.add_argument(
        "--reference-max",
        type=generate.parse_size,
        default=1_000_000,
        help="largest size the reference fast engine (on an rdflib graph) re-derives the "
        "build's inferences at, to compare them triple by triple (default 1m)",
    )
    parser.add_argument(
        "--cq-rdflib-cap",
        type=float,
        default=300,
        help="time cap of all competency questions on rdflib (s)",
    )
    parser.add_argument(
        "--rdflib-endpoint-max",
        type=generate.parse_size,
        default=100_000,
        help="largest size rdflib-endpoint is run at (default 100k)",
    )
    parser.add_argument("--connections", type=int, default=8, help="client connections")
    parser.add_argument("--seconds", type=float, default=5, help="load duration per server (s)")
    parser.add_argument("--start-cap", type=float, default=600, help="server start cap (s)")
    parser.add_argument("--no-endpoints", action="store_true", help="skip the endpoint part")
    parser.add_argument(
        "--memory-cap",
        type=float,
        default=MEMORY_CAP_MB,
        help=f"stop a stage whose processes hold more than this many MB "
        f"(default {MEMORY_CAP_MB:.0f})",
    )
    parser.add_argument(
        "--no-cq", action="store_true", help="skip the competency questions on the built store"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="results folder")
    parser.add_argument(
        "--table-from",
        type=Path,
        metavar="JSON",
        help="only print the table of an earlier run's .json (or partial.json)",
    )
    args = parser.parse_args(argv)
    if args.table_from:
        saved = json.loads(args.table_from.read_text(encoding="utf-8"))
        records = saved["sizes"] if isinstance(saved, dict) else saved
        print(table(records, args) + "\n\n" + targets_text(records))
        if isinstance(saved, dict) and "machine" in saved:  # a complete run: rewrite its page
            for key in ("sizes", "connections", "seconds"):
                setattr(args, key, saved["args"].get(key, getattr(args, key)))
            for key in ("cap", "build_cap", "owlrl_cap", "cq_rdflib_cap"):
                setattr(args, key, float(saved["args"].get(key, getattr(args, key))))
            markdown(args.table_from.with_suffix(".md"), records, saved["machine"], args)
        return 0
    MEMORY_CAP_MB = args.memory_cap
    sizes = [generate.parse_size(s) for s in args.sizes.split(",") if s.strip()]
    args.workdir.mkdir(parents=True, exist_ok=True)
    info = machine()
    info["argv"] = list(sys.argv[1:] if argv is None else argv)
    records = []
    for size in sizes:
        records.append(bench_size(args, size))
        partial = args.workdir / "partial.json"
        partial.write_text(json.dumps(records, indent=1, default=str), encoding="utf-8")
    info["loadavg_at_end"] = os.getloadavg()
    text = table(records, args)
    summary = targets_text(records)
    print("\n" + text + "\n\n" + summary)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H%M")  # a second run that day keeps the first
    name = f"{stamp}-{args.sizes.replace(',', '-')}"
    markdown(args.out / f"{name}.md", records, info, args)
    (args.out / f"{name}.json").write_text(
        json.dumps(
            {"machine": info, "args": {k: str(v) for k, v in vars(args).items()}, "sizes": records},
            indent=1,
            default=str,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nwritten: {args.out / name}.md and .json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
