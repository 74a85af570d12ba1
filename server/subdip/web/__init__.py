"""The web application: ``create_app(config)`` builds one Flask app around one backend.

Configuration keys (all optional; ``subdip serve`` sets them from its options):

=====================  ==========================================================  ============
key                    meaning                                                     default
=====================  ==========================================================  ============
BUILD_DIR              the build artefact (``store/`` inside it)                   ``build``
STORE_URL              an external SPARQL endpoint instead of the artefact         none
IRI_BASE               base of resource IRIs served under ``/id/``                 w3id ``id/``
SERVER_BASE            absolute base URL of this server                            request host
QUERY_TIMEOUT          seconds a query may run before it is stopped (503)          10
MAX_QUERY_BYTES        longest query text accepted (413)                           100 000
MAX_RESULT_BYTES       largest serialised result sent (413)                        50 000 000
MAX_CONTENT_LENGTH     largest request body (413; Flask's own key)                 1 000 000
EXECUTOR_PROCESSES     query processes (or threads) per web worker                 2
QUERY_ISOLATION        ``process``: each query in a killable child; ``worker``:    process
                       in threads of the worker (needs ``subdip serve``'s watchdog)
EXECUTOR_MEMORY_MB     heap limit of each query process (0: none; 503 beyond)      1024
CACHE_MAX_AGE          Cache-Control max-age of read answers, seconds              300
CACHE_MAX_BYTES        response cache size per process (0: no cache)               64 MB
CACHE_MAX_ENTRY_BYTES  largest answer kept in the response cache                   2 MB
BLUEPRINTS             modules whose ``bp`` to register                            all present
BACKEND                a ready backend to use (the caller keeps and closes it)     none
=====================  ==========================================================  ============

Guard limits beyond the query length use :class:`subdip.sparql.guard.GuardLimits` defaults.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from subdip.backends import open_backend
from subdip.sparql.guard import GuardLimits
from subdip.sparql.service import QuerySettings
from subdip.store import REPORT_FILE
from subdip.web.errors import register_error_handlers
from subdip.web.http import HttpLayer

log = logging.getLogger(__name__)

DEFAULTS: dict[str, Any] = {
    "BUILD_DIR": "build",
    "STORE_URL": None,
    "IRI_BASE": "https://w3id.org/subdip/id/",
    "SERVER_BASE": None,
    "QUERY_TIMEOUT": 10.0,
    "MAX_QUERY_BYTES": 100_000,
    "MAX_RESULT_BYTES": 50_000_000,
    "MAX_CONTENT_LENGTH": 1_000_000,
    "EXECUTOR_PROCESSES": 2,
    "EXECUTOR_MEMORY_MB": 1024,
    "QUERY_ISOLATION": "process",
    "CACHE_MAX_AGE": 300,
    "CACHE_MAX_BYTES": 64_000_000,
    "CACHE_MAX_ENTRY_BYTES": 2_000_000,
}

#: Blueprint modules registered (each exports ``bp``), in this order.
BLUEPRINT_MODULES = (
    "subdip.web.sparql",
    "subdip.web.service_description",
    "subdip.web.resources",
    "subdip.web.ontology",
    "subdip.web.downloads",
    "subdip.web.home",
    "subdip.web.explore",
    "subdip.web.context",
)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; the backend and limits are created once and kept in ``app.extensions``.

    ``app.extensions["subdip"]`` holds ``backend`` (a :class:`~subdip.backends.base.Backend`),
    ``limits`` (:class:`~subdip.sparql.guard.GuardLimits`), ``settings``
    (:class:`~subdip.sparql.service.QuerySettings`: what every query runs under) and ``stats``
    (VoID counts, gathered on first use) and ``http`` (the :class:`~subdip.web.http.HttpLayer`).
    """
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    app.config.update(config or {})
    app.config["BUILD_DIR"] = str(Path(app.config["BUILD_DIR"]))
    limits = GuardLimits(max_query_bytes=int(app.config["MAX_QUERY_BYTES"]))
    backend = app.config.get("BACKEND") or open_backend(app.config, limits=limits)
    settings = QuerySettings(
        limits=limits,
        timeout=float(app.config["QUERY_TIMEOUT"]),
        max_result_bytes=int(app.config["MAX_RESULT_BYTES"]),
    )
    app.extensions["subdip"] = {
        "backend": backend,
        "limits": limits,
        "settings": settings,
        "stats": None,
    }
    register_error_handlers(app)
    for name in app.config.get("BLUEPRINTS") or BLUEPRINT_MODULES:
        app.register_blueprint(importlib.import_module(name).bp)
    # CORS, HEAD, the response cache, ETags and gzip for every route, present and future.
    report = None if app.config.get("STORE_URL") else Path(app.config["BUILD_DIR"]) / REPORT_FILE
    app.wsgi_app = app.extensions["subdip"]["http"] = HttpLayer(  # type: ignore[method-assign]
        app.wsgi_app,
        app.extensions["subdip"],
        report=report,
        max_age=int(app.config["CACHE_MAX_AGE"]),
        cache_bytes=int(app.config["CACHE_MAX_BYTES"]),
        cache_entry_bytes=int(app.config["CACHE_MAX_ENTRY_BYTES"]),
    )
    return app
