"""HTTP answers for errors: the client's mistakes get 4xx with a message saying what to fix;
ours are logged in full and answered 500 without a traceback.

Error bodies are ``text/plain`` for machines (a terminal, a SPARQL client's exception
message) and a styled HTML page for browsers (``Accept`` prefers ``text/html``; see
:func:`subdip.web.pages.wants_html`), with the same status, message and headers.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from subdip.errors import StoreError, SubdipError
from subdip.web.pages import render_page, wants_html

log = logging.getLogger(__name__)


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    response.headers.update(headers or {})
    return response


def error_response(
    status: int,
    text: str,
    message: str,
    hint: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """``text`` as plain text for machines; an HTML page (``message``, ``hint``) for browsers."""
    try:
        html = request and wants_html(against=("text/plain",))
    except Exception:  # no request context, or a malformed Accept header: stay plain
        html = False
    if not html:
        return text_response(status, text, headers)
    try:
        body, _ = render_page("error.html", status=status, message=message, hint=hint)
    except Exception:  # a broken template must not hide the original error
        log.exception("could not render the HTML error page")
        return text_response(status, text, headers)
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    response.headers.update(headers or {})
    response.vary.add("Accept")
    return response


def status_of(err: SubdipError) -> int:
    """The HTTP status of a subdip error (a store failure is a 503: try again later)."""
    status = getattr(err, "status", None)
    if isinstance(status, int):
        return status
    return 503 if isinstance(err, StoreError) else 500


#: The body of every 500 we answer (the details go to the log only).
INTERNAL_ERROR_TEXT = "500 internal error: the server failed; the error has been logged"


def error_parts(err: SubdipError, method: str, path: str) -> tuple[int, str, dict[str, str]]:
    """Status, text body and extra headers for a subdip error (framework-free: the HTTP
    layer's direct front answers with it too); server-side failures are logged."""
    status = status_of(err)
    if status >= 500:
        log.warning("%s %s -> %d: %s", method, path, status, err)
    text = err.message if err.hint is None else f"{err.message}\nHow to fix: {err.hint}"
    headers = {"Retry-After": "5"} if status == 503 else {}
    return status, f"{status} error: {text}\n", headers


def _subdip_error(err: SubdipError) -> Response:
    status, text, headers = error_parts(err, request.method, request.path)
    return error_response(status, text, err.message, err.hint, headers)


def _http_error(err: HTTPException) -> Response:
    status = err.code or 500
    if isinstance(err, RequestEntityTooLarge):
        text = "the request body is larger than this server accepts (see /sparql's description)"
    else:
        text = err.description or err.name
    kept = {k: v for k, v in err.get_headers() if k in {"Allow", "Retry-After"}}  # e.g. a 405's
    hint = None
    if status == 404:
        text = f"nothing at {request.path}"
        hint = "check the address, or search the graph with the box at the top of the page"
    elif status == 405:
        hint = f"this address answers {kept.get('Allow', 'other methods')}"
    return error_response(status, f"{status} {err.name}: {text}", text, hint, kept)


def _unexpected(err: Exception) -> Response:
    log.exception("internal error answering %s %s", request.method, request.path)
    return error_response(500, INTERNAL_ERROR_TEXT, "the server failed; the error has been logged")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(SubdipError, _subdip_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
