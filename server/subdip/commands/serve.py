"""`subdip serve`: serve the built dataset over SPARQL and linked data with gunicorn.

Builds first when the artefact is missing or stale (a build whose inputs did not change is
reused), then runs a production WSGI server (gunicorn, threaded workers) around
:func:`subdip.web.create_app`. Defaults are safe: loopback only, read-only.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
from pathlib import Path
from typing import Any

from subdip.errors import BuildError, UsageError

log = logging.getLogger(__name__)

THREADS_PER_WORKER = 8


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "serve",
        help="serve the dataset: SPARQL endpoint, linked-data pages, downloads",
        description=(
            "Serve the reasoned dataset at /sparql (SPARQL 1.1 Protocol, read-only), its "
            "resources at /id/..., the ontology, VoID and downloads, with gunicorn. Builds the "
            "dataset first if it is missing or out of date."
        ),
        epilog="Exit codes: 0 stopped normally, 1 data does not conform, 2 usage or load "
        "error, 3 build error.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback)")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=THREADS_PER_WORKER, help="request threads per worker"
    )
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds a query may run (default 10)"
    )
    parser.add_argument(
        "--query-processes",
        type=int,
        default=2,
        help="query processes per worker: queries that can run at once (default 2)",
    )
    parser.add_argument(
        "--query-memory",
        type=int,
        default=1024,
        metavar="MIB",
        help="heap limit of each query process in MiB; a query needing more gets 503 "
        "(default 1024; 0: no limit)",
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


def _post_fork(server: Any, worker: Any) -> None:
    """gunicorn post_fork hook: tune malloc, then start this worker's query processes.

    The app itself was created once in the master (``preload_app``) and inherited by the fork;
    query processes are per worker (the backend notices the new pid), started here so that
    they are ready, store opened, before the worker accepts its first request.
    """
    _limit_malloc_arenas(server, worker)
    app = worker.app.wsgi()
    start = getattr(app.extensions["subdip"]["backend"], "start", None)
    if start is not None:
        start()


def _limit_malloc_arenas(_server: Any, _worker: Any) -> None:
    """At most 2 glibc malloc arenas in a worker.

    Threaded workers otherwise get one arena per thread; each keeps the memory freed by the
    large transient allocations of hostile requests (measured: worker RSS creeping up under a
    16-client fuzz run while a single-threaded run of the same requests stays flat).
    """
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX
        except (OSError, AttributeError):
            log.debug("mallopt unavailable; keeping the default malloc arenas")


def gunicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    # The worker heartbeat must outlast the longest query (which runs in a child process,
    # but its request thread waits for it).
    return {
        "bind": f"[{args.host}]:{args.port}" if ":" in args.host else f"{args.host}:{args.port}",
        "workers": args.workers,
        "worker_class": "gthread",
        "threads": args.threads,
        "timeout": int(max(30, 3 * args.timeout + 10)),
        "graceful_timeout": 10,
        "keepalive": 5,
        "accesslog": "-" if args.access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "subdip",
        "control_socket_disable": True,  # no shared socket in $HOME: several servers may run
        "post_fork": _post_fork,
        # One create_app in the master (ontology parsed, pages prepared once), then forked: the
        # app-wide state is read-only; per-process resources are opened lazily per pid.
        "preload_app": True,
        "limit_request_line": 8190,  # gunicorn's maximum; longer queries must be POSTed
    }


def run(args: argparse.Namespace) -> int:
    from gunicorn.app.base import BaseApplication

    from subdip.web import create_app

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

    class Server(BaseApplication):  # type: ignore[misc]
        """gunicorn with our options; the app is built once (preloaded), each worker starts its
        own query processes after the fork."""

        def load_config(self) -> None:
            for key, value in gunicorn_options(args).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return create_app(config)

    Server().run()
    return 0
