"""A reference point, not a product: the least CPU a Python endpoint under granian can spend.

Ten lines of WSGI around pyoxigraph: no Flask, no guard, no time limit, no negotiation, no
cache. ``bench/serve.py`` runs it beside ``subdip serve`` (``--floor``) so the table shows how
much of subdip's CPU per request any Python request path pays (granian's WSGI bridge and the
engine) and how much is subdip's own Python. Unsafe to expose: any query runs, for as long as it
likes. Run by hand like this::

    STORE=BUILD/store .venv/bin/granian --interface wsgi --workers 2 --blocking-threads 1 \\
        --port 8765 --working-dir bench raw_wsgi:app
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import pyoxigraph as ox

_stores: dict[int, ox.Store] = {}


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    store = _stores.get(os.getpid())
    if store is None:  # one read-only handle per worker process, opened after the fork
        store = _stores[os.getpid()] = ox.Store.read_only(os.environ["STORE"])
    query = parse_qs(environ.get("QUERY_STRING", ""))["query"][0]
    buffer = io.BytesIO()
    store.query(query, use_default_graph_as_union=True).serialize(
        buffer, ox.QueryResultsFormat.JSON
    )
    body = buffer.getvalue()
    start_response(
        "200 OK",
        [("Content-Type", "application/sparql-results+json"), ("Content-Length", str(len(body)))],
    )
    return [body]
