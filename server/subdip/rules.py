"""The OWL 2 RL rules the subdip ontology uses, read from its axioms.

One ``RuleSet`` serves two consumers: the fast materialiser (``Materialiser``), which applies
the rules forward to a fixpoint, and ``subdip.explain``, which applies them backwards to say why
a triple holds. Rule names are those of the OWL 2 RL profile's rule tables (W3C OWL 2 Profiles,
section 4.3), so an explanation can be checked against the specification.

Covered: cax-sco, cax-eqc1/2, cls-int1/2, cls-uni, cls-svf1/2, cls-hv1/2, cls-avf, prp-spo1,
prp-spo2 (property chains), prp-eqp1/2, prp-inv1/2, prp-symp, prp-trp, prp-dom, prp-rng, and the
consistency check cax-dw (disjoint classes). Axioms outside this list are reported in
``RuleSet.unsupported``; the owlrl engine remains the reference for them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rdflib import Graph, Literal
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class Step:
    """One rule a conclusion can come from: the rule's name and the ontology axiom behind it."""

    rule: str
    axiom: tuple[Triple, ...]


@dataclass
class RuleSet:
    """The ontology's axioms, indexed by what they let us conclude.

    Each mapping goes from a premise term to ``(conclusion term, Step)`` pairs, so that both a
    forward pass (premise -> conclusion) and a backward pass (conclusion -> premises) are cheap.
    """

    #: class -> [(superclass, step)]: cax-sco, cax-eqc1/2, cls-int2
    superclasses: dict[Node, list[tuple[Node, Step]]] = field(default_factory=dict)
    #: property -> [(superproperty, step)]: prp-spo1, prp-eqp1/2
    superproperties: dict[Node, list[tuple[Node, Step]]] = field(default_factory=dict)
    #: property p -> [(q, step)]: x p y entails y q x (prp-inv1/2)
    inverses: dict[Node, list[tuple[Node, Step]]] = field(default_factory=dict)
    symmetric: dict[Node, Step] = field(default_factory=dict)
    transitive: dict[Node, Step] = field(default_factory=dict)
    #: [(property, [p1, ..., pn], step)]: prp-spo2
    chains: list[tuple[Node, list[Node], Step]] = field(default_factory=list)
    domains: dict[Node, list[tuple[Node, Step]]] = field(default_factory=dict)
    ranges: dict[Node, list[tuple[Node, Step]]] = field(default_factory=dict)
    #: class -> (members, step): cls-int1
    intersections: dict[Node, tuple[list[Node], Step]] = field(default_factory=dict)
    #: class -> (members, step): cls-uni
    unions: dict[Node, tuple[list[Node], Step]] = field(default_factory=dict)
    #: restriction -> (property, filler, step): cls-svf1 (filler owl:Thing: cls-svf2)
    some_values: dict[Node, tuple[Node, Node, Step]] = field(default_factory=dict)
    #: restriction -> (property, value, step): cls-hv1/2
    has_value: dict[Node, tuple[Node, Node, Step]] = field(default_factory=dict)
    #: restriction -> (property, filler, step): cls-avf
    all_values: dict[Node, tuple[Node, Node, Step]] = field(default_factory=dict)
    #: pairs of disjoint classes, checked (cax-dw), never used to infer
    disjoint: list[tuple[Node, Node, Step]] = field(default_factory=list)
    #: (axiom kind, subject) pairs the fast engine does not implement
    unsupported: list[tuple[str, Node]] = field(default_factory=list)

    def subclasses_of(self) -> dict[Node, list[tuple[Node, Step]]]:
        """The reverse of ``superclasses``: class -> [(direct subclass, step)]."""
        return _reverse(self.superclasses)

    def subproperties_of(self) -> dict[Node, list[tuple[Node, Step]]]:
        return _reverse(self.superproperties)

    def properties(self) -> set[Node]:
        """Every property some rule mentions (used to decide what an explanation may touch)."""
        props: set[Node] = set(self.superproperties) | set(self.inverses)
        props |= set(self.symmetric) | set(self.transitive) | set(self.domains) | set(self.ranges)
        for sups in self.superproperties.values():
            props.update(q for q, _ in sups)
        for invs in self.inverses.values():
            props.update(q for q, _ in invs)
        for prop, links, _ in self.chains:
            props.add(prop)
            props.update(links)
        for table in (self.some_values, self.has_value, self.all_values):
            props.update(p for p, _, _ in table.values())
        return props


