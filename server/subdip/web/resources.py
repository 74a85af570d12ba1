"""Linked-data pages: every resource IRI under the IRI base is served at ``/id/<path>``.

One page per resource with content negotiation (``Vary: Accept``): HTML for people (labels in
English and Chinese, every triple in and out with the linked resource's label, inferred triples
marked and linked to their explanation, the sources of asserted claims) and Turtle, JSON-LD,
N-Triples, RDF/XML, TriG, N-Quads for machines. Data comes only from the app's backend.
"""

from __future__ import annotations

import json
import logging
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pyoxigraph
from flask import Blueprint, Response, current_app, render_template, request

from subdip.backends.base import Backend
from subdip.errors import SubdipError
from subdip.namespaces import GRAPH_INFERRED, GRAPH_LINKS, GRAPH_ONTOLOGY
from subdip.sparql.formats import FormatChoice
from subdip.web import rendering
from subdip.web.rendering import (
    ALL_FORMATS,
    LABEL_PROPERTIES,
    RDF_TYPE,
    ResourceNotFound,
    Term,
    is_chinese,
    is_english,
    term_from_json,
    term_from_oxigraph,
)

log = logging.getLogger(__name__)

bp = Blueprint("resources", __name__, template_folder="templates")
bp.context_processor(rendering.template_globals)

#: Seconds a page's own queries may take (config ``PAGE_QUERY_TIMEOUT``).
DEFAULT_PAGE_TIMEOUT = 10.0
#: At most this many triples are read for (and served about) one resource.
MAX_TRIPLES = 10_000
#: At most this many values of one property are shown on a page (the RDF has them all).
GROUP_LIMIT = 100


def graph_kind(graph: str | None) -> str:
    """``asserted``, ``inferred``, ``links`` or ``ontology`` for a graph IRI."""
    if graph == str(GRAPH_INFERRED):
        return "inferred"
    if graph == str(GRAPH_LINKS):
        return "links"
    if graph == str(GRAPH_ONTOLOGY):
        return "ontology"
    return "asserted"


# -- data access -----------------------------------------------------------------------------


def backend() -> Backend:
    """The backend the app factory attached (``app.extensions["subdip"]["backend"]``)."""
    return current_app.extensions["subdip"]["backend"]


def select(sparql: str) -> list[dict[str, Term]]:
    """Run one of the pages' own SELECT queries; rows as ``{variable: Term}``."""
    timeout = float(current_app.config.get("PAGE_QUERY_TIMEOUT", DEFAULT_PAGE_TIMEOUT))
    outcome = backend().query(sparql, timeout=timeout, formats=FormatChoice(solutions="json"))
    document = json.loads(outcome.body)
    rows = document.get("results", {}).get("bindings", [])
    return [{name: term_from_json(value) for name, value in row.items()} for row in rows]


def _iri_ok(iri: str) -> bool:
    """IRIs that can be written between ``<>`` in a query (all the store's IRIs can)."""
    return bool(iri) and not any(c in iri for c in '<>"{}|^`\\ \n\r\t')


def fetch_labels(iris: Iterable[str]) -> dict[str, tuple[str | None, str | None]]:
    """English and Chinese labels of ``iris`` (best label property first), in one query."""
    wanted = sorted({i for i in iris if _iri_ok(i)})
    if not wanted:
        return {}
    # FILTER IN, not a second VALUES: Oxigraph would scan every triple for ``?r ?p ?l`` before
    # joining two VALUES blocks (6 s instead of 0.06 s for 400 IRIs on a million triples)
    properties = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    found: dict[str, dict[str, tuple[int, str]]] = defaultdict(dict)
    for start in range(0, len(wanted), 400):
        values = " ".join(f"<{i}>" for i in wanted[start : start + 400])
        rows = select(
            f"SELECT ?r ?p ?l WHERE {{ VALUES ?r {{ {values} }} ?r ?p ?l . "
            f"FILTER(?p IN ({properties}) && isLiteral(?l)) }}"
        )
        for row in rows:
            rank = LABEL_PROPERTIES.index(row["p"].value)
            label = row["l"]
            slot = (
                "zh"
                if is_chinese(label.language)
                else ("en" if is_english(label.language) else None)
            )
            if slot is None:
                continue
            # an explicit @en beats an untagged literal of the same property
            rank_key = rank * 2 + (0 if label.language else 1)
            current = found[row["r"].value].get(slot)
            if current is None or (rank_key, label.value) < current:
                found[row["r"].value][slot] = (rank_key, label.value)
    return {
        iri: (
            slots["en"][1] if "en" in slots else None,
            slots["zh"][1] if "zh" in slots else None,
        )
        for iri, slots in found.items()
    }


