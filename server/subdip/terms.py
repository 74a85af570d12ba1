"""Reading RDF terms as people type them: ``id:ccp``, ``subdip:controls``, ``a``, full IRIs with
or without angle brackets, and Turtle literals (``"Hainan"@en``, ``"2020"^^xsd:gYear``).

One function for the command line (``subdip explain``) and the web (``/explain``), so both
accept the same input with the project's prefixes (:data:`subdip.namespaces.PREFIXES`).
"""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node
from rdflib.util import from_n3

from subdip.errors import UsageError
from subdip.namespaces import PREFIXES


class TermError(UsageError):
    """A term that cannot be read (exit code 2 on the command line, HTTP 400 on the web)."""

    status = 400


def parse_term(text: str, *, position: str) -> Node:
    """``text`` as an rdflib term; ``position`` is subject, predicate or object.

    Subjects and predicates must be IRIs; ``a`` is rdf:type in the predicate position.

    >>> parse_term("id:ccp", position="subject")
    rdflib.term.URIRef('https://w3id.org/subdip/id/ccp')
    >>> parse_term('"Hainan"@en', position="object")
    rdflib.term.Literal('Hainan', lang='en')
    """
    text = text.strip()
    if not text:
        raise TermError(f"the {position} is missing", hint="give a prefixed name such as id:ccp")
    if position == "predicate" and text == "a":
        return RDF.type
    if not text.startswith(("<", '"', "'")):
        scheme, colon, _ = text.partition(":")
        if "://" in text or (colon and scheme not in PREFIXES and scheme in ("urn", "mailto")):
            text = f"<{text}>"
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    try:
        term = from_n3(text, nsm=graph.namespace_manager)
    except KeyError as err:
        raise TermError(
            f"the {position} {text!r} uses the unknown prefix {text.partition(':')[0]!r}",
            hint="known prefixes: " + ", ".join(sorted(PREFIXES)) + "; or give a full IRI",
        ) from err
    except (ValueError, TypeError, SyntaxError) as err:
        raise TermError(
            f"cannot read the {position} {text!r}: {err}",
            hint="use a prefixed name such as id:ccp (prefixes: "
            + ", ".join(sorted(PREFIXES))
            + "), a full IRI, or a Turtle literal",
        ) from err
    if term is None or (position != "object" and not isinstance(term, URIRef)):
        raise TermError(
            f"the {position} {text!r} is not an IRI", hint="give a prefixed name or a full IRI"
        )
    bad = ' <>"{}|^`\\'
    if isinstance(term, URIRef) and (":" not in str(term) or any(c in str(term) for c in bad)):
        raise TermError(
            f"the {position} {text!r} is not a known prefixed name or absolute IRI",
            hint="prefixes: " + ", ".join(sorted(PREFIXES)),
        )
    return term