def _reverse(table: dict[Node, list[tuple[Node, Step]]]) -> dict[Node, list[tuple[Node, Step]]]:
    out: dict[Node, list[tuple[Node, Step]]] = defaultdict(list)
    for sub, sups in table.items():
        for sup, step in sups:
            out[sup].append((sub, step))
    return dict(out)


#: Axiom kinds owlrl applies but the fast engine does not: the fast engine is only proven equal
#: to owlrl on ontologies without them (``RuleSet.unsupported`` lists the ones present).
_UNSUPPORTED_TYPES = {
    OWL.FunctionalProperty: "prp-fp",
    OWL.InverseFunctionalProperty: "prp-ifp",
    OWL.IrreflexiveProperty: "prp-irp",
    OWL.AsymmetricProperty: "prp-asyp",
    OWL.AllDifferent: "eq-diff2",
}
_UNSUPPORTED_PREDICATES = {
    OWL.sameAs: "eq-*",
    OWL.hasKey: "prp-key",
    OWL.maxCardinality: "cls-maxc",
    OWL.maxQualifiedCardinality: "cls-maxqc",
    OWL.complementOf: "cls-com",
    OWL.oneOf: "cls-oo",
    OWL.propertyDisjointWith: "prp-pdw",
    OWL.sourceIndividual: "prp-npa",
}


def _list(graph: Graph, head: Node) -> list[Node]:
    return list(Collection(graph, head))


