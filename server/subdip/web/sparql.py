"""The SPARQL 1.1 Protocol endpoint at ``/sparql`` (queries only; read-only).

GET without parameters answers the service description; GET with parameters but no ``query``
is a 400. The request itself is handled by :func:`subdip.sparql.service.answer_sparql`, the
one code path for GET and POST (and for the W3C conformance runner). Every answer carries
``Vary: Accept``; CORS, caching and compression come from :mod:`subdip.web.http`, as for every
route.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from subdip.sparql.service import answer_sparql
from subdip.web.service_description import describe_service

log = logging.getLogger(__name__)

bp = Blueprint("sparql", __name__)


@bp.after_request
def _vary(response: Response) -> Response:
    response.headers.add("Vary", "Accept")
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
