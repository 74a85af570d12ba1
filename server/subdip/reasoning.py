"""OWL 2 RL inference kept apart from the asserted data.

``infer`` returns only the triples that are new and mean something to a user of the data; the
filter is documented rule by rule in ``docs/reasoning.md`` and implemented in ``is_noise``.
Two engines compute the closure: owlrl (the reference, complete OWL 2 RL, slow beyond ~10 k
triples) and ``fast`` (``subdip.rules.Materialiser``: only the axiom kinds the ontology uses,
checked against owlrl by the test suite). Neither mutates its inputs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from subdip.errors import BuildError, UsageError
from subdip.namespaces import PREFIXES
from subdip.rules import SCHEMA_PREDICATES, Materialiser, RuleSet, extract_rules, schema_triples
from subdip.store import to_ox, to_rdflib

log = logging.getLogger(__name__)

ENGINES = ("auto", "owlrl", "fast")
#: ``engine="auto"`` uses owlrl below this many asserted triples and the fast engine above it.
#: owlrl takes about 14 s at 10 k triples on the reference machine (ENGINE-NOTES), the fast
#: engine well under a second; the shipped data stays below the threshold.
AUTO_THRESHOLD = 10_000

#: Namespaces whose own terms are never the subject or the class of a meaningful inference.
VOCABULARY_NAMESPACES = (str(RDF), str(RDFS), str(OWL), str(XSD))
_OWLRL_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#ErrorMessage")
_OWLRL_ERROR_TEXT = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")

Triple = tuple[Node, Node, Node]


@dataclass
class Inference:
    """The filtered inferences, how they were computed, and what the filter dropped."""

    graph: Graph
    engine: str
    derived: int = 0
    dropped: dict[str, int] = field(default_factory=dict)


def _in_vocabulary(term: Node) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(VOCABULARY_NAMESPACES)


def is_noise(triple: Triple, tbox_subjects: set[Node]) -> str | None:
    """Why ``triple`` is not a meaningful inference (a short reason), or None to keep it."""
    s, p, o = triple
    if isinstance(s, Literal):
        return "literal subject"
    if _in_vocabulary(s):
        return "axiomatic: subject is an RDF/RDFS/OWL/XSD term"
    if p == OWL.sameAs and s == o:
        return "reflexive owl:sameAs"
    if p in SCHEMA_PREDICATES:
        return "TBox closure"
    if s in tbox_subjects:
        return "TBox closure"
    if p == RDF.type and _in_vocabulary(o):
        return "type from the RDF/RDFS/OWL vocabularies"
    if p == RDF.type and isinstance(o, BNode):
        return "type to an anonymous class expression"
    if p in (_OWLRL_ERROR_TEXT,) or o == _OWLRL_ERROR:
        return "owlrl error report"
    return None


def _new_graph() -> Graph:
    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    return graph


def filter_inferences(
    derived: Iterable[Triple], ontology: Graph, asserted: Graph
) -> tuple[Graph, dict[str, int]]:
    """Keep the derived triples that are new and meaningful; count the others by reason."""
    tbox_subjects = set(ontology.subjects())
    out = _new_graph()
    dropped: dict[str, int] = {}
    for t in derived:
        if t in asserted or t in ontology:
            reason: str | None = "already asserted"
        else:
            reason = is_noise(t, tbox_subjects)
        if reason is None:
            out.add(t)
        else:
            dropped[reason] = dropped.get(reason, 0) + 1
    return out, dropped


def rules_for(ontology: Graph, asserted: Graph) -> RuleSet:
    """The rules of the ontology plus any axioms the data states itself."""
    tbox = Graph()
    for t in chain(ontology, schema_triples(asserted)):
        tbox.add(t)
    return extract_rules(tbox)


def check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise UsageError(
            f"unknown reasoning engine {engine!r}", hint=f"use one of {', '.join(ENGINES)}"
        )


def choose_engine(engine: str, asserted_size: int, rules: RuleSet) -> str:
    """The engine to run: the one asked for, or for "auto" owlrl on small inputs."""
    check_engine(engine)
    if engine != "auto":
        return engine
    if rules.unsupported:
        return "owlrl"
    return "owlrl" if asserted_size < AUTO_THRESHOLD else "fast"


def _owlrl_closure(ontology: Graph, asserted: Graph) -> set[Triple]:
    import owlrl

    work = Graph()
    for t in chain(ontology, asserted):
        work.add(t)
    before = len(work)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(work)
    log.debug("owlrl: %d -> %d triples", before, len(work))
    errors = sorted(str(m) for m in work.objects(None, _OWLRL_ERROR_TEXT))
    if errors:
        raise BuildError(
            "the data is inconsistent with the ontology: " + "; ".join(errors[:5]),
            hint="fix the types or relations named above (see 'subdip explain' for why a "
            "type is inferred)",
        )
    return {t for t in work if t not in asserted and t not in ontology}


@dataclass
class FastInference:
    """The fast engine's filtered inferences as pyoxigraph triples (for the build's store)."""

    triples: list[tuple[Any, Any, Any]]
    derived: int
    dropped: dict[str, int]


_LITERAL, _BNODE, _VOCAB, _IRI = range(4)


def _kind(term: Any) -> int:
    if isinstance(term, ox.Literal):
        return _LITERAL
    if isinstance(term, ox.BlankNode):
        return _BNODE
    return _VOCAB if term.value.startswith(VOCABULARY_NAMESPACES) else _IRI


def fast_inferences(
    ontology: Graph, rules: RuleSet, asserted: Iterable[tuple[Any, Any, Any]]
) -> FastInference:
    """The fast engine over pyoxigraph terms, filtered as ``is_noise`` does (same reasons,
    same order) but on integer ids, so that a million triples never become rdflib objects."""
    if rules.unsupported:
        kinds = sorted({kind for kind, _ in rules.unsupported})
        log.warning(
            "the fast engine ignores these axiom kinds of the ontology: %s; use --engine owlrl "
            "for a complete OWL 2 RL closure",
            ", ".join(kinds),
        )
    engine = Materialiser(rules, convert=to_ox)
    onto = [(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in ontology]
    new = engine.run_ids(chain(onto, asserted))
    clashes = engine.violations()
    if clashes:
        shown = "; ".join(f"{s} is both {c} and {d}" for s, c, d in clashes[:5])
        raise BuildError(
            f"the data is inconsistent with the ontology (disjoint classes): {shown}",
            hint="fix the types or relations of these resources",
        )

    def ids(terms: Iterable[Node]) -> set[int]:
        found = (engine.id_of(to_ox(t)) for t in terms)
        return {i for i in found if i is not None}

    tbox = ids(set(ontology.subjects()))
    schema = ids(SCHEMA_PREDICATES)
    same_as = engine.id_of(to_ox(OWL.sameAs))
    type_ = engine.type
    kinds: dict[int, int] = {}
    term = engine.term

    def kind(i: int) -> int:
        k = kinds.get(i)
        if k is None:
            k = kinds[i] = _kind(term(i))
        return k

    kept: list[tuple[Any, Any, Any]] = []
    dropped: dict[str, int] = {}
    for s, p, o in new:
        ks = kind(s)
        if ks == _LITERAL:
            reason: str | None = "literal subject"
        elif ks == _VOCAB:
            reason = "axiomatic: subject is an RDF/RDFS/OWL/XSD term"
        elif p == same_as and s == o:
            reason = "reflexive owl:sameAs"
        elif p in schema or s in tbox:
            reason = "TBox closure"
        elif p == type_ and kind(o) == _VOCAB:
            reason = "type from the RDF/RDFS/OWL vocabularies"
        elif p == type_ and kind(o) == _BNODE:
            reason = "type to an anonymous class expression"
        else:
            kept.append((term(s), term(p), term(o)))
            continue
        dropped[reason] = dropped.get(reason, 0) + 1
    return FastInference(triples=kept, derived=len(new), dropped=dropped)


def infer_detail(ontology: Graph, asserted: Graph, *, engine: str = "auto") -> Inference:
    """``infer`` with what the build report needs: engine used and the filter's counts."""
    rules = rules_for(ontology, asserted)
    chosen = choose_engine(engine, len(asserted), rules)
    if chosen == "owlrl":
        derived = _owlrl_closure(ontology, asserted)
        graph, dropped = filter_inferences(derived, ontology, asserted)
        return Inference(graph=graph, engine=chosen, derived=len(derived), dropped=dropped)
    triples = ((to_ox(s), to_ox(p), to_ox(o)) for s, p, o in asserted)
    fast = fast_inferences(ontology, rules, triples)
    graph = _new_graph()
    for s, p, o in fast.triples:
        graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))
    return Inference(graph=graph, engine=chosen, derived=fast.derived, dropped=fast.dropped)


def infer(ontology: Graph, asserted: Graph, *, engine: str = "auto") -> Graph:
    """Only the new, meaningful triples OWL 2 RL entails from ``ontology`` and ``asserted``.

    >>> from rdflib import Namespace
    >>> EX = Namespace("http://example.org/")
    >>> onto = Graph(); _ = onto.add((EX.controls, RDF.type, OWL.TransitiveProperty))
    >>> data = Graph()
    >>> for t in [(EX.a, EX.controls, EX.b), (EX.b, EX.controls, EX.c)]: _ = data.add(t)
    >>> sorted(str(o) for o in infer(onto, data, engine="fast").objects(EX.a, EX.controls))
    ['http://example.org/c']
    """
    return infer_detail(ontology, asserted, engine=engine).graph
