"""``/context.jsonld``: the JSON-LD context every compact JSON-LD document of subdip names.

Only prefixes (``subdip:``, ``id:``, ``skos:`` ...): documents stay explicit about values, and
a client that has not fetched the context can still expand them with the same prefixes.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response

from subdip.web.jsonld import CONTEXT_PATH, context_document
from subdip.web.rendering import CONTEXT_PREFIXES

bp = Blueprint("jsonld_context", __name__)

_BODY = (json.dumps(context_document(CONTEXT_PREFIXES), indent=1) + "\n").encode()


@bp.route(CONTEXT_PATH)
def context() -> Response:
    return Response(_BODY, content_type="application/ld+json")
