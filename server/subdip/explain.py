"""Why a triple holds: its derivation down to asserted triples, each with its sources.

``explain(dataset, s, p, o)`` works goal-first over the build artefact (a pyoxigraph store with
the named graphs of ``subdip.namespaces``): it looks for the OWL 2 RL rule applications
(``subdip.rules``) whose conclusion is the triple and whose premises hold in the dataset,
prefers premises that are asserted and derivations with fewer steps, and recurses until every
leaf is an asserted triple. It never materialises the closure, so it answers quickly on a large
store; a derivation that would loop (inverse of an inverse...) is rejected, and the search is
bounded. A transitive conclusion is shown as the chain of links it rests on (prp-trp applied
along the chain) rather than as a binary tree.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice, pairwise
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from subdip.namespaces import (
    GRAPH_ASSERTED,
    GRAPH_INFERRED,
    GRAPH_LINKS,
    GRAPH_ONTOLOGY,
    PREFIXES,
    SUBDIP,
)
from subdip.rules import AXIOM_TYPES, SCHEMA_PREDICATES, RuleSet, Step, extract_rules
from subdip.store import to_ox, to_rdflib

Triple = tuple[Node, Node, Node]
FOAF_NAME = URIRef("http://xmlns.com/foaf/0.1/name")

#: Upper bounds that keep an explanation quick on any store.
MAX_CALLS = 5_000
MAX_CANDIDATES = 25
MAX_PATH_NODES = 50_000
MAX_FALLBACK = 200
_EXPRESSION_PREDICATES = {
    OWL.onProperty, OWL.someValuesFrom, OWL.hasValue, OWL.allValuesFrom, OWL.intersectionOf,
    OWL.unionOf,
}  # fmt: skip
_REWRITES = {"prp-inv1", "prp-inv2", "prp-symp", "prp-eqp1", "prp-eqp2", "cax-eqc1", "cax-eqc2"}


@dataclass(frozen=True)
class Source:
    """A publication a triple rests on, and how we know (a claim node or the subject's sources)."""

    publication: str
    citation: str
    claim: str | None = None
    stated_in: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class Explanation:
    """A triple's status and, when inferred, the rule and premises it follows from."""

    triple: Triple
    status: str  # "asserted" | "inferred" | "not-holding"
    rule: str | None = None
    axioms: list[Triple] = field(default_factory=list)
    premises: list[Explanation] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    graph: str | None = None  # the named graph an asserted triple is in
    label: str = ""  # the triple in readable form (anonymous classes spelled out)
    axiom_text: str = ""  # the ontology axioms in readable form

    @property
    def holds(self) -> bool:
        return self.status != "not-holding"

    def size(self) -> int:
        return 1 + sum(p.size() for p in self.premises)

    def leaves(self) -> Iterator[Explanation]:
        """The asserted triples the derivation rests on, in order."""
        if not self.premises:
            yield self
        for p in self.premises:
            yield from p.leaves()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "triple": [_n3(t) for t in self.triple],
            "text": self.label or " ".join(_short(t) for t in self.triple),
            "status": self.status,
        }
        if self.graph:
            out["graph"] = self.graph
        if self.rule:
            out["rule"] = self.rule
            out["axioms"] = [[_n3(t) for t in a] for a in self.axioms]
            out["axiom_text"] = self.axiom_text
            out["premises"] = [p.as_dict() for p in self.premises]
        if self.sources:
            out["sources"] = [s.as_dict() for s in self.sources]
        return out

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"

    def text(self) -> str:
        lines: list[str] = []
        self._text(lines, 0)
        return "\n".join(lines) + "\n"

    def _text(self, lines: list[str], depth: int) -> None:
        pad = "  " * depth
        stated = self.label or " ".join(_short(t) for t in self.triple)
        if self.status == "not-holding":
            lines.append(
                f"{pad}{stated} does not hold: it is neither asserted nor inferred in this dataset."
            )
            return
        if self.status == "asserted":
            where = {
                str(GRAPH_ONTOLOGY): "the ontology",
                str(GRAPH_LINKS): "the Wikidata links",
            }.get(self.graph or "", "the data")
            lines.append(f"{pad}{stated}  [asserted in {where}]")
            for s in self.sources:
                how = f" (claim {_short(URIRef(s.claim))})" if s.claim else ""
                via = f", read in {_short(URIRef(s.stated_in))}" if s.stated_in else ""
                lines.append(f"{pad}    source: {s.citation} <{s.publication}>{how}{via}")
            if not self.sources and self.graph != str(GRAPH_ONTOLOGY):
                lines.append(f"{pad}    source: none recorded")
            return
        axioms = self.axiom_text or "; ".join(" ".join(_short(t) for t in a) for a in self.axioms)
        lines.append(f"{pad}{stated}  [{self.rule}: {axioms}]")
        for p in self.premises:
            p._text(lines, depth + 1)


