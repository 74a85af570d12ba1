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

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from subdip.errors import BuildError, UsageError
from subdip.namespaces import PREFIXES
from subdip.rules import SCHEMA_PREDICATES, Materialiser, RuleSet, extract_rules, schema_triples

log = logging.getLogger(__name__)

ENGINES = ("auto", "owlrl", "fast")
#: ``engine="auto"`` uses owlrl below this many asserted triples and the fast engine above it.
#: owlrl takes about 14 s at 10 k triples on the reference machine (ENGINE-NOTES), the fast
#: engine well under a second; the shipped data stays below the threshold.
AUTO_THRESHOLD = 20_000

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


def filter_inferences(
    derived: Iterable[Triple], ontology: Graph, asserted: Graph
) -> tuple[Graph, dict[str, int]]:
    """Keep the derived triples that are new and meaningful; count the others by reason."""
    tbox_subjects = set(ontology.subjects())
    out = Graph()
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns)
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


def _fast_closure(ontology: Graph, asserted: Graph, rules: RuleSet) -> set[Triple]:
    if rules.unsupported:
        kinds = sorted({kind for kind, _ in rules.unsupported})
        log.warning(
            "the fast engine ignores these axiom kinds of the ontology: %s; use --engine owlrl "
            "for a complete OWL 2 RL closure",
            ", ".join(kinds),
        )
    engine = Materialiser(rules)
    derived = engine.run(chain(ontology, asserted))
    clashes = engine.violations()
    if clashes:
        shown = "; ".join(f"{s} is both {c} and {d}" for s, c, d in clashes[:5])
        raise BuildError(
            f"the data is inconsistent with the ontology (disjoint classes): {shown}",
            hint="fix the types or relations of these resources",
        )
    return derived


def infer_detail(ontology: Graph, asserted: Graph, *, engine: str = "auto") -> Inference:
    """``infer`` with what the build report needs: engine used and the filter's counts."""
    rules = rules_for(ontology, asserted)
    chosen = choose_engine(engine, len(asserted), rules)
    if chosen == "owlrl":
        derived = _owlrl_closure(ontology, asserted)
    else:
        derived = _fast_closure(ontology, asserted, rules)
    graph, dropped = filter_inferences(derived, ontology, asserted)
    return Inference(graph=graph, engine=chosen, derived=len(derived), dropped=dropped)


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