def extract_rules(tbox: Graph) -> RuleSet:
    """Read the axioms of ``tbox`` (the ontology, plus any schema triples in the data).

    >>> from rdflib import Namespace
    >>> EX = Namespace("http://example.org/")
    >>> g = Graph(); _ = g.add((EX.owns, RDFS.subPropertyOf, EX.controls))
    >>> [(str(q), s.rule) for q, s in extract_rules(g).superproperties[EX.owns]]
    [('http://example.org/controls', 'prp-spo1')]
    """
    rules = RuleSet()
    sup_c: dict[Node, list[tuple[Node, Step]]] = defaultdict(list)
    sup_p: dict[Node, list[tuple[Node, Step]]] = defaultdict(list)
    inv: dict[Node, list[tuple[Node, Step]]] = defaultdict(list)
    dom: dict[Node, list[tuple[Node, Step]]] = defaultdict(list)
    rng: dict[Node, list[tuple[Node, Step]]] = defaultdict(list)

    for c, d in tbox.subject_objects(RDFS.subClassOf):
        if c != d:
            sup_c[c].append((d, Step("cax-sco", ((c, RDFS.subClassOf, d),))))
    for c, d in tbox.subject_objects(OWL.equivalentClass):
        if c != d:
            axiom = ((c, OWL.equivalentClass, d),)
            sup_c[c].append((d, Step("cax-eqc1", axiom)))
            sup_c[d].append((c, Step("cax-eqc2", axiom)))
    for p, q in tbox.subject_objects(RDFS.subPropertyOf):
        if p != q:
            sup_p[p].append((q, Step("prp-spo1", ((p, RDFS.subPropertyOf, q),))))
    for p, q in tbox.subject_objects(OWL.equivalentProperty):
        if p != q:
            axiom = ((p, OWL.equivalentProperty, q),)
            sup_p[p].append((q, Step("prp-eqp1", axiom)))
            sup_p[q].append((p, Step("prp-eqp2", axiom)))
    for p, q in tbox.subject_objects(OWL.inverseOf):
        axiom = ((p, OWL.inverseOf, q),)
        inv[p].append((q, Step("prp-inv1", axiom)))
        inv[q].append((p, Step("prp-inv2", axiom)))
    for p in tbox.subjects(RDF.type, OWL.SymmetricProperty):
        rules.symmetric[p] = Step("prp-symp", ((p, RDF.type, OWL.SymmetricProperty),))
    for p in tbox.subjects(RDF.type, OWL.TransitiveProperty):
        rules.transitive[p] = Step("prp-trp", ((p, RDF.type, OWL.TransitiveProperty),))
    for p, head in tbox.subject_objects(OWL.propertyChainAxiom):
        links = _list(tbox, head)
        if links:
            rules.chains.append((p, links, Step("prp-spo2", ((p, OWL.propertyChainAxiom, head),))))
    for p, c in tbox.subject_objects(RDFS.domain):
        dom[p].append((c, Step("prp-dom", ((p, RDFS.domain, c),))))
    for p, c in tbox.subject_objects(RDFS.range):
        rng[p].append((c, Step("prp-rng", ((p, RDFS.range, c),))))
    for c, head in tbox.subject_objects(OWL.intersectionOf):
        members = _list(tbox, head)
        axiom = ((c, OWL.intersectionOf, head),)
        rules.intersections[c] = (members, Step("cls-int1", axiom))
        for m in members:
            sup_c[c].append((m, Step("cls-int2", axiom)))
    for c, head in tbox.subject_objects(OWL.unionOf):
        members = _list(tbox, head)
        rules.unions[c] = (members, Step("cls-uni", ((c, OWL.unionOf, head),)))
    for r, prop in tbox.subject_objects(OWL.onProperty):
        for filler in tbox.objects(r, OWL.someValuesFrom):
            name = "cls-svf2" if filler == OWL.Thing else "cls-svf1"
            axiom = ((r, OWL.someValuesFrom, filler), (r, OWL.onProperty, prop))
            rules.some_values[r] = (prop, filler, Step(name, axiom))
        for value in tbox.objects(r, OWL.hasValue):
            axiom = ((r, OWL.hasValue, value), (r, OWL.onProperty, prop))
            rules.has_value[r] = (prop, value, Step("cls-hv", axiom))
        for filler in tbox.objects(r, OWL.allValuesFrom):
            axiom = ((r, OWL.allValuesFrom, filler), (r, OWL.onProperty, prop))
            rules.all_values[r] = (prop, filler, Step("cls-avf", axiom))
    for c, d in tbox.subject_objects(OWL.disjointWith):
        rules.disjoint.append((c, d, Step("cax-dw", ((c, OWL.disjointWith, d),))))
    for node in tbox.subjects(RDF.type, OWL.AllDisjointClasses):
        for head in tbox.objects(node, OWL.members):
            members = _list(tbox, head)
            step = Step("cax-adc", ((node, OWL.members, head),))
            for i, c in enumerate(members):
                rules.disjoint.extend((c, d, step) for d in members[i + 1 :])

    for kind, name in _UNSUPPORTED_TYPES.items():
        rules.unsupported.extend((name, s) for s in tbox.subjects(RDF.type, kind))
    for pred, name in _UNSUPPORTED_PREDICATES.items():
        rules.unsupported.extend((name, s) for s in tbox.subjects(pred, None))

    rules.superclasses = dict(sup_c)
    rules.superproperties = dict(sup_p)
    rules.inverses = dict(inv)
    rules.domains = dict(dom)
    rules.ranges = dict(rng)
    return rules


#: Predicates that make a triple part of the schema (TBox) rather than the data.
SCHEMA_PREDICATES = frozenset(
    {
        RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range,
        OWL.equivalentClass, OWL.equivalentProperty, OWL.inverseOf, OWL.propertyChainAxiom,
        OWL.intersectionOf, OWL.unionOf, OWL.onProperty, OWL.someValuesFrom, OWL.hasValue,
        OWL.allValuesFrom, OWL.disjointWith, OWL.members, OWL.hasKey, OWL.maxCardinality,
        OWL.maxQualifiedCardinality, OWL.complementOf, OWL.oneOf, OWL.propertyDisjointWith,
        RDF.first, RDF.rest,
    }
)  # fmt: skip