def _n3(term: Node) -> str:
    return term.n3()


_SHORT = sorted(PREFIXES.items(), key=lambda kv: -len(kv[1]))


def _short(term: Node) -> str:
    if isinstance(term, URIRef):
        for prefix, ns in _SHORT:
            if str(term).startswith(ns) and "/" not in str(term)[len(ns) :]:
                return f"{prefix}:{str(term)[len(ns) :]}"
        if str(term) == str(RDF.type):
            return "a"
    if isinstance(term, BNode):
        return "[]"
    return term.n3()


class StoreView:
    """Read access to a build artefact's store, in rdflib terms, plus the ontology's rules.

    Build one per store and reuse it (the rules are read from the ontology graph once).
    """

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._asserted = ox.NamedNode(str(GRAPH_ASSERTED))
        self._inferred = ox.NamedNode(str(GRAPH_INFERRED))
        self._ontology = ox.NamedNode(str(GRAPH_ONTOLOGY))
        self._links = ox.NamedNode(str(GRAPH_LINKS))
        # the whole ontology graph, plus the few axioms the data may state itself (looked up
        # by predicate and by OWL class, so a large asserted graph is never scanned)
        tbox = Graph()
        for q in store.quads_for_pattern(None, None, None, self._ontology):
            tbox.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
        for pred in SCHEMA_PREDICATES:
            for q in store.quads_for_pattern(None, to_ox(pred), None, self._asserted):
                tbox.add((to_rdflib(q.subject), pred, to_rdflib(q.object)))
        for kind in AXIOM_TYPES:
            for q in store.quads_for_pattern(None, to_ox(RDF.type), to_ox(kind), self._asserted):
                tbox.add((to_rdflib(q.subject), RDF.type, kind))
        self.rules: RuleSet = extract_rules(tbox)
        self.subclasses = self.rules.subclasses_of()
        self.subproperties = self.rules.subproperties_of()
        self.inverse_sources: dict[Node, list[tuple[Node, Step]]] = {}
        for q, targets in self.rules.inverses.items():
            for p, step in targets:
                self.inverse_sources.setdefault(p, []).append((q, step))

        self.lists: dict[Node, list[Node]] = {}
        for members, step in (*self.rules.intersections.values(), *self.rules.unions.values()):
            self.lists[step.axiom[0][2]] = members
        for _, links, step in self.rules.chains:
            self.lists[step.axiom[0][2]] = links

    def term_text(self, node: Node) -> str:
        """A term in short form; an anonymous class as a Manchester-style expression."""
        if not isinstance(node, BNode):
            return _short(node)
        rules = self.rules
        if node in rules.intersections:
            return "(" + " and ".join(self.term_text(m) for m in rules.intersections[node][0]) + ")"
        if node in rules.unions:
            return "(" + " or ".join(self.term_text(m) for m in rules.unions[node][0]) + ")"
        for table, word in (
            (rules.some_values, "some"),
            (rules.has_value, "value"),
            (rules.all_values, "only"),
        ):
            if node in table:
                prop, other, _ = table[node]
                return f"({_short(prop)} {word} {self.term_text(other)})"
        if node in self.lists:
            return "(" + " ".join(self.term_text(m) for m in self.lists[node]) + ")"
        return "[]"

    def triple_text(self, t: Triple) -> str:
        return " ".join(self.term_text(x) for x in t)

    def axiom_text(self, axioms: Iterable[Triple]) -> str:
        """The axioms of a rule step, e.g. ``subdip:owns rdfs:subPropertyOf subdip:controls``."""
        shown = []
        for a, pred, b in axioms:
            if isinstance(a, BNode) and pred in _EXPRESSION_PREDICATES:
                shown.append(f"the class {self.term_text(a)}")
            else:
                shown.append(f"{self.term_text(a)} {_short(pred)} {self.term_text(b)}")
        return "; ".join(dict.fromkeys(shown))

    def _quads(self, s: Node | None, p: Node | None, o: Node | None, graph: ox.NamedNode):
        return self.store.quads_for_pattern(
            None if s is None else to_ox(s),
            None if p is None else to_ox(p),
            None if o is None else to_ox(o),
            graph,
        )

    def asserted(self, t: Triple, graph: str) -> Explanation:
        """The explanation of an asserted triple: where it is and its sources."""
        sources = self.sources(t) if graph in (str(GRAPH_ASSERTED), str(GRAPH_LINKS)) else []
        return Explanation(t, "asserted", sources=sources, graph=graph, label=self.triple_text(t))

    def graph_of(self, t: Triple) -> str | None:
        """The named graph holding ``t`` as asserted (data or ontology), or None."""
        for graph in (self._asserted, self._ontology):
            if next(iter(self._quads(*t, graph)), None) is not None:
                return graph.value
        return None

    def mentions(self, term: Node) -> bool:
        """Whether ``term`` occurs as a subject or object anywhere in the dataset."""
        o = to_ox(term)
        if next(iter(self.store.quads_for_pattern(None, None, o)), None) is not None:
            return True
        if isinstance(term, Literal):
            return False
        return next(iter(self.store.quads_for_pattern(o, None, None)), None) is not None

    def in_links(self, t: Triple) -> bool:
        return next(iter(self._quads(*t, self._links)), None) is not None

    def holds(self, t: Triple) -> bool:
        return any(
            next(iter(self._quads(*t, g)), None) is not None
            for g in (self._asserted, self._inferred, self._ontology)
        )

    def asserted_match(self, s: Node | None, p: Node, o: Node | None) -> Iterator[Triple]:
        for q in self._quads(s, p, o, self._asserted):
            yield (to_rdflib(q.subject), p, to_rdflib(q.object))

    def match(self, s: Node | None, p: Node, o: Node | None) -> Iterator[Triple]:
        """Triples that hold (asserted first, then inferred)."""
        seen: set[Triple] = set()
        for graph in (self._asserted, self._ontology, self._inferred):
            for q in self._quads(s, p, o, graph):
                t = (to_rdflib(q.subject), p, to_rdflib(q.object))
                if t not in seen:
                    seen.add(t)
                    yield t

    def objects(self, s: Node, p: Node) -> list[Node]:
        return [t[2] for t in self.match(s, p, None)]

    def sources(self, t: Triple) -> list[Source]:
        """Publications behind an asserted triple: its claim nodes, else its subject's sources."""
        s, p, o = t
        found: list[Source] = []
        for claim in self._claims(s, p, o):
            article = next(iter(self._described(claim, SUBDIP.statedIn)), None)
            for pub in self._described(claim, DCTERMS.source):
                found.append(
                    Source(
                        publication=str(pub),
                        citation=self.citation(pub),
                        claim=str(claim),
                        stated_in=str(article) if article is not None else None,
                    )
                )
        if not found:
            for pub in self.objects(s, DCTERMS.source):
                found.append(Source(publication=str(pub), citation=self.citation(pub)))
        return sorted(set(found), key=lambda src: (src.claim or "", src.publication))

    def _described(self, node: Node, p: Node) -> list[Node]:
        """Objects of (node p ?) in the data or the links (claims live in both)."""
        found = [t[2] for t in self.match(node, p, None)]
        found += [to_rdflib(q.object) for q in self._quads(node, p, None, self._links)]
        return list(dict.fromkeys(found))

    def _claims(self, s: Node, p: Node, o: Node) -> list[Node]:
        """Claim nodes reifying (s p o): ?c rdf:subject s; rdf:predicate p; rdf:object o."""
        query = (
            f"SELECT DISTINCT ?c WHERE {{ VALUES ?g {{ <{GRAPH_ASSERTED}> <{GRAPH_LINKS}> }} "
            f"GRAPH ?g {{ ?c <{RDF.subject}> {to_ox(s)} ; <{RDF.predicate}> {to_ox(p)} ; "
            f"<{RDF.object}> {to_ox(o)} }} }}"
        )
        return sorted(to_rdflib(row["c"]) for row in self.store.query(query))

    def citation(self, pub: Node) -> str:
        """A readable citation: the publication's own, else creator (date), title."""
        for cit in self.objects(pub, DCTERMS.bibliographicCitation):
            return str(cit)
        creators = [self._name(c) for c in self.objects(pub, DCTERMS.creator)]
        date = next((str(d) for d in self.objects(pub, DCTERMS.date)), "n.d.")
        title = next((str(x) for x in self.objects(pub, DCTERMS.title)), None)
        title = title or next((str(x) for x in self.objects(pub, RDFS.label)), str(pub))
        who = ", ".join(sorted(creators)) or "unknown author"
        return f"{who} ({date}). {title}."

    def _name(self, node: Node) -> str:
        if isinstance(node, Literal):
            return str(node)
        for p in (FOAF_NAME, SKOS.prefLabel, RDFS.label):
            for name in self.objects(node, p):
                return str(name)
        return _short(node)


