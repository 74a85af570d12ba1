"""The ontology at its IRI (``/ontology``, versioned copies at ``/ontology/<version>``) and the
SHACL shapes (``/shapes``), each with content negotiation.

Hash IRIs (``https://w3id.org/subdip/ontology#ChineseProvince``) reach the server as ``/ontology``;
the HTML documentation (pyLODE) has an anchor per term, so the fragment lands on the term.
Everything is prepared once when the blueprint is registered: the files are small and static.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph
from flask import Blueprint, Flask, Response, current_app, redirect, render_template, request
from flask.blueprints import BlueprintSetupState
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH

from subdip import docs_gen, paths
from subdip.errors import SubdipError
from subdip.namespaces import ONTOLOGY_IRI, PREFIXES
from subdip.web import rendering
from subdip.web.ontology_page import split_pylode
from subdip.web.rendering import TRIPLE_FORMATS, TURTLE, RdfFormat, ResourceNotFound

log = logging.getLogger(__name__)

bp = Blueprint("ontology", __name__, template_folder="templates")
bp.context_processor(rendering.template_globals)

EXTENSION = "subdip_pages"
SHAPES_IRI = "https://w3id.org/subdip/shapes"
SHAPES_PREFIXES = {"sh": str(SH), "subdipsh": SHAPES_IRI + "#"}


@dataclass
class Document:
    """One RDF document served in every format: the bytes of each, prepared once."""

    source: Path | None
    bodies: dict[str, bytes] = field(default_factory=dict)

    def body(self, fmt: RdfFormat) -> bytes:
        return self.bodies[fmt.name]


def _serialise_all(graph: Graph, turtle: bytes | None = None) -> dict[str, bytes]:
    """The graph in each triple format (via pyoxigraph; Turtle kept as written if given)."""
    ntriples = graph.serialize(format="nt", encoding="utf-8")
    triples = list(pyoxigraph.parse(ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES))
    bodies = {fmt.name: rendering.serialize(triples, fmt) for fmt in TRIPLE_FORMATS}
    if turtle is not None:
        bodies[TURTLE.name] = turtle
    return bodies


def load_document(files: list[Path]) -> tuple[Document, Graph]:
    """Parse Turtle ``files`` into one graph and serialise it in every format."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for path in files:
        graph.parse(path, format="turtle")
    turtle = files[0].read_bytes() if len(files) == 1 else None
    return Document(files[0] if len(files) == 1 else None, _serialise_all(graph, turtle)), graph


def _stamp(files: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """What identifies the files' content cheaply: path, size and modification time."""
    return tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files)


@functools.lru_cache(maxsize=8)
def _load_cached(stamp: tuple[tuple[str, int, int], ...]) -> tuple[Document, Graph]:
    """One parse and serialisation per file version and process (apps share the result)."""
    return load_document([Path(path) for path, _, _ in stamp])


@dataclass
class OntologyState:
    current: Document
    files: list[Path]
    version: str | None
    versions: dict[str, Path]
    modules: dict[str, Path]
    alignments: dict[str, Path]
    alignments_dir: Path
    html_path: Path | None
    shapes: Document
    shapes_graph: Graph


def _versions(ontology_dir: Path) -> dict[str, Path]:
    """Archived copies: ``versions/<version>.ttl``, ``<version>/subdip.ttl`` (the whole
    ontology) and ``<version>/<module>.ttl`` (keyed ``<module>/<version>``)."""
    found: dict[str, Path] = {}
    folder = ontology_dir / "versions"
    if folder.is_dir():
        for path in sorted(folder.glob("*.ttl")):
            found[path.stem] = path
        for path in sorted(folder.glob("*/*.ttl")):
            version = path.parent.name
            found[version if path.stem == "subdip" else f"{path.stem}/{version}"] = path
    return found


def data_shapes_files(shapes_dir: Path) -> list[Path]:
    """The data shapes (``core/``, ``china/``, ``dataset/`` and any top-level file), without the
    ontology's own hygiene shapes in ``ontology/``."""
    return sorted(
        path
        for path in shapes_dir.rglob("*.ttl")
        if "ontology" not in path.relative_to(shapes_dir).parts[:-1]
    )


def _doc_links(app: Flask) -> dict[str, str]:
    base = str(app.config.get("SERVER_BASE") or "").rstrip("/")
    links = {"subdip home": f"{base}/"}
    links.update({label: f"{base}/ontology.{ext}" for label, ext in _FORMAT_LABELS})
    links["SHACL shapes"] = f"{base}/shapes"
    return links