def annotate(terms: Iterable[Term]) -> None:
    """Give every IRI term its labels and its link (a local page when the IRI is ours)."""
    terms = list(terms)
    labels = fetch_labels(t.value for t in terms if t.kind == "uri")
    for term in terms:
        if term.kind != "uri":
            continue
        term.label_en, term.label_zh = labels.get(term.value, (None, None))
        local = rendering.local_link(term.value, request)
        term.local = local is not None
        term.href = local or term.value


_REIFICATION = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#object",
)

# -- the page model --------------------------------------------------------------------------


@dataclass
class ClaimView:
    """A ``subdip:Claim`` that reifies a triple, with the works it rests on."""

    claim: Term
    sources: list[Term] = field(default_factory=list)
    stated_in: list[Term] = field(default_factory=list)
    number: str | None = None


@dataclass
class Row:
    """One triple on the page, seen from the resource (``other`` is the far end)."""

    other: Term
    graph: str
    explain_href: str | None = None
    claims: list[ClaimView] = field(default_factory=list)


@dataclass
class Group:
    predicate: Term
    rows: list[Row] = field(default_factory=list)
    more: int = 0  # values not shown (beyond GROUP_LIMIT)


@dataclass
class Page:
    subject: Term
    types: list[Row]
    outgoing: list[Group]
    incoming: list[Group]
    truncated: bool
    #: claim nodes that reify a statement about the resource (shown apart: they are the
    #: provenance of the rows above, not relations of the resource itself)
    claims: list[Row] = field(default_factory=list)
    more_claims: int = 0


def explain_href(s: Term, p: Term, o: Term) -> str:
    """The link to the explanation of a triple (``/explain?s=&p=&o=``, terms as N-Triples)."""
    query = urlencode({"s": s.value, "p": p.value, "o": o.n3() if o.kind != "uri" else o.value})
    return f"{rendering.server_base(request)}/explain?{query}"


def fetch_claims(iri: str) -> dict[tuple[Any, ...], list[ClaimView]]:
    """Claims reifying triples with ``iri`` at either end, keyed by (s, p, object key)."""
    rows = select(
        "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
        "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
        "PREFIX subdip: <https://w3id.org/subdip/ontology#>\n"
        "SELECT ?c ?s ?p ?o ?src ?in ?n WHERE {\n"
        f"  {{ ?c rdf:subject <{iri}> }} UNION {{ ?c rdf:object <{iri}> }}\n"
        "  ?c rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .\n"
        "  OPTIONAL { ?c dcterms:source ?src }\n"
        "  OPTIONAL { ?c subdip:statedIn ?in }\n"
        "  OPTIONAL { ?c subdip:claimNumber ?n }\n"
        "} LIMIT 2000"
    )
    claims: dict[str, ClaimView] = {}
    keys: dict[str, tuple[Any, ...]] = {}
    for row in rows:
        claim_iri = row["c"].value
        view = claims.get(claim_iri)
        if view is None:
            view = claims[claim_iri] = ClaimView(row["c"])
            keys[claim_iri] = (row["s"].value, row["p"].value, row["o"].key)
        if "src" in row and row["src"].key not in {t.key for t in view.sources}:
            view.sources.append(row["src"])
        if "in" in row and row["in"].key not in {t.key for t in view.stated_in}:
            view.stated_in.append(row["in"])
        if "n" in row:
            view.number = row["n"].value
    grouped: dict[tuple[Any, ...], list[ClaimView]] = defaultdict(list)
    for claim_iri, view in sorted(claims.items()):
        grouped[keys[claim_iri]].append(view)
    return grouped