def schema_triples(graph: Graph) -> Iterator[Triple]:
    """The triples of ``graph`` that are axioms (so data files may carry a few of their own)."""
    for pred in SCHEMA_PREDICATES:
        yield from graph.triples((None, pred, None))
    for kind in (OWL.TransitiveProperty, OWL.SymmetricProperty, *_UNSUPPORTED_TYPES):
        yield from graph.triples((None, RDF.type, kind))
    yield from graph.triples((None, RDF.type, OWL.AllDisjointClasses))


class Materialiser:
    """Forward chaining of a ``RuleSet`` to its fixpoint over integer-encoded terms.

    Each fact is processed exactly once from an agenda and joined against the facts already
    indexed (semi-naive evaluation): a join between two facts happens when the later of the two
    is processed. Only the properties that take part in joins (transitive ones, chain links,
    restriction properties) get subject/object indexes, which keeps memory near one set of
    integer triples.
    """

    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        self._ids: dict[Node, int] = {}
        self._terms: list[Node] = []
        self._literals: set[int] = set()
        self.type = self._id(RDF.type)
        enc = self._id
        self.sup_c = {enc(c): [enc(d) for d, _ in ds] for c, ds in rules.superclasses.items()}
        self.sup_p = {enc(p): [enc(q) for q, _ in qs] for p, qs in rules.superproperties.items()}
        self.inv = {enc(p): [enc(q) for q, _ in qs] for p, qs in rules.inverses.items()}
        self.symm = {enc(p) for p in rules.symmetric}
        self.trans = {enc(p) for p in rules.transitive}
        self.dom = {enc(p): [enc(c) for c, _ in cs] for p, cs in rules.domains.items()}
        self.rng = {enc(p): [enc(c) for c, _ in cs] for p, cs in rules.ranges.items()}
        # member class -> [(intersection class, all members)]
        self.int_by_member: dict[int, list[tuple[int, list[int]]]] = defaultdict(list)
        for c, (members, _) in rules.intersections.items():
            ms = [enc(m) for m in members]
            for m in set(ms):
                self.int_by_member[m].append((enc(c), ms))
        self.uni_by_member: dict[int, list[int]] = defaultdict(list)
        for c, (members, _) in rules.unions.items():
            for m in members:
                self.uni_by_member[enc(m)].append(enc(c))
        thing = enc(OWL.Thing)
        # property -> [(restriction, filler or None for owl:Thing)]
        self.svf_by_prop: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
        self.svf_by_filler: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for r, (p, d, _) in rules.some_values.items():
            dd = enc(d)
            self.svf_by_prop[enc(p)].append((enc(r), None if dd == thing else dd))
            if dd != thing:
                self.svf_by_filler[dd].append((enc(r), enc(p)))
        self.hv_by_class: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.hv_by_prop_value: dict[tuple[int, int], list[int]] = defaultdict(list)
        for r, (p, v, _) in rules.has_value.items():
            self.hv_by_class[enc(r)].append((enc(p), enc(v)))
            self.hv_by_prop_value[(enc(p), enc(v))].append(enc(r))
        self.avf_by_class: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.avf_by_prop: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for r, (p, d, _) in rules.all_values.items():
            self.avf_by_class[enc(r)].append((enc(p), enc(d)))
            self.avf_by_prop[enc(p)].append((enc(r), enc(d)))
        # chain link position: property -> [(chain property, links, index)]
        self.chain_links: dict[int, list[tuple[int, list[int], int]]] = defaultdict(list)
        for p, links, _ in rules.chains:
            ls = [enc(x) for x in links]
            for i, link in enumerate(ls):
                self.chain_links[link].append((enc(p), ls, i))
        joined = set(self.trans) | set(self.chain_links) | set(self.svf_by_prop)
        joined |= set(self.avf_by_prop)
        self.out: dict[int, dict[int, set[int]]] = {p: defaultdict(set) for p in joined}
        self.inn: dict[int, dict[int, set[int]]] = {p: defaultdict(set) for p in joined}
        self.facts: set[tuple[int, int, int]] = set()
        self.agenda: list[tuple[int, int, int]] = []

    def _id(self, term: Node) -> int:
        i = self._ids.get(term)
        if i is None:
            i = self._ids[term] = len(self._terms)
            self._terms.append(term)
            if isinstance(term, Literal):
                self._literals.add(i)
        return i

    def _add(self, s: int, p: int, o: int) -> None:
        t = (s, p, o)
        if t in self.facts:
            return
        self.facts.add(t)
        self.agenda.append(t)
        out = self.out.get(p)
        if out is not None:
            out[s].add(o)
            self.inn[p][o].add(s)

    def run(self, triples: Iterable[Triple]) -> set[Triple]:
        """Add ``triples``, chain to the fixpoint, return the triples that were not given."""
        enc = self._id
        for s, p, o in triples:
            self._add(enc(s), enc(p), enc(o))
        given = set(self.facts)
        self._saturate()
        terms = self._terms
        return {(terms[s], terms[p], terms[o]) for s, p, o in self.facts - given}

    def _saturate(self) -> None:
        agenda, add, facts, type_ = self.agenda, self._add, self.facts, self.type
        lits = self._literals
        while agenda:
            s, p, o = agenda.pop()
            if s in lits:
                continue
            if p == type_:
                self._type_fact(s, o)
                continue
            for q in self.sup_p.get(p, ()):
                add(s, q, o)
            if o not in lits:
                for q in self.inv.get(p, ()):
                    add(o, q, s)
                if p in self.symm:
                    add(o, p, s)
                for c in self.rng.get(p, ()):
                    add(o, type_, c)
            for c in self.dom.get(p, ()):
                add(s, type_, c)
            if p in self.trans:
                out, inn = self.out[p], self.inn[p]
                for z in list(out.get(o, ())):
                    add(s, p, z)
                for w in list(inn.get(s, ())):
                    add(w, p, o)
            for chain_prop, links, i in self.chain_links.get(p, ()):
                self._chain(chain_prop, links, i, s, o)
            for r, filler in self.svf_by_prop.get(p, ()):
                if filler is None or (o, type_, filler) in facts:
                    add(s, type_, r)
            for r in self.hv_by_prop_value.get((p, o), ()):
                add(s, type_, r)
            for r, d in self.avf_by_prop.get(p, ()):
                if o not in lits and (s, type_, r) in facts:
                    add(o, type_, d)

    def _type_fact(self, s: int, c: int) -> None:
        add, facts, type_ = self._add, self.facts, self.type
        for d in self.sup_c.get(c, ()):
            add(s, type_, d)
        for i, members in self.int_by_member.get(c, ()):
            if all((s, type_, m) in facts for m in members):
                add(s, type_, i)
        for u in self.uni_by_member.get(c, ()):
            add(s, type_, u)
        for r, p in self.svf_by_filler.get(c, ()):
            for x in list(self.inn[p].get(s, ())):
                add(x, type_, r)
        for p, v in self.hv_by_class.get(c, ()):
            add(s, p, v)
        for p, d in self.avf_by_class.get(c, ()):
            for y in list(self.out[p].get(s, ())):
                if y not in self._literals:
                    add(y, type_, d)

    def _chain(self, prop: int, links: list[int], i: int, s: int, o: int) -> None:
        """A new fact (s, links[i], o): extend it left and right along the chain."""
        lefts = {s}
        for link in reversed(links[:i]):
            lefts = {w for x in lefts for w in self.inn[link].get(x, ())}
            if not lefts:
                return
        rights = {o}
        for link in links[i + 1 :]:
            rights = {z for x in rights for z in self.out[link].get(x, ())}
            if not rights:
                return
        for w in lefts:
            for z in rights:
                self._add(w, prop, z)

    def violations(self) -> list[tuple[Node, Node, Node]]:
        """Individuals typed with two disjoint classes (cax-dw): (individual, class, class)."""
        wanted = {self._ids[c] for pair in self.rules.disjoint for c in pair[:2] if c in self._ids}
        members: dict[int, set[int]] = defaultdict(set)
        for s, p, o in self.facts:
            if p == self.type and o in wanted:
                members[o].add(s)
        found = []
        for c, d, _ in self.rules.disjoint:
            none: set[int] = set()
            both = members.get(self._ids.get(c, -1), none) & members.get(self._ids.get(d, -1), none)
            found.extend((self._terms[s], c, d) for s in sorted(both))
        return found
