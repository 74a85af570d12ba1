"""HTTP answers for errors: the client's mistakes get 4xx with a message saying what to fix;
ours are logged in full and answered 500 without a traceback.

Error bodies are ``text/plain`` (readable in a browser, a terminal and a SPARQL client's
exception message alike). Blueprints that want HTML error pages register their own handlers,
which Flask prefers over these app-wide ones.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from subdip.errors import StoreError, SubdipError

log = logging.getLogger(__name__)


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    response.headers.update(headers or {})
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
    return text_response(status, text, headers)


def _http_error(err: HTTPException) -> Response:
    status = err.code or 500
    if isinstance(err, RequestEntityTooLarge):
        text = "the request body is larger than this server accepts (see /sparql's description)"
    else:
        text = err.description or err.name
    response = text_response(status, f"{status} {err.name}: {text}")
    for key, value in err.get_headers():  # keep headers such as Allow on a 405
        if key in {"Allow", "Retry-After"}:
            response.headers[key] = value
    return response


def _unexpected(err: Exception) -> Response:
    log.exception("internal error answering %s %s", request.method, request.path)
    return text_response(500, INTERNAL_ERROR_TEXT)


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(SubdipError, _subdip_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
