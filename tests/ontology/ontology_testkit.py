"""Helpers for the ontology tests: Turtle snippets with the test prefixes, and owlrl closures.

owlrl is the reference OWL 2 RL engine: every inference the ontology promises is checked against
what it actually derives.
"""

from __future__ import annotations

from dataclasses import dataclass

import owlrl
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

#: owlrl records inconsistencies as resources of this type (see owlrl.Closure).
OWLRL_ERRORS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")


PREFIXES = """\
@prefix subdip: <https://w3id.org/subdip/ontology#> .
@prefix id: <https://w3id.org/subdip/id/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""


@dataclass(frozen=True)
class Closure:
    """An owlrl closure and the inconsistency messages owlrl reported while computing it."""

    graph: Graph
    errors: tuple[str, ...]


def close(*graphs: Graph) -> Closure:
    """OWL 2 RL closure of the union of ``graphs`` (inputs untouched), errors split out."""
    union = Graph()
    for graph in graphs:
        union += graph
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(union)
    errors = []
    for message in list(union.subjects(RDF.type, OWLRL_ERRORS.ErrorMessage)):
        errors.append(str(union.value(message, OWLRL_ERRORS.error)))
        union.remove((message, None, None))
    return Closure(union, tuple(sorted(errors)))


def turtle(text: str) -> Graph:
    """A graph from a Turtle snippet written with the common test prefixes."""
    return Graph().parse(data=PREFIXES + text, format="turtle")