def describe(iri: str) -> tuple[list[pyoxigraph.Quad], bool]:
    """The resource's quads (subject ones first) and whether the list was cut at the limit."""
    try:
        valid = _iri_ok(iri) and pyoxigraph.NamedNode(iri) is not None
    except ValueError:
        valid = False
    if not valid:  # a path no resource can have (spaces, angle brackets, control characters)
        raise ResourceNotFound(
            f"{iri!r} is not an IRI this dataset can hold", hint="check the address for typos"
        )
    quads = backend().describe_resource(iri, limit=MAX_TRIPLES + 1)
    if not quads:
        raise ResourceNotFound(
            f"no resource <{iri}> in this dataset",
            hint="check the spelling, or search the dataset on the home page",
        )
    return quads[:MAX_TRIPLES], len(quads) > MAX_TRIPLES


_ORDER = {"asserted": 0, "links": 1, "ontology": 2, "inferred": 3}


def _cut(rows: list[Row], limit: int) -> tuple[list[Row], int]:
    """The first ``limit`` rows in a stable order (before labels are known), and how many more."""
    rows = sorted(rows, key=lambda r: (_ORDER.get(r.graph, 9), r.other.value))
    return rows[:limit], max(0, len(rows) - limit)


def _sorted(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (_ORDER.get(r.graph, 9), r.other.display.lower()))


def build_page(iri: str) -> Page:
    """The page model of ``iri``; each property shows at most ``GROUP_LIMIT`` values."""
    quads, truncated = describe(iri)
    subject = Term("uri", iri)
    claims = fetch_claims(iri)
    out: dict[str, Group] = {}
    inc: dict[str, Group] = {}
    types: list[Row] = []
    claim_rows: list[Row] = []
    seen: set[tuple[Any, ...]] = set()
    for quad in quads:
        s = term_from_oxigraph(quad.subject)
        p = term_from_oxigraph(quad.predicate)
        o = term_from_oxigraph(quad.object)
        graph = graph_kind(getattr(quad.graph_name, "value", None))
        key = (s.key, p.value, o.key, graph)
        if key in seen:
            continue
        seen.add(key)
        outgoing = s.value == iri and s.kind == "uri"
        other = o if outgoing else s
        row = Row(other, graph, claims=claims.get((s.value, p.value, o.key), []))
        if graph == "inferred":
            row.explain_href = explain_href(s, p, o)
        if outgoing and p.value == RDF_TYPE:
            types.append(row)
        elif not outgoing and p.value in _REIFICATION:
            claim_rows.append(row)
        else:
            groups = out if outgoing else inc
            groups.setdefault(p.value, Group(p)).rows.append(row)
    # cut large groups before asking for labels: a hub can have tens of thousands of links
    kept: list[Row] = []
    for group in (*out.values(), *inc.values()):
        group.rows, group.more = _cut(group.rows, GROUP_LIMIT)
        kept.extend(group.rows)
    types, _ = _cut(types, GROUP_LIMIT)
    unique_claims = list({row.other.value: row for row in claim_rows}.values())
    unique_claims, more_claims = _cut(unique_claims, GROUP_LIMIT)
    terms: list[Term] = [subject]
    terms.extend(g.predicate for g in (*out.values(), *inc.values()))
    for row in (*kept, *types, *unique_claims):
        terms.append(row.other)
        for claim in row.claims:
            terms.extend([claim.claim, *claim.sources, *claim.stated_in])
    annotate(terms)
    for group in (*out.values(), *inc.values()):
        group.rows = _sorted(group.rows)
    return Page(
        subject,
        _sorted(types),
        sorted(out.values(), key=_group_order),
        sorted(inc.values(), key=_group_order),
        truncated,
        _sorted(unique_claims),
        more_claims,
    )


