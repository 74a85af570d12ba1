"""A reference point, not a product: the least a Flask + pyoxigraph SPARQL endpoint can do.

Queries run in the request thread on a read-only store (pyoxigraph releases the GIL while it
evaluates), with no query guard, no query process, no content negotiation: what `subdip serve`
would reach if its own layers cost nothing. Unsafe to expose (see ENGINE-NOTES: a hostile
query can crash the process). Run it like `subdip serve` under the same load::

    STORE=/tmp/subdip-bench/1000000/build/store .venv/bin/granian --interface wsgi \\
        --workers 2 --blocking-threads 4 --port 8765 --working-dir bench minimal_app:app
"""

from __future__ import annotations

import io
import os

import pyoxigraph as ox
from flask import Flask, Response, request

app = Flask(__name__)
_store: dict[int, ox.Store] = {}


@app.get("/sparql")
def sparql() -> Response:
    store = _store.get(os.getpid())
    if store is None:  # one read-only handle per worker process, opened after the fork
        store = _store[os.getpid()] = ox.Store.read_only(os.environ["STORE"])
    result = store.query(request.args["query"], use_default_graph_as_union=True)
    buffer = io.BytesIO()
    result.serialize(buffer, ox.QueryResultsFormat.JSON)
    return Response(buffer.getvalue(), mimetype="application/sparql-results+json")
