"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (queries only; read-only).

GET without a query answers the service description. Every answer carries
``Access-Control-Allow-Origin: *`` (reads from any origin, never with credentials) and
``Vary: Accept``.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, current_app, request

from subdip.sparql.guard import check_query
from subdip.sparql.negotiate import negotiate
from subdip.sparql.protocol import parse_request
from subdip.web.service_description import describe_service

log = logging.getLogger(__name__)

bp = Blueprint("sparql", __name__)

ALLOWED_METHODS = "GET, POST, OPTIONS"


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers.add("Vary", "Accept")
    return response


@bp.route("/sparql", methods=["OPTIONS"], provide_automatic_options=False)
def preflight() -> Response:
    response = Response(status=204)
    response.headers["Allow"] = ALLOWED_METHODS
    response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    state = current_app.extensions["subdip"]
    parsed = parse_request(
        request.method,
        request.query_string,
        request.headers.get("Content-Type"),
        request.get_data(cache=False) if request.method == "POST" else b"",
    )
    if parsed.query is None:
        return describe_service()
    info = check_query(parsed.query, state["limits"])
    formats = negotiate(request.headers.get("Accept"), parsed.format)
    if info.form is not None:  # fail fast (406) before running what we could not send
        formats.for_family("graph" if info.form in {"CONSTRUCT", "DESCRIBE"} else "solutions")
    started = time.perf_counter()
    outcome = state["backend"].query(
        parsed.query,
        default_graphs=parsed.default_graphs,
        named_graphs=parsed.named_graphs,
        timeout=float(current_app.config["QUERY_TIMEOUT"]),
        formats=formats,
        max_result_bytes=int(current_app.config["MAX_RESULT_BYTES"]),
    )
    log.debug("query %s answered in %.4f s", info.form, time.perf_counter() - started)
    charset = "" if outcome.media_type.endswith("+json") else "; charset=utf-8"
    return Response(outcome.body, content_type=outcome.media_type + charset)
