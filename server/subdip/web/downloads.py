"""Downloads: the whole dataset (N-Quads, TriG) and each named graph in each RDF format.

Files are produced once from the build artefact's ``dataset.nq`` by streaming it through
pyoxigraph's parser and serialiser into a temporary file that is then renamed into the cache
(no request ever holds a whole graph in memory as a string), and are served with
``send_file`` (ETag, Last-Modified, Range). The cache is keyed by the artefact's input hash, so a
new build gets new files.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
from flask import Blueprint, Response, current_app, redirect, render_template, request, send_file

from subdip.errors import BuildError, SubdipError
from subdip.namespaces import (
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_LINKS,
    GRAPH_ONTOLOGY,
    PREFIXES,
)
from subdip.store import STORE_DIR
from subdip.web import jsonld, rendering
from subdip.web.home import coverage
from subdip.web.rendering import (
    JSONLD,
    NQUADS,
    QUAD_FORMATS,
    TRIPLE_FORMATS,
    RdfFormat,
    ResourceNotFound,
)

log = logging.getLogger(__name__)

bp = Blueprint("downloads", __name__, template_folder="templates")
bp.context_processor(rendering.template_globals)


#: Bumped when the files' layout changes (2: grouped by subject, compact JSON-LD), so files
#: cached by an earlier version are not served.
LAYOUT = 2


@dataclass(frozen=True)
class Download:
    """A downloadable graph: ``name`` in the URL, the graph IRI (None: the whole dataset)."""

    name: str
    graph: str | None
    description: str
    formats: tuple[RdfFormat, ...]


DOWNLOADS: tuple[Download, ...] = (
    Download("dataset", None, "all four named graphs, with their names", QUAD_FORMATS),
    Download("asserted", str(GRAPH_ASSERTED), "statements from the sources", TRIPLE_FORMATS),
    Download("inferred", str(GRAPH_INFERRED), "derived by OWL 2 RL reasoning", TRIPLE_FORMATS),
    Download("links", str(GRAPH_LINKS), "mappings to Wikidata", TRIPLE_FORMATS),
    Download("ontology", str(GRAPH_ONTOLOGY), "the ontology (TBox)", TRIPLE_FORMATS),
)
BY_NAME = {d.name: d for d in DOWNLOADS}

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(str(path), threading.Lock())


def artefact_file() -> Path:
    """The build artefact's ``dataset.nq``; downloads need the local artefact."""
    build_dir = current_app.config.get("BUILD_DIR")
    path = Path(build_dir) / "dataset.nq" if build_dir else None
    # Store mode (subdip serve --store) without a local artefact: export from the store.
    export = getattr(current_app.extensions["subdip"]["backend"], "dataset_file", None)
    if (path is None or not path.is_file()) and export is not None:
        return export(rendering.cache_dir(current_app) / "downloads")
    if path is None or not path.is_file():
        raise ResourceNotFound(
            "downloads are made from the build artefact, and this server has none",
            hint="run 'subdip build' and serve with its build folder (BUILD_DIR)",
        )
    return path


def artefact_key(dataset: Path) -> str:
    """The artefact's input hash (``report.json``), else its size and modification time."""
    report = dataset.parent / "report.json"
    try:
        key = json.loads(report.read_text(encoding="utf-8")).get("input_hash")
    except (OSError, ValueError):
        key = None
    if key:
        return str(key)[:16]
    stat = dataset.stat()
    return f"{stat.st_size}-{int(stat.st_mtime)}"