@dataclass
class _Candidate:
    rule: str
    axioms: list[Triple]
    premises: list[Triple]
    chain: bool = False  # a flattened prp-trp chain


class _Search:
    """One explanation request: memo of derived triples, recursion stack, call budget."""

    def __init__(self, view: StoreView) -> None:
        self.view = view
        self.rules = view.rules
        self.memo: dict[Triple, Explanation] = {}
        self.stack: set[Triple] = set()
        self.calls = 0

    # -- what may be looked up ---------------------------------------------------------------

    def virtual(self, t: Triple) -> bool:
        """Types the build filters out (anonymous classes, owl:Thing) but rules still use."""
        return t[1] == RDF.type and (isinstance(t[2], BNode) or t[2] == OWL.Thing)

    def plausible(self, t: Triple) -> bool:
        return self.virtual(t) or self.view.holds(t)

    # -- the search ----------------------------------------------------------------------------

    def derive(self, t: Triple) -> Explanation | None:
        if t in self.memo:
            return self.memo[t]
        graph = self.view.graph_of(t)
        if graph is not None:
            found = self.view.asserted(t, graph)
            self.memo[t] = found
            return found
        if t in self.stack or self.calls >= MAX_CALLS or not self.plausible(t):
            return None
        self.calls += 1
        self.stack.add(t)
        try:
            candidates = sorted(self.candidates(t), key=self._rank)
            for cand in candidates[:MAX_CANDIDATES]:
                premises = []
                for premise in cand.premises:
                    sub = self.derive(premise)
                    if sub is None:
                        break
                    premises.append(sub)
                else:
                    found = Explanation(
                        t,
                        "inferred",
                        cand.rule,
                        cand.axioms,
                        premises,
                        label=self.view.triple_text(t),
                        axiom_text=self.view.axiom_text(cand.axioms),
                    )
                    self.memo[t] = found
                    return found
            return None
        finally:
            self.stack.discard(t)

    def _rank(self, cand: _Candidate) -> tuple[int, int, int]:
        """Rewrites of an inferred triple (its inverse, its symmetric twin, an equivalent) come
        last, since they only restate another inference; then fewest premises that are not
        asserted; then fewest premises."""
        unasserted = sum(1 for p in cand.premises if self.view.graph_of(p) is None)
        rewrite = int(bool(unasserted) and cand.rule in _REWRITES)
        return (rewrite, unasserted, len(cand.premises))

    def candidates(self, t: Triple) -> Iterator[_Candidate]:
        if t[1] == RDF.type:
            yield from self._type_candidates(t)
        else:
            yield from self._property_candidates(t)

    def _property_candidates(self, t: Triple) -> Iterator[_Candidate]:
        s, p, o = t
        rules, view = self.rules, self.view
        for q, step in self.view.subproperties.get(p, ()):
            if self.plausible((s, q, o)):
                yield _Candidate(step.rule, list(step.axiom), [(s, q, o)])
        for q, step in view.inverse_sources.get(p, ()):
            if self.plausible((o, q, s)):
                yield _Candidate(step.rule, list(step.axiom), [(o, q, s)])
        if p in rules.symmetric and self.plausible((o, p, s)):
            step = rules.symmetric[p]
            yield _Candidate(step.rule, list(step.axiom), [(o, p, s)])
        for prop, links, step in rules.chains:
            if prop == p:
                path = self._chain_path(s, links, o)
                if path:
                    yield _Candidate(step.rule, list(step.axiom), path)
        for r, (prop, value, step) in rules.has_value.items():
            if prop == p and value == o and self.plausible((s, RDF.type, r)):
                yield _Candidate("cls-hv1", list(step.axiom), [(s, RDF.type, r)])
        if p in rules.transitive:
            path = self._transitive_path(s, p, o)
            if path:
                step = rules.transitive[p]
                yield _Candidate(step.rule, list(step.axiom), path, chain=True)

    def _type_candidates(self, t: Triple) -> Iterator[_Candidate]:
        s, _, c = t
        rules, view = self.rules, self.view
        for d, step in view.subclasses.get(c, ()):
            if self.plausible((s, RDF.type, d)):
                yield _Candidate(step.rule, list(step.axiom), [(s, RDF.type, d)])
        for prop, classes in rules.domains.items():
            for cls, step in classes:
                if cls == c:
                    for edge in self._edges(s, prop, None):
                        yield _Candidate(step.rule, list(step.axiom), [edge])
        for prop, classes in rules.ranges.items():
            for cls, step in classes:
                if cls == c:
                    for edge in self._edges(None, prop, s):
                        yield _Candidate(step.rule, list(step.axiom), [edge])
        if c in rules.intersections:
            members, step = rules.intersections[c]
            premises = [(s, RDF.type, m) for m in members]
            if all(self.plausible(x) for x in premises):
                yield _Candidate(step.rule, list(step.axiom), premises)
        if c in rules.unions:
            members, step = rules.unions[c]
            for m in members:
                if self.plausible((s, RDF.type, m)):
                    yield _Candidate(step.rule, list(step.axiom), [(s, RDF.type, m)])
        if c in rules.some_values:
            prop, filler, step = rules.some_values[c]
            for edge in self._edges(s, prop, None):
                if filler == OWL.Thing:
                    yield _Candidate(step.rule, list(step.axiom), [edge])
                elif self.plausible((edge[2], RDF.type, filler)):
                    yield _Candidate(
                        step.rule, list(step.axiom), [edge, (edge[2], RDF.type, filler)]
                    )
        if c in rules.has_value:
            prop, value, step = rules.has_value[c]
            if self.plausible((s, prop, value)):
                yield _Candidate("cls-hv2", list(step.axiom), [(s, prop, value)])
        for r, (prop, filler, step) in rules.all_values.items():
            if filler == c:
                for edge in self._edges(None, prop, s):
                    if self.plausible((edge[0], RDF.type, r)):
                        yield _Candidate(
                            step.rule, list(step.axiom), [(edge[0], RDF.type, r), edge]
                        )

    def _edges(self, s: Node | None, p: Node, o: Node | None) -> list[Triple]:
        """Up to MAX_CANDIDATES holding triples matching the pattern, asserted ones first."""
        out: list[Triple] = []
        for edge in self.view.match(s, p, o):
            if s is None and isinstance(edge[0], Literal):
                continue
            out.append(edge)
            if len(out) >= MAX_CANDIDATES:
                break
        return out

    def _chain_path(self, s: Node, links: list[Node], o: Node) -> list[Triple] | None:
        """Premises (s l1 y1), (y1 l2 y2) ... (yn-1 ln o) that hold, found depth-first."""

        def walk(x: Node, i: int) -> list[Triple] | None:
            if i == len(links) - 1:
                return [(x, links[i], o)] if self.view.holds((x, links[i], o)) else None
            for _, _, y in self._edges(x, links[i], None):
                rest = walk(y, i + 1)
                if rest is not None:
                    return [(x, links[i], y), *rest]
            return None

        return walk(s, 0)

    # -- transitive chains over "base" edges ---------------------------------------------------

    def _base(
        self, p: Node, x: Node, forward: bool, seen: set[tuple[Node, bool]]
    ) -> Iterator[Node]:
        """Nodes y such that (x p y) (or (y p x) backwards) follows from one asserted triple
        through sub-properties, inverses and symmetry, without prp-trp on p."""
        if (p, forward) in seen:
            return
        seen.add((p, forward))
        view = self.view
        if forward:
            yield from (t[2] for t in view.asserted_match(x, p, None))
        else:
            yield from (t[0] for t in view.asserted_match(None, p, x))
        for q, _ in view.subproperties.get(p, ()):
            yield from self._base(q, x, forward, seen)
        for q, _ in view.inverse_sources.get(p, ()):
            yield from self._base(q, x, not forward, seen)
        if p in self.rules.symmetric:
            yield from self._base(p, x, not forward, seen)

    def _transitive_path(self, s: Node, p: Node, o: Node) -> list[Triple] | None:
        """The shortest chain s -p-> ... -p-> o (length >= 2) over base edges.

        Bidirectional breadth-first search, always expanding the smaller frontier: in a
        hierarchy the controllers of a city are few while what a state controls is the whole
        country, so searching from both ends keeps this quick on a large store.
        """
        fwd: dict[Node, Node | None] = {s: None}
        bwd: dict[Node, Node | None] = {o: None}
        ffront, bfront = [s], [o]

        def chain(m: Node) -> list[Triple]:
            left = [m]
            while fwd[left[-1]] is not None:
                left.append(fwd[left[-1]])  # type: ignore[arg-type]
            left.reverse()
            right = []
            node = m
            while bwd.get(node) is not None:
                node = bwd[node]  # type: ignore[assignment]
                right.append(node)
            return [(a, p, b) for a, b in pairwise(left + right)]

        while ffront and bfront and len(fwd) + len(bwd) < MAX_PATH_NODES:
            grown: list[Node] = []
            if len(ffront) <= len(bfront):
                for x in ffront:
                    for y in self._base(p, x, True, set()):
                        if isinstance(y, Literal) or (x == s and y == o):
                            continue  # the direct edge is not a chain
                        if y == o:
                            return [*chain(x), (x, p, o)]
                        if y in fwd:
                            continue
                        fwd[y] = x
                        if y in bwd:
                            return chain(y)
                        grown.append(y)
                ffront = grown
            else:
                for y in bfront:
                    for x in self._base(p, y, False, set()):
                        if x == s and y == o:
                            continue
                        if x == s:
                            return [(s, p, y), *chain_back(bwd, y, p)]
                        if x in bwd:
                            continue
                        bwd[x] = y
                        if x in fwd:
                            return chain(x)
                        grown.append(x)
                bfront = grown
        # no chain of base edges: fall back on any intermediate node linked both ways
        for _, _, y in islice(self.view.match(s, p, None), MAX_FALLBACK):
            if y not in (s, o) and self.view.holds((y, p, o)):
                return [(s, p, y), (y, p, o)]
        return None


