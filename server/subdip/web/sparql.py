"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (queries only; read-only).

GET without parameters answers the service description; GET with parameters but no ``query``
is a 400. The request itself is handled by :func:`subdip.sparql.service.answer_sparql`, the
one code path for GET and POST (and for the W3C conformance runner). Every answer carries
``Access-Control-Allow-Origin: *`` (reads from any origin, never with credentials) and
``Vary: Accept``.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from subdip.sparql.service import answer_sparql
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
    """The protocol endpoint: everything is decided by :func:`answer_sparql`."""
    state = current_app.extensions["subdip"]
    answer = answer_sparql(
        request.method,
        request.query_string,
        request.headers.get("Content-Type"),
        request.get_data(cache=False) if request.method == "POST" else b"",
        request.headers.get("Accept"),
        backend=state["backend"],
        settings=state["settings"],
    )
    if answer is None:
        return describe_service()
    log.debug("query answered in %.4f s", answer.outcome.elapsed)
    return Response(answer.body, content_type=answer.content_type)