def _write(download: Download, fmt: RdfFormat, dataset: Path, target: Path) -> None:
    """Stream the graph wanted into ``target`` in ``fmt``, from the artefact's store: its index
    order groups quads by graph and then subject, so TriG has one block per graph and Turtle
    and JSON-LD one node per subject, without sorting in memory."""
    if (dataset.parent / STORE_DIR).is_dir():
        store = pyoxigraph.Store.read_only(str(dataset.parent / STORE_DIR))
    else:  # a dataset fetched from an external store: index it in memory, same order
        store = pyoxigraph.Store()
        store.bulk_load(path=str(dataset), format=pyoxigraph.RdfFormat.N_QUADS)
    if download.graph is None:
        items: Iterable[Any] = (
            q
            for q in store.quads_for_pattern(None, None, None, None)
            if not isinstance(q.graph_name, pyoxigraph.DefaultGraph)
        )
    else:
        wanted = pyoxigraph.NamedNode(download.graph)
        items = (q.triple for q in store.quads_for_pattern(None, None, None, wanted))
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if fmt == JSONLD:
                jsonld.write(
                    items,
                    handle,
                    context=rendering.context_iri(),
                    quads=fmt.quads,
                    prefixes=rendering.CONTEXT_PREFIXES,
                )
            else:
                kwargs = {"prefixes": PREFIXES} if fmt.name in ("turtle", "trig") else {}
                pyoxigraph.serialize(items, handle, format=fmt.oxigraph, **kwargs)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def cached_file(download: Download, fmt: RdfFormat) -> Path:
    """The file for ``download`` in ``fmt``, generated on first use (once per artefact)."""
    dataset = artefact_file()
    if download.graph is None and fmt == NQUADS:
        return dataset  # the artefact itself
    folder = rendering.cache_dir(current_app) / "downloads" / f"{artefact_key(dataset)}-{LAYOUT}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{download.name}.{fmt.extension}"
    if target.is_file():
        return target
    with _lock_for(target):
        if not target.is_file():
            log.info("writing download %s", target)
            try:
                _write(download, fmt, dataset, target)
            except (OSError, SyntaxError, ValueError) as err:
                raise BuildError(
                    f"could not write the download {target.name}: {err}",
                    hint="rebuild the artefact with 'subdip build --force'",
                ) from err
    return target


@bp.route("/download/")
def index() -> Response:
    """The downloads, with triple counts from the backend."""
    counts = {g["iri"]: g["count"] for g in coverage()["graphs"]}
    rows = []
    for download in DOWNLOADS:
        rows.append(
            {
                "download": download,
                "count": counts.get(download.graph) if download.graph else coverage()["total"],
                "files": [(fmt, f"{download.name}.{fmt.extension}") for fmt in download.formats],
            }
        )
    html = render_template("downloads.html", rows=rows)
    return Response(html, content_type="text/html; charset=utf-8")


@bp.route("/download/<filename>")
def download(filename: str) -> Response:
    """``/download/<graph>.<ext>``: one graph (or the dataset) in one format."""
    name, _, extension = filename.rpartition(".")
    entry = BY_NAME.get(name)
    fmt = rendering.by_extension(extension, entry.formats) if entry else None
    if entry is None or fmt is None:
        offered = ", ".join(f"{d.name}.{f.extension}" for d in DOWNLOADS for f in d.formats)
        raise ResourceNotFound(f"no download named {filename!r}", hint=f"offered: {offered}")
    path = cached_file(entry, fmt)
    response = send_file(
        path,
        mimetype=fmt.media_type,
        download_name=f"subdip-{entry.name}.{fmt.extension}",
        conditional=True,
        max_age=3600,
    )
    response.headers["Content-Type"] = fmt.content_type
    return response


@bp.route("/graph/<name>")
def graph(name: str) -> Response:
    """A named graph's IRI (``https://w3id.org/subdip/graph/<name>``): 303 to its download in
    the negotiated format, or to the downloads page for a browser."""
    entry = BY_NAME.get(name)
    if entry is None or entry.graph is None:
        named = ", ".join(d.name for d in DOWNLOADS if d.graph is not None)
        raise ResourceNotFound(f"no named graph {name!r}", hint=f"named graphs: {named}")
    choice = rendering.negotiate(request, entry.formats)
    base = rendering.server_base(request)
    if isinstance(choice, str):  # a browser: the downloads page lists every graph and format
        target = f"{base}/download/"
    else:
        target = f"{base}/download/{name}.{choice.extension}"
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


@bp.errorhandler(SubdipError)
def subdip_error(err: SubdipError) -> tuple[str, int]:
    status = int(getattr(err, "status", 500))
    if status >= 500:
        log.error("download failed: %s", err)
    return render_template("error.html", status=status, message=err.message, hint=err.hint), status