_FORMAT_LABELS = (("Turtle", "ttl"), ("JSON-LD", "jsonld"), ("N-Triples", "nt"), ("RDF/XML", "rdf"))


def prepare(app: Flask) -> OntologyState:
    """Read the ontology and shapes once and generate (or reuse) the HTML documentation."""
    ontology_file = Path(app.config.get("ONTOLOGY_FILE") or paths.ontology_file())
    files = paths.ontology_files(ontology_file)
    current, graph = _load_cached(_stamp(files))
    version = graph.value(URIRef(ONTOLOGY_IRI), OWL.versionInfo)
    shapes_dir = Path(app.config.get("SHAPES_DIR") or paths.shapes_dir())
    shapes_files = data_shapes_files(shapes_dir)
    shapes, shapes_graph = (
        _load_cached(_stamp(shapes_files)) if shapes_files else (Document(None), Graph())
    )
    html_path: Path | None = None
    try:
        html_path = docs_gen.cached_html(files, rendering.cache_dir(app), links=_doc_links(app))
    except (SubdipError, OSError, ValueError) as err:
        # the RDF formats still work; the HTML request reports the problem
        log.error("could not generate the ontology documentation: %s", err)
    alignments = ontology_file.parent / "alignments"
    return OntologyState(
        current=current,
        files=files,
        version=str(version) if version is not None else None,
        versions=_versions(ontology_file.parent),
        modules={path.stem: path for path in files if path != ontology_file},
        alignments={p.stem: p for p in sorted(alignments.glob("*.ttl"))},
        alignments_dir=alignments,
        html_path=html_path,
        shapes=shapes,
        shapes_graph=shapes_graph,
    )


def _setup(state: BlueprintSetupState) -> None:
    state.app.extensions.setdefault(EXTENSION, {})["ontology"] = prepare(state.app)


bp.record_once(_setup)


def _state() -> OntologyState:
    return current_app.extensions[EXTENSION]["ontology"]


def _negotiated(document: Document, extension: str | None) -> RdfFormat | str:
    return rendering.negotiate(request, TRIPLE_FORMATS, extension=extension)


def _respond(body: bytes, content_type: str) -> Response:
    response = Response(body, content_type=content_type)
    response.vary.add("Accept")
    return response


def _html_documentation() -> bytes:
    state = _state()
    if state.html_path is None or not state.html_path.is_file():
        state.html_path = docs_gen.cached_html(
            state.files,
            rendering.cache_dir(current_app),
            links=_doc_links(current_app),
        )
    return state.html_path.read_bytes()


@bp.route("/ontology")
@bp.route("/ontology.<extension>")
def ontology(extension: str | None = None) -> Response:
    """The whole ontology (modules merged): pyLODE HTML, Turtle, JSON-LD, N-Triples, RDF/XML."""
    state = _state()
    choice = _negotiated(state.current, extension)
    if choice == "html":
        return _respond(_site_page().encode(), "text/html; charset=utf-8")
    assert isinstance(choice, RdfFormat)
    return _respond(state.current.body(choice), choice.content_type)


def _site_page() -> str:
    """pyLODE's documentation inside the site's template, with an alphabetical index."""
    base = rendering.server_base(request)
    doc = split_pylode(_html_documentation().decode("utf-8"), f"{base}/class")
    formats = [(label, f"{base}/ontology.{ext}") for label, ext in _FORMAT_LABELS]
    return render_template("ontology.html", doc=doc, formats=formats, version=_state().version)


@bp.route("/ontology/")
def ontology_slash() -> Response:
    """``/ontology/`` is the ontology too (some clients add the slash)."""
    return redirect(f"{rendering.server_base(request)}/ontology", code=301)


@bp.route("/ontology/<path:name>")
def versioned(name: str) -> Response:
    """A module, a release of the ontology or of a module, or an alignment (see the module doc)."""
    state = _state()
    sssom = state.alignments_dir / "subdip.sssom.tsv"
    if name == "alignments/subdip.sssom.tsv" and sssom.is_file():  # the mappings as SSSOM
        return _respond(sssom.read_bytes(), "text/tab-separated-values; charset=utf-8")
    name, extension = rendering.split_extension(name)
    if name == state.version:
        return ontology(extension)
    module, _, version = name.partition("/")
    if module in state.modules and version in ("", state.version):
        return _file(state.modules[module], extension, html_is_source=False)
    if module == "alignments" and version in state.alignments:
        return _file(state.alignments[version], extension, html_is_source=True)
    path = state.versions.get(name)
    if path is None:
        known = sorted({*state.versions, *([state.version] if state.version else [])})
        known += sorted(state.modules) + [f"alignments/{a}" for a in sorted(state.alignments)]
        raise ResourceNotFound(
            f"no module, version or alignment {name!r} of the ontology",
            hint=f"known versions, modules and alignments: {', '.join(known) or 'none'}",
        )
    return _file(path, extension, html_is_source=True)