def _group_order(group: Group) -> tuple[int, str]:
    """Labels first, then the rest by predicate label."""
    predicate = group.predicate.value
    if predicate in LABEL_PROPERTIES:
        return (LABEL_PROPERTIES.index(predicate), "")
    return (len(LABEL_PROPERTIES), group.predicate.display.lower())


#: At most this many edges are drawn in a page's neighbourhood graph (the tables list all).
GRAPH_EDGES = 80


def neighbourhood(page: Page) -> dict[str, list[dict[str, Any]]]:
    """The page's resource and its neighbours as nodes and edges for the picture.

    Outgoing and incoming links to IRIs (literals are left to the table), each edge tagged
    with its graph (asserted, inferred, links) so the two kinds are drawn differently.
    """
    centre = page.subject
    nodes: dict[str, dict[str, Any]] = {
        centre.value: {"id": centre.value, "label": centre.display, "href": None, "kind": "center"}
    }
    edges: list[dict[str, Any]] = []
    for groups, outgoing in ((page.outgoing, True), (page.incoming, False)):
        for group in groups:
            for row in group.rows:
                if row.other.kind != "uri" or len(edges) >= GRAPH_EDGES:
                    continue
                other = row.other
                nodes.setdefault(
                    other.value,
                    {
                        "id": other.value,
                        "label": other.display,
                        "href": other.href,
                        "kind": "resource",
                    },
                )
                source, target = (centre, other) if outgoing else (other, centre)
                edges.append(
                    {
                        "source": source.value,
                        "target": target.value,
                        "label": group.predicate.display,
                        "graph": row.graph,
                    }
                )
    return {"nodes": list(nodes.values()), "edges": edges}


# -- routes ----------------------------------------------------------------------------------


def _rdf_response(body: bytes, fmt: rendering.RdfFormat, status: int = 200) -> Response:
    response = Response(body, status=status, content_type=fmt.content_type)
    response.vary.add("Accept")
    return response


@bp.route("/id/<path:path>")
def resource(path: str) -> Response:
    """The page (or RDF) of ``IRI_BASE + path``."""
    path, extension = rendering.split_extension(path)
    iri = rendering.iri_base() + path
    choice = rendering.negotiate(request, ALL_FORMATS, extension=extension)
    if choice == "html":
        page = build_page(iri)
        links = {
            fmt.name: f"{rendering.server_base(request)}/id/{path}.{fmt.extension}"
            for fmt in ALL_FORMATS
        }
        html = render_template(
            "resource.html", page=page, iri=iri, formats=links, graph=neighbourhood(page)
        )
        response = Response(html, content_type="text/html; charset=utf-8")
        response.vary.add("Accept")
        response.headers["Link"] = ", ".join(
            f'<{href}>; rel="alternate"; type="{fmt.media_type}"'
            for fmt, href in zip(ALL_FORMATS, links.values(), strict=True)
        )
        return response
    assert isinstance(choice, rendering.RdfFormat)
    try:
        quads, _ = describe(iri)
    except ResourceNotFound as err:
        return _rdf_response(rendering.empty_document(choice, str(err)), choice, 404)
    extra = rendering.subpath_prefixes(quads)
    if choice.quads:
        body = rendering.serialize(quads, choice, extra)
    else:
        triples = list(dict.fromkeys(q.triple for q in quads))
        body = rendering.serialize(triples, choice, extra)
    return _rdf_response(body, choice)


@bp.errorhandler(SubdipError)
def subdip_error(err: SubdipError) -> Response:
    """Errors raised by these pages as an HTML page with the right status."""
    status = int(getattr(err, "status", 500))
    if status >= 500:
        log.error("resource page failed: %s", err)
    html = render_template("error.html", status=status, message=err.message, hint=err.hint)
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return response


# -- explanations of inferred triples --------------------------------------------------------


class BadTerm(SubdipError):
    """A term in the ``/explain`` query string cannot be read (HTTP 400)."""

    status = 400