def chain_back(bwd: dict[Node, Node | None], y: Node, p: Node) -> list[Triple]:
    """The links from ``y`` to the backward search's origin, following ``bwd``."""
    out = []
    while bwd.get(y) is not None:
        nxt = bwd[y]
        out.append((y, p, nxt))
        y = nxt  # type: ignore[assignment]
    return out


def as_view(dataset: StoreView | ox.Store) -> StoreView:
    return dataset if isinstance(dataset, StoreView) else StoreView(dataset)


def explain(dataset: StoreView | ox.Store, s: Node, p: Node, o: Node) -> Explanation:
    """Why ``(s, p, o)`` holds in ``dataset`` (a build store, or a ``StoreView`` of one).

    The result's ``status`` is "asserted" (with the publications it rests on), "inferred"
    (with the rule, the ontology axioms and the premises, recursively) or "not-holding".
    """
    view = as_view(dataset)
    t = (s, p, o)
    graph = view.graph_of(t)
    if graph is not None:
        return view.asserted(t, graph)
    if view.in_links(t):  # the links are served as stated and never reasoned over
        return view.asserted(t, str(GRAPH_LINKS))
    search = _Search(view)
    if not view.holds(t) and not search.virtual(t):
        return Explanation(t, "not-holding")
    found = search.derive(t)
    if found is None:
        if search.virtual(t):
            return Explanation(t, "not-holding")
        # it is in the inferred graph, but no derivation was found within the bounds
        return Explanation(t, "inferred", rule="unexplained (search bound reached)")
    return found
