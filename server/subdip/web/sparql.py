"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (queries only; read-only).

GET without a query answers the service description. Every answer carries
``Access-Control-Allow-Origin: *`` (reads from any origin, never with credentials) and
``Vary: Accept``.

A ``GET /sparql?query=`` that succeeds is answered by :class:`FastPath`, a thin WSGI layer in
front of Flask (Flask's request machinery costs as much as the lookup query itself); anything
else, and every error found before the query runs, goes through the Flask view below, so both
paths give the same answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState

from subdip.errors import SubdipError
from subdip.sparql.guard import check_query
from subdip.sparql.negotiate import negotiate
from subdip.sparql.protocol import parse_request
from subdip.web.errors import _subdip_error, text_response
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


class FastPath:
    """WSGI middleware: ``GET /sparql?query=...`` straight to the backend, same checks.

    The protocol parse, the guard and the negotiation run first; if any of them refuses, the
    request is handed to Flask, which refuses it again with its error handlers (these steps are
    cheap and deterministic). Errors of the query itself (time limit, syntax, size) are
    answered here with the same handler, so a query never runs twice.
    """

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        query_string = environ.get("QUERY_STRING", "")
        if (
            environ.get("PATH_INFO") != "/sparql"
            or environ.get("REQUEST_METHOD") != "GET"
            or "query=" not in query_string
        ):
            return self.wsgi_app(environ, start_response)
        config, state = self.app.config, self.app.extensions["subdip"]
        try:
            parsed = parse_request("GET", query_string.encode("latin-1"), None, b"")
            if parsed.query is None:
                return self.wsgi_app(environ, start_response)
            info = check_query(parsed.query, state["limits"])
            formats = negotiate(environ.get("HTTP_ACCEPT"), parsed.format)
            if info.form is not None:
                formats.for_family(
                    "graph" if info.form in {"CONSTRUCT", "DESCRIBE"} else "solutions"
                )
        except (SubdipError, UnicodeEncodeError):
            return self.wsgi_app(environ, start_response)
        try:
            outcome = state["backend"].query(
                parsed.query,
                default_graphs=parsed.default_graphs,
                named_graphs=parsed.named_graphs,
                timeout=float(config["QUERY_TIMEOUT"]),
                formats=formats,
                max_result_bytes=int(config["MAX_RESULT_BYTES"]),
            )
        except SubdipError as err:
            with self.app.request_context(environ):
                response = _cors(_subdip_error(err))
            return response(environ, start_response)
        except Exception:  # answered 500 and logged, as Flask's handler does
            log.exception("internal error answering GET /sparql")
            response = _cors(
                text_response(
                    500, "500 internal error: the server failed; the error has been logged"
                )
            )
            return response(environ, start_response)
        charset = "" if outcome.media_type.endswith("+json") else "; charset=utf-8"
        start_response(
            "200 OK",
            [
                ("Content-Type", outcome.media_type + charset),
                ("Content-Length", str(len(outcome.body))),
                ("Access-Control-Allow-Origin", "*"),
                ("Vary", "Accept"),
            ],
        )
        return [outcome.body]


def _install_fast_path(state: BlueprintSetupState) -> None:
    state.app.wsgi_app = FastPath(state.app, state.app.wsgi_app)  # type: ignore[method-assign]


bp.record_once(_install_fast_path)