def _file(path: Path, extension: str | None, *, html_is_source: bool) -> Response:
    """One Turtle file in the negotiated format. A module's HTML is the documentation of the
    whole ontology (its terms have their anchors there); archived releases and alignments have no
    generated page, so a browser gets their Turtle source as text."""
    document, _ = _load_cached(_stamp([path]))
    choice = _negotiated(document, extension)
    if choice == "html":
        if not html_is_source:
            return _respond(_html_documentation(), "text/html; charset=utf-8")
        return _respond(document.body(TURTLE), "text/plain; charset=utf-8")
    assert isinstance(choice, RdfFormat)
    return _respond(document.body(choice), choice.content_type)


# -- shapes ----------------------------------------------------------------------------------


@dataclass
class ShapeView:
    iri: str
    label: str | None
    comment: str | None
    targets: list[str]
    constraints: list[tuple[str, str]]
    properties: list[dict[str, Any]]


def _show(graph: Graph, node: Any) -> str:
    """A compact, readable form of a shapes-graph term (lists and blank nodes inlined)."""
    if isinstance(node, Literal):
        return str(node) if not node.language else f'"{node}"@{node.language}'
    if isinstance(node, URIRef):
        return rendering.compact(str(node), SHAPES_PREFIXES) if node != RDF.nil else "()"
    if isinstance(node, BNode):
        if graph.value(node, RDF.first) is not None:
            return "(" + " ".join(_show(graph, item) for item in Collection(graph, node)) + ")"
        inner = "; ".join(
            f"{_show(graph, p)} {_show(graph, o)}" for p, o in sorted(graph.predicate_objects(node))
        )
        return f"[ {inner} ]"
    return str(node)


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
_SKIP = {RDF.type, RDFS.label, RDFS.comment, SH.property, *_TARGETS}


def shape_views(graph: Graph) -> list[ShapeView]:
    """Top-level shapes: node shapes, and any shape with a target (property shapes may have one)."""
    top = set(graph.subjects(RDF.type, SH.NodeShape))
    for target in _TARGETS:
        top.update(graph.subjects(target, None))
    views = []
    for shape in sorted(top, key=str):
        properties = []
        for prop in sorted(graph.objects(shape, SH.property), key=str):
            properties.append(
                {
                    "path": _show(graph, graph.value(prop, SH.path)),
                    "constraints": [
                        (_show(graph, p), _show(graph, o))
                        for p, o in sorted(graph.predicate_objects(prop))
                        if p not in (RDF.type, SH.path)
                    ],
                }
            )
        views.append(
            ShapeView(
                iri=str(shape),
                label=_english(graph, shape, RDFS.label),
                comment=_english(graph, shape, RDFS.comment),
                targets=[
                    f"{_show(graph, p)} {_show(graph, o)}"
                    for p in _TARGETS
                    for o in sorted(graph.objects(shape, p))
                ],
                constraints=[
                    (_show(graph, p), _show(graph, o))
                    for p, o in sorted(graph.predicate_objects(shape))
                    if p not in _SKIP
                ],
                properties=properties,
            )
        )
    return views


def _english(graph: Graph, node: Any, prop: URIRef) -> str | None:
    values = [o for o in graph.objects(node, prop) if isinstance(o, Literal)]
    for value in values:
        if (value.language or "en").startswith("en"):
            return str(value)
    return str(values[0]) if values else None


@bp.route("/shapes")
@bp.route("/shapes.<extension>")
def shapes(extension: str | None = None) -> Response:
    """The SHACL shapes the data is validated against: an HTML listing or RDF."""
    state = _state()
    if not state.shapes.bodies:
        raise ResourceNotFound("no SHACL shapes are installed with this server")
    choice = _negotiated(state.shapes, extension)
    if choice == "html":
        html = render_template("shapes.html", shapes=shape_views(state.shapes_graph))
        return _respond(html.encode(), "text/html; charset=utf-8")
    assert isinstance(choice, RdfFormat)
    return _respond(state.shapes.body(choice), choice.content_type)


@bp.errorhandler(SubdipError)
def subdip_error(err: SubdipError) -> tuple[str, int]:
    status = int(getattr(err, "status", 500))
    if status >= 500:
        log.error("ontology page failed: %s", err)
    return render_template("error.html", status=status, message=err.message, hint=err.hint), status
