"""`subdip serve`: serve the built dataset over SPARQL and linked data with granian.

Builds first when the artefact is missing or stale (a build whose inputs did not change is
reused), then runs granian (an HTTP server written in Rust) with one
:func:`subdip.web.create_app` per worker process (:mod:`subdip.web.worker`). By default queries
run in threads of the workers (``--isolation worker``): a worker whose query overran its time
limit answers 503 and is replaced, a worker that crashed is restarted. ``--isolation process``
runs each query in a killable query process instead (slower: a hop per query). Defaults are
safe: loopback only, read-only.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from subdip.errors import BuildError, SubdipError, UsageError
from subdip.web.worker import CONFIG_ENV, WORKER_BASE_MIB

log = logging.getLogger(__name__)

THREADS_PER_WORKER = 4
#: Seconds granian waits before starting a worker again after one exited.
RESPAWN_INTERVAL = 0.2
#: Granian shuts the whole server down when a worker dies again within 5.5 s of being
#: respawned ("crash loop"); two crashing queries in a row would take the service down. We
#: start it again, unless it keeps stopping soon after starting (then the cause is not a query).
RESTART_PAUSE = 1.0
GIVE_UP_AFTER = 3  # granian runs that each lasted under MIN_HEALTHY_RUN seconds, in a row
MIN_HEALTHY_RUN = 30.0


class ServerStopped(SubdipError):
    """Granian kept stopping right after it started: not a query's fault, so we give up."""

    exit_code = 70


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve",
        help="serve the dataset: SPARQL endpoint, linked-data pages, downloads",
        description=(
            "Serve the reasoned dataset at /sparql (SPARQL 1.1 Protocol, read-only), its "
            "resources at /id/..., the ontology, VoID and downloads, with granian. Builds the "
            "dataset first if it is missing or out of date."
        ),
        epilog="Exit codes: 0 stopped normally, 1 data does not conform, 2 usage or load "
        "error, 3 build error.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument(
        "--threads", type=int, default=THREADS_PER_WORKER, help="request threads per worker"
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds a query may run (default 10)"
    )
    parser.add_argument(
        "--isolation",
        choices=("worker", "process"),
        default="worker",
        help="where queries run: 'worker' (threads of the web worker; a worker whose query "
        "overran is replaced) or 'process' (a killable query process per query; slower)",
    )
    parser.add_argument(
        "--query-processes",
        type=int,
        default=2,
        help="query threads (or processes) per worker: queries that can run at once (default 2)",
    )
    parser.add_argument(
        "--query-memory",
        type=int,
        default=1024,
        metavar="MIB",
        help="heap a query may use in MiB (0: no limit); with --isolation process a query "
        "needing more gets 503, with worker the worker's heap is capped at this plus "
        f"{WORKER_BASE_MIB} and a worker beyond it is restarted (default 1024)",
    )
    parser.add_argument("--build-dir", type=Path, help="artefact folder (default ./build)")
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="serve the artefact as it is, without checking that it is up to date",
    )
    parser.add_argument("--base-url", help="public base URL of this server (default: request host)")
    parser.add_argument(
        "--iri-base",
        help="base of the resource IRIs served under /id/ (default https://w3id.org/subdip/id/)",
    )
    parser.add_argument("--store", metavar="URL", help="query an external SPARQL endpoint instead")
    parser.add_argument("--access-log", action="store_true", help="log every request")
    parser.set_defaults(func=run)


def app_config(args: argparse.Namespace, build_dir: Path) -> dict[str, Any]:
    """The ``create_app`` configuration the options describe."""
    config: dict[str, Any] = {
        "BUILD_DIR": str(build_dir),
        "QUERY_TIMEOUT": args.timeout,
        "EXECUTOR_PROCESSES": args.query_processes,
        "EXECUTOR_MEMORY_MB": args.query_memory,
        "QUERY_ISOLATION": args.isolation,
    }
    if args.store:
        config["STORE_URL"] = args.store
    if args.base_url:
        config["SERVER_BASE"] = args.base_url.rstrip("/")
    if args.iri_base:
        config["IRI_BASE"] = args.iri_base
    return config


def ensure_artefact(args: argparse.Namespace) -> Path:
    """Build (or reuse) the artefact unless told not to; returns its folder."""
    from subdip import paths
    from subdip.store import artefact_ready

    build_dir = Path(args.build_dir) if args.build_dir else paths.default_build_dir()
    if args.store:
        return build_dir
    if args.no_build:
        if not artefact_ready(build_dir):
            raise BuildError(
                f"no complete build artefact in {build_dir}",
                hint="run 'subdip build' or drop --no-build",
            )
        return build_dir
    from subdip.build import build
    from subdip.store import read_report

    # Keep the reasoner the artefact was built with (its input hash includes it), so a
    # 'subdip build --engine fast' is served as is rather than rebuilt with the default.
    engine = str((read_report(build_dir) or {}).get("engine_requested", "auto"))
    result = build(out=build_dir, engine=engine)
    log.info("%s", result.summary())
    return build_dir


def warm_statistics(config: dict[str, Any]) -> None:
    """Gather VoID's counts once per build, before the workers start (they read the cache)."""
    from subdip.backends.embedded import EmbeddedBackend
    from subdip.web.service_description import load_or_gather, stats_cache_file

    cache = stats_cache_file(config)
    if cache is None or cache.exists():
        return
    log.info("counting classes and properties for VoID (once per build)")
    backend = EmbeddedBackend(Path(config["BUILD_DIR"]), processes=1)
    try:
        load_or_gather(backend, cache)
    finally:
        backend.close()


def granian_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of ``granian.server.Server`` for these options."""
    from granian.constants import Interfaces

    return {
        "target": "subdip.web.worker:create_worker_app",
        "factory": True,
        "address": args.host,
        "port": args.port,
        "interface": Interfaces.WSGI,
        "workers": args.workers,
        "blocking_threads": args.threads,
        "respawn_failed_workers": True,  # crashed or replaced workers come back
        "respawn_interval": RESPAWN_INTERVAL,
        "log_access": bool(args.access_log),
        "websockets": False,
    }


def run(args: argparse.Namespace) -> int:
    from granian.server import Server

    for name in ("workers", "threads", "query_processes"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if args.query_memory < 0:
        raise UsageError("--query-memory must be 0 (no limit) or a number of MiB")
    if args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    try:
        if not ipaddress.ip_address(args.host).is_loopback:
            log.warning("serving on %s: reachable from other machines", args.host)
    except ValueError:
        log.warning("serving on host name %s", args.host)
    build_dir = ensure_artefact(args)
    config = app_config(args, build_dir)
    if not args.store:
        warm_statistics(config)

    os.environ[CONFIG_ENV] = json.dumps(config)  # read by each worker's create_worker_app
    short_runs = 0
    while True:
        started = time.monotonic()
        try:
            Server(**granian_options(args)).serve()
            return 0  # stopped by a signal
        except SystemExit as stop:
            if not stop.code:
                return 0
            short_runs = short_runs + 1 if time.monotonic() - started < MIN_HEALTHY_RUN else 1
            if short_runs >= GIVE_UP_AFTER:
                raise ServerStopped(
                    f"the server stopped {short_runs} times in a row within "
                    f"{MIN_HEALTHY_RUN:.0f} s of starting (exit {stop.code}): see the log above"
                ) from None
            log.error("granian stopped (exit %s: workers died in a row); restarting", stop.code)
            time.sleep(RESTART_PAUSE)
