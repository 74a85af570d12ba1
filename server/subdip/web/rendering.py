"""RDF serialisation and content negotiation shared by the linked-data blueprints.

Pages, the ontology and the downloads all offer the same RDF formats, chosen the same way:
an explicit ``?format=`` wins, then a file extension on the path, then the ``Accept`` header
(with q-values, via Werkzeug). Serialisation goes through pyoxigraph, which streams and is
an order of magnitude faster than rdflib on large graphs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
from flask import Request, current_app, has_app_context

from subdip.errors import SubdipError
from subdip.namespaces import ONTOLOGY_IRI, PREFIXES
from subdip.sparql.formats import NotAcceptable
from subdip.web import jsonld

__all__ = ["NotAcceptable", "ResourceNotFound"]

log = logging.getLogger(__name__)


class ResourceNotFound(SubdipError):
    """The path names nothing this server describes (HTTP 404)."""

    status = 404


@dataclass(frozen=True)
class RdfFormat:
    """One RDF serialisation: ``name`` for ``?format=``, its media type and file extension."""

    name: str
    media_type: str
    extension: str
    oxigraph: pyoxigraph.RdfFormat
    quads: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


TURTLE = RdfFormat("turtle", "text/turtle", "ttl", pyoxigraph.RdfFormat.TURTLE, aliases=("ttl",))
NTRIPLES = RdfFormat(
    "ntriples", "application/n-triples", "nt", pyoxigraph.RdfFormat.N_TRIPLES, aliases=("nt",)
)
JSONLD = RdfFormat(
    "jsonld",
    "application/ld+json",
    "jsonld",
    pyoxigraph.RdfFormat.JSON_LD,
    aliases=("json-ld", "json", "application/json"),
)
RDFXML = RdfFormat(
    "rdfxml", "application/rdf+xml", "rdf", pyoxigraph.RdfFormat.RDF_XML, aliases=("rdf", "xml")
)
NQUADS = RdfFormat(
    "nquads", "application/n-quads", "nq", pyoxigraph.RdfFormat.N_QUADS, True, ("nq",)
)
TRIG = RdfFormat("trig", "application/trig", "trig", pyoxigraph.RdfFormat.TRIG, True)

#: Formats for one graph (a resource description, the ontology, one named graph).
TRIPLE_FORMATS: tuple[RdfFormat, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML)
#: Formats that keep the named graphs.
QUAD_FORMATS: tuple[RdfFormat, ...] = (TRIG, NQUADS)
ALL_FORMATS: tuple[RdfFormat, ...] = TRIPLE_FORMATS + QUAD_FORMATS

HTML = "text/html"
#: Media types that browsers send and that mean "a page", besides text/html.
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def by_extension(extension: str, offered: Iterable[RdfFormat] = ALL_FORMATS) -> RdfFormat | None:
    for fmt in offered:
        if fmt.extension == extension.lower():
            return fmt
    return None


def split_extension(path: str) -> tuple[str, str | None]:
    """``hainan.ttl`` -> (``hainan``, ``ttl``) for the extensions served; else (path, None)."""
    stem, dot, extension = path.rpartition(".")
    if dot and stem and "/" not in extension:
        lowered = extension.lower()
        if lowered in ("html", "htm") or by_extension(lowered) is not None:
            return stem, lowered
    return path, None


def by_name(name: str, offered: Iterable[RdfFormat]) -> RdfFormat | str:
    """A ``?format=`` value: an RDF format, or the string ``"html"``."""
    key = name.strip().lower()
    if key in ("html", "text/html"):
        return "html"
    offered = tuple(offered)
    for fmt in offered:
        if key in (fmt.name, fmt.extension, fmt.media_type, *fmt.aliases):
            return fmt
    known = ", ".join(["html", *(f.name for f in offered)])
    raise NotAcceptable(f"unknown format {name!r}", hint=f"use one of {known}")


def negotiate(
    request: Request,
    offered: Iterable[RdfFormat] = TRIPLE_FORMATS,
    *,
    extension: str | None = None,
    html: bool = True,
) -> RdfFormat | str:
    """The representation to send: an :class:`RdfFormat` or ``"html"``.

    Order: ``?format=``, then the path's extension, then ``Accept`` (q-values honoured; a
    missing header or ``*/*`` gives HTML when offered, else the first RDF format).
    """
    offered = tuple(offered)
    param = request.args.get("format")
    if param:
        choice = by_name(param, offered)
        if choice == "html" and not html:
            raise NotAcceptable("no HTML representation here", hint="ask for an RDF format")
        return choice
    if extension:
        if extension.lower() in ("html", "htm") and html:
            return "html"
        fmt = by_extension(extension, offered)
        if fmt is None:
            raise NotAcceptable(f"unknown file extension .{extension}")
        return fmt
    types: list[str] = [*(_HTML_TYPES if html else ()), *(f.media_type for f in offered)]
    for fmt in offered:
        types.extend(a for a in fmt.aliases if "/" in a)
    accept = request.accept_mimetypes
    if not accept:
        return "html" if html else offered[0]
    best = accept.best_match(types)
    if best is None:
        wanted = request.headers.get("Accept", "")
        offer = ", ".join(types)
        raise NotAcceptable(
            f"cannot produce any of the accepted types ({wanted})", hint=f"accept one of {offer}"
        )
    if best in _HTML_TYPES:
        return "html"
    for fmt in offered:
        if best == fmt.media_type or best in fmt.aliases:
            return fmt
    return offered[0]  # pragma: no cover - best_match only returns offered types


#: Prefixes for the sub-paths of resource IRIs, so Turtle reads ``pub:wong2018`` rather
#: than ``id:pub\/wong2018`` (a local name cannot contain an unescaped slash).
SUBPATH_PREFIXES: dict[str, str] = {
    kind: f"{PREFIXES['id']}{kind}/"
    for kind in ("pub", "claim", "agreement", "event", "policy", "scheme", "concept")
}
#: The prefixes of the published JSON-LD context (``/context.jsonld``).
CONTEXT_PREFIXES: dict[str, str] = {**PREFIXES, **SUBPATH_PREFIXES}


_PREFIX_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def subpath_prefixes(items: Iterable[pyoxigraph.Triple | pyoxigraph.Quad]) -> dict[str, str]:
    """A prefix per sub-path of resource IRIs found in ``items`` (``strategy-use:`` ...)."""
    base = PREFIXES["id"]
    found: dict[str, str] = {}
    for item in items:
        for term in (item.subject, item.object):
            value = getattr(term, "value", "")
            if isinstance(term, pyoxigraph.NamedNode) and value.startswith(base):
                head, slash, _ = value[len(base) :].partition("/")
                if slash and _PREFIX_NAME.match(head) and head not in PREFIXES:
                    found[head] = f"{base}{head}/"
    return found


def serialize(
    items: Iterable[pyoxigraph.Triple] | Iterable[pyoxigraph.Quad],
    fmt: RdfFormat,
    extra_prefixes: dict[str, str] | None = None,
) -> bytes:
    """Serialise triples (or quads, for TriG and N-Quads) with subdip's prefixes, grouped by
    graph (one TriG block each) and subject (one Turtle block, one JSON-LD node each); JSON-LD
    is compact, against the published context (:mod:`subdip.web.jsonld`)."""
    items = jsonld.sort_items(items)
    if fmt == JSONLD:
        return jsonld.dumps(
            items, context=context_iri(), quads=fmt.quads, prefixes=CONTEXT_PREFIXES
        )
    prefixes = (
        {**PREFIXES, **SUBPATH_PREFIXES, **(extra_prefixes or {})}
        if fmt in (TURTLE, TRIG, RDFXML)
        else None
    )
    kwargs: dict[str, Any] = {"format": fmt.oxigraph}
    if prefixes:
        kwargs["prefixes"] = prefixes
    return pyoxigraph.serialize(items, **kwargs) or b""


def empty_document(fmt: RdfFormat, comment: str) -> bytes:
    """A valid, empty document in ``fmt`` (the body of an RDF 404), with a comment if allowed."""
    if fmt in (TURTLE, NTRIPLES, NQUADS, TRIG):
        return f"# {comment}\n".encode()
    if fmt == JSONLD:
        return b"[]\n"
    return (
        b'<?xml version="1.0" encoding="utf-8"?>\n'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
    )


# -- IRIs and where their pages live -------------------------------------------------------


def iri_base() -> str:
    """The IRI prefix of the resources served under ``/id/`` (config ``IRI_BASE``)."""
    return str(current_app.config.get("IRI_BASE") or "https://w3id.org/subdip/id/")


def context_iri() -> str:
    """The IRI of the JSON-LD context our documents reference (see :mod:`subdip.web.jsonld`)."""
    if has_app_context():
        configured = current_app.config.get("SERVER_BASE") or ""
        return jsonld.context_iri(iri_base(), str(configured))
    return jsonld.context_iri("https://w3id.org/subdip/id/", "")


def server_base(request: Request) -> str:
    """Where this server's pages live, without a trailing slash (config ``SERVER_BASE``).

    Empty by default: links are then root-relative (honouring a WSGI script root).
    """
    configured = current_app.config.get("SERVER_BASE")
    if configured:
        return str(configured).rstrip("/")
    return request.script_root.rstrip("/")


def local_link(iri: str, request: Request) -> str | None:
    """The page of ``iri`` on this server, or ``None`` if the IRI is not ours."""
    base = server_base(request)
    ids = iri_base()
    if iri.startswith(ids) and len(iri) > len(ids):
        return f"{base}/id/{iri[len(ids) :]}"
    if iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#"):
        return f"{base}/ontology{iri[len(ONTOLOGY_IRI) :]}"
    graph_prefix = "https://w3id.org/subdip/graph/"
    if iri.startswith(graph_prefix):
        return f"{base}/download/"
    return None


def site_config(request: Request) -> dict[str, str]:
    """The values the page scripts need to link IRIs (rendered into a data attribute)."""
    return {
        "iriBase": iri_base(),
        "serverBase": server_base(request),
        "ontology": ONTOLOGY_IRI,
    }


# -- terms as the templates see them -------------------------------------------------------

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Label properties, most preferred first.
LABEL_PROPERTIES: tuple[str, ...] = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://xmlns.com/foaf/0.1/name",
    "http://purl.org/dc/terms/title",
)


@dataclass
class Term:
    """An RDF term ready for a template: its value, kind, labels and where it links."""

    kind: str  # "uri", "bnode" or "literal"
    value: str
    language: str | None = None
    datatype: str | None = None
    label_en: str | None = None
    label_zh: str | None = None
    href: str | None = None
    local: bool = False

    @property
    def key(self) -> tuple[str, str, str | None, str | None]:
        return (self.kind, self.value, self.language, self.datatype)

    @property
    def display(self) -> str:
        """The text to show: the English label, else a compact form of the IRI."""
        if self.kind != "uri":
            return self.value
        return self.label_en or self.label_zh or compact(self.value)

    @property
    def zh_extra(self) -> str | None:
        """The Chinese label, when it adds something to :attr:`display`."""
        if self.label_zh and self.label_zh != self.display:
            return self.label_zh
        return None

    def n3(self) -> str:
        """The term in SPARQL/N-Triples syntax (for explanation links and queries)."""
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        escaped = (
            self.value.replace("\\", "\\\\")
            .replace('"', '\\"')
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
        if self.language:
            return f'"{escaped}"@{self.language}'
        if self.datatype and self.datatype != XSD_STRING:
            return f'"{escaped}"^^<{self.datatype}>'
        return f'"{escaped}"'


def compact(iri: str, extra: dict[str, str] | None = None) -> str:
    """``prefix:local`` for an IRI in a known namespace, else the IRI itself."""
    best = ""
    found = ""
    for prefix, namespace in {**PREFIXES, **(extra or {})}.items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            best = namespace
            found = prefix
    if best and all(c.isalnum() or c in "-_./" for c in iri[len(best) :]):
        return f"{found}:{iri[len(best) :]}"
    return iri


def term_from_oxigraph(term: Any) -> Term:
    """A :class:`Term` from a pyoxigraph NamedNode, BlankNode or Literal."""
    if isinstance(term, pyoxigraph.NamedNode):
        return Term("uri", term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return Term("bnode", term.value)
    if isinstance(term, pyoxigraph.Literal):
        datatype = term.datatype.value if term.datatype is not None else None
        if datatype in (XSD_STRING, RDF_LANGSTRING):
            datatype = None
        return Term("literal", term.value, language=term.language, datatype=datatype)
    return Term("literal", str(term))


def term_from_json(binding: dict[str, str]) -> Term:
    """A :class:`Term` from one SPARQL JSON results binding."""
    kind = binding["type"]
    if kind == "typed-literal":
        kind = "literal"
    datatype = binding.get("datatype")
    if datatype in (XSD_STRING, RDF_LANGSTRING):
        datatype = None
    return Term(kind, binding["value"], language=binding.get("xml:lang"), datatype=datatype)


def is_chinese(language: str | None) -> bool:
    """Chinese in characters (``zh``, ``zh-Hans``...), not romanised (``zh-Latn-pinyin``)."""
    if not language:
        return False
    tag = language.lower()
    return (tag == "zh" or tag.startswith("zh-")) and "latn" not in tag


def is_english(language: str | None) -> bool:
    return not language or language.lower() == "en" or language.lower().startswith("en-")


def template_globals() -> dict[str, Any]:
    """Values every page template uses (registered as a context processor by each blueprint)."""
    from flask import request as current_request

    return {"base": server_base(current_request), "site": site_config(current_request)}


def cache_dir(app: Any) -> Path:
    """Where the pages cache generated files (config ``CACHE_DIR``; else inside the build).

    Inside the build folder by default, so a new build (renamed into place) starts afresh; a
    read-only build folder falls back to a per-build folder under the system's temp dir.
    """
    configured = app.config.get("CACHE_DIR")
    if configured:
        folder = Path(configured)
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    build_dir = app.config.get("BUILD_DIR")
    if build_dir:
        folder = Path(build_dir) / "web-cache"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            pass
        log.warning("build folder %s is not writable: caching pages' files in temp", build_dir)
        key = hashlib.sha256(str(Path(build_dir).resolve()).encode()).hexdigest()[:12]
        folder = Path(tempfile.gettempdir()) / f"subdip-web-cache-{key}"
    else:
        folder = Path(tempfile.gettempdir()) / "subdip-web-cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