class ExplainUnavailable(SubdipError):
    """This server cannot derive explanations (no local artefact behind it): HTTP 501."""

    status = 501


def _explain_view() -> Any:
    """A per-process ``StoreView`` over the artefact's store (its rules are read once)."""
    from subdip import explain as explaining
    from subdip.store import artefact_ready, open_store

    state = current_app.extensions.setdefault("subdip_pages", {})
    cached = state.get("explain_view")
    if cached is not None and cached[0] == os.getpid():
        return cached[1]
    store = getattr(backend(), "store", None)
    if store is None:
        build_dir = Path(current_app.config.get("BUILD_DIR") or "build")
        if not artefact_ready(build_dir):
            raise ExplainUnavailable(
                "explanations need the local build artefact, and this server has none",
                hint="serve with the folder 'subdip build' wrote (BUILD_DIR)",
            )
        store = open_store(build_dir)
    view = explaining.StoreView(store)
    state["explain_view"] = (os.getpid(), view)
    return view


_POSITIONS = {"s": "subject", "p": "predicate", "o": "object"}


def parse_term(value: str | None, name: str) -> Any:
    """A ``/explain`` parameter as an rdflib term, read as the command line reads it.

    Prefixed names (``id:ccp``), ``a``, IRIs with or without angle brackets, and literals in
    Turtle or N-Triples syntax (``"Hainan"@en``) are accepted: :func:`subdip.terms.parse_term`.
    """
    from subdip.terms import TermError
    from subdip.terms import parse_term as read_term

    if not value or not value.strip():
        raise BadTerm(f"parameter {name!r} is missing", hint="give s, p and o (o may be a literal)")
    try:
        return read_term(value, position=_POSITIONS[name])
    except TermError as err:
        raise BadTerm(f"parameter {name!r}: {err.message}", hint=err.hint) from err


def _explanation_terms(node: dict[str, Any], found: list[Term]) -> None:
    """Collect the IRIs of a derivation tree (for one label query)."""
    node["terms"] = []
    for n3 in node.get("triple", []):
        if n3.startswith("<") and n3.endswith(">"):
            term = Term("uri", n3[1:-1])
        else:
            term = Term("literal", n3)
        node["terms"].append(term)
        found.append(term)
    for source in node.get("sources", []):
        source["publication_term"] = Term("uri", source["publication"])
        found.append(source["publication_term"])
        if source.get("claim"):
            source["claim_term"] = Term("uri", source["claim"])
            found.append(source["claim_term"])
    for premise in node.get("premises", []):
        _explanation_terms(premise, found)


@bp.route("/explain")
def explain_triple() -> Response:
    """Why a triple holds: the OWL 2 RL derivation down to asserted, sourced triples."""
    from subdip import explain as explaining

    given = {k: (request.args.get(k) or "").strip() for k in ("s", "p", "o")}
    if not any(given.values()):  # the form alone
        html = render_template("explain.html", tree=None, text="", given=given)
        return Response(html, content_type="text/html; charset=utf-8")
    s = parse_term(given["s"], "s")
    p = parse_term(given["p"], "p")
    o = parse_term(given["o"], "o")
    offered = ("text/html", "application/json", "text/plain")
    wanted = (request.args.get("format") or "").lower()
    if wanted in ("json", "text", "html"):
        choice = {"json": "application/json", "text": "text/plain", "html": "text/html"}[wanted]
    else:
        choice = request.accept_mimetypes.best_match(offered) if request.accept_mimetypes else None
        choice = choice or "text/html"
    explanation = explaining.explain(_explain_view(), s, p, o)
    if choice == "application/json":
        response = Response(explanation.as_json(), content_type="application/json")
    elif choice == "text/plain":
        response = Response(explanation.text(), content_type="text/plain; charset=utf-8")
    else:
        tree = explanation.as_dict()
        terms: list[Term] = []
        _explanation_terms(tree, terms)
        annotate(terms)
        html = render_template("explain.html", tree=tree, text=explanation.text(), given=given)
        response = Response(html, content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    return response
