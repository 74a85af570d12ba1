"""What the HTML pages share beyond the blueprints: telling a browser from a machine, and
rendering a page template with the site's globals from any blueprint (or none).

A *browser* is a client whose ``Accept`` header names ``text/html`` and weighs it at least as
high as anything else it names explicitly; ``*/*`` alone (curl, SPARQL clients) is a machine.
Browsers send ``text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from flask import Request, render_template, request
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from subdip.web import rendering


def wants_html(req: Request | None = None, *, against: tuple[str, ...] = ()) -> bool:
    """Whether the client prefers HTML to ``against`` (media types the route also offers).

    ``?format=html`` asks for HTML outright; otherwise ``text/html`` must be named in
    ``Accept`` with a weight no lower than the best of ``against`` (wildcards do not count).
    """
    req = req or request
    if (req.args.get("format") or "").lower() in ("html", "text/html"):
        return True
    accept = req.accept_mimetypes
    html = max(
        (q for value, q in accept if value in ("text/html", "application/xhtml+xml")), default=0
    )
    if html <= 0:
        return False
    return html >= max((q for value, q in accept if value in against), default=0)


def render_page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """A page template rendered with ``base`` and ``site`` (the blueprints' context globals)."""
    return render_template(
        template, **rendering.template_globals(), status=status, **context
    ), status


# -- RDF descriptions (service description, VoID) as readable pages ----------------------------


@dataclass
class Node:
    """One subject of a description: its properties, each with its values (nested blank nodes)."""

    label: str
    href: str | None
    rows: list[tuple[str, str, list[Any]]] = field(default_factory=list)  # (label, iri, values)


@dataclass
class Value:
    text: str
    href: str | None = None
    title: str | None = None
    node: Node | None = None  # a blank node, shown nested


#: Values of these properties are classes: they link to the page listing their instances.
_CLASS_VALUED = {"http://rdfs.org/ns/void#class"}


def _value(graph: Graph, term: Any, depth: int, seen: set[Any], predicate: str = "") -> Value:
    if isinstance(term, URIRef) and predicate in _CLASS_VALUED:
        iri = str(term)
        href = f"{rendering.server_base(request)}/class?iri={quote(iri, safe='')}"
        return Value(_compact(graph, iri), href, iri)
    if isinstance(term, URIRef):
        iri = str(term)
        return Value(_compact(graph, iri), rendering.local_link(iri, request) or iri, iri)
    if isinstance(term, BNode) and depth < 4 and term not in seen:
        return Value("", node=_node(graph, term, depth + 1, seen))
    if isinstance(term, Literal):
        text = str(term)
        if term.datatype is not None and str(term.datatype).endswith("#integer"):
            text = f"{int(term):,}"
        return Value(text, title=term.language and f"@{term.language}")
    return Value(str(term))


def _node(graph: Graph, subject: Any, depth: int, seen: set[Any]) -> Node:
    seen = seen | {subject}
    label = str(subject) if isinstance(subject, URIRef) else ""
    href = rendering.local_link(str(subject), request) if isinstance(subject, URIRef) else None
    node = Node(label, href)
    by_predicate: dict[str, list[Any]] = {}
    for p, o in graph.predicate_objects(subject):
        by_predicate.setdefault(str(p), []).append(o)
    order = sorted(by_predicate, key=lambda p: (p != str(RDF.type), _compact(graph, p)))
    for predicate in order:
        values = sorted(by_predicate[predicate], key=_sort_key)
        node.rows.append(
            (
                _compact(graph, predicate),
                predicate,
                [_value(graph, o, depth, seen, predicate) for o in values],
            )
        )
    return node


def _compact(graph: Graph, iri: str) -> str:
    """``prefix:name`` with the project's prefixes and those the description binds."""
    return rendering.compact(iri, {str(p): str(ns) for p, ns in graph.namespaces() if p})


def _sort_key(term: Any) -> tuple[int, str]:
    """Blank nodes last; others by text (partitions then read in class order)."""
    if isinstance(term, BNode):
        return (1, "")
    return (0, str(term))


def description_nodes(graph: Graph, main: Any) -> list[Node]:
    """``main`` first, then the other named subjects; blank nodes nested where they are used."""
    roots = [
        main,
        *sorted({s for s in graph.subjects() if isinstance(s, URIRef) and s != main}, key=str),
    ]
    return [_node(graph, root, 0, set()) for root in roots]
