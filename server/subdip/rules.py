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
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
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
        """Every property some rule reads or concludes (others cannot take part in inference)."""
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


#: OWL classes whose instances are axioms (``p a owl:TransitiveProperty``...).
AXIOM_TYPES = (
    OWL.TransitiveProperty,
    OWL.SymmetricProperty,
    OWL.AllDisjointClasses,
    *_UNSUPPORTED_TYPES,
)


def schema_triples(graph: Graph) -> Iterator[Triple]:
    """The triples of ``graph`` that are axioms (so data files may carry a few of their own)."""
    for pred in SCHEMA_PREDICATES:
        yield from graph.triples((None, pred, None))
    for kind in AXIOM_TYPES:
        yield from graph.triples((None, RDF.type, kind))


IdTriple = tuple[int, int, int]
_LITERAL_TYPES = (Literal, ox.Literal)


@dataclass
class _PropPlan:
    """What a fact with this predicate triggers (compiled from the rules)."""

    sups: list[int] = field(default_factory=list)
    invs: list[int] = field(default_factory=list)
    symmetric: bool = False
    doms: list[int] = field(default_factory=list)
    rngs: list[int] = field(default_factory=list)
    transitive: bool = False
    chains: list[tuple[int, list[int], int]] = field(default_factory=list)
    svfs: list[tuple[int, int | None]] = field(default_factory=list)
    hvs: list[tuple[int, int]] = field(default_factory=list)
    avfs: list[tuple[int, int]] = field(default_factory=list)

    def freeze(self) -> tuple:
        return (
            tuple(dict.fromkeys(self.sups)), tuple(dict.fromkeys(self.invs)), self.symmetric,
            tuple(dict.fromkeys(self.doms)), tuple(dict.fromkeys(self.rngs)), self.transitive,
            tuple(self.chains), tuple(self.svfs), tuple(self.hvs), tuple(self.avfs),
        )  # fmt: skip


@dataclass
class _ClassPlan:
    """What a type fact with this class triggers."""

    sups: list[int] = field(default_factory=list)
    ints: list[tuple[int, list[int]]] = field(default_factory=list)
    unis: list[int] = field(default_factory=list)
    svfs: list[tuple[int, int]] = field(default_factory=list)
    hvs: list[tuple[int, int]] = field(default_factory=list)
    avfs: list[tuple[int, int]] = field(default_factory=list)

    def freeze(self) -> tuple:
        return (
            tuple(dict.fromkeys(self.sups)), tuple(self.ints), tuple(dict.fromkeys(self.unis)),
            tuple(self.svfs), tuple(self.hvs), tuple(self.avfs),
        )  # fmt: skip


class Materialiser:
    """Forward chaining of a ``RuleSet`` to its fixpoint over integer-encoded terms.

    Each fact is processed exactly once from an agenda and joined against the facts already
    indexed (semi-naive evaluation): a join between two facts happens when the later of the two
    is processed. Only the properties that take part in joins (transitive ones, chain links,
    restriction properties) get subject/object indexes, which keeps memory near one set of
    integer triples. What each predicate and class triggers is compiled into one tuple per
    term, so processing a fact costs one dictionary lookup plus the joins it needs.

    Terms may be rdflib or pyoxigraph terms (anything hashable); ``convert`` maps the rules'
    rdflib terms to the input's kind (``subdip.store.to_ox`` for pyoxigraph input).
    """

    def __init__(self, rules: RuleSet, convert: Callable[[Node], Hashable] | None = None) -> None:
        self.rules = rules
        self._ids: dict[Hashable, int] = {}
        self._terms: list[Hashable] = []
        self._literals: set[int] = set()
        self._convert = convert or (lambda t: t)
        enc = self.rule_id
        self.type = enc(RDF.type)
        thing = enc(OWL.Thing)

        prop: dict[int, _PropPlan] = defaultdict(_PropPlan)
        cls: dict[int, _ClassPlan] = defaultdict(_ClassPlan)
        for p, qs in rules.superproperties.items():
            prop[enc(p)].sups.extend(enc(q) for q, _ in qs)
        for p, qs in rules.inverses.items():
            prop[enc(p)].invs.extend(enc(q) for q, _ in qs)
        for p in rules.symmetric:
            prop[enc(p)].symmetric = True
        for p in rules.transitive:
            prop[enc(p)].transitive = True
        for p, cs in rules.domains.items():
            prop[enc(p)].doms.extend(enc(c) for c, _ in cs)
        for p, cs in rules.ranges.items():
            prop[enc(p)].rngs.extend(enc(c) for c, _ in cs)
        for p, links, _ in rules.chains:
            ls = [enc(x) for x in links]
            for i, link in enumerate(ls):
                prop[link].chains.append((enc(p), ls, i))
        for r, (p, d, _) in rules.some_values.items():
            dd = enc(d)
            prop[enc(p)].svfs.append((enc(r), None if dd == thing else dd))
            if dd != thing:
                cls[dd].svfs.append((enc(r), enc(p)))
        for r, (p, v, _) in rules.has_value.items():
            prop[enc(p)].hvs.append((enc(v), enc(r)))
            cls[enc(r)].hvs.append((enc(p), enc(v)))
        for r, (p, d, _) in rules.all_values.items():
            prop[enc(p)].avfs.append((enc(r), enc(d)))
            cls[enc(r)].avfs.append((enc(p), enc(d)))
        for c, ds in rules.superclasses.items():
            cls[enc(c)].sups.extend(enc(d) for d, _ in ds)
        for c, (members, _) in rules.intersections.items():
            ms = [enc(m) for m in members]
            for m in set(ms):
                cls[m].ints.append((enc(c), ms))
        for c, (members, _) in rules.unions.items():
            for m in members:
                cls[enc(m)].unis.append(enc(c))

        joined = {p for p, plan in prop.items() if plan.transitive or plan.chains}
        joined |= {p for p, plan in prop.items() if plan.svfs or plan.avfs}
        self.out: dict[int, dict[int, set[int]]] = {p: defaultdict(set) for p in joined}
        self.inn: dict[int, dict[int, set[int]]] = {p: defaultdict(set) for p in joined}
        self.prop_plan = {p: plan.freeze() for p, plan in prop.items()}
        self.class_plan = {c: plan.freeze() for c, plan in cls.items()}
        self.facts: set[tuple[int, int, int]] = set()
        self.agenda: list[tuple[int, int, int]] = []
        self._add = self._make_add(None)
        #: predicates some rule reads or concludes (rdf:type included)
        self.involved = {enc(p) for p in rules.properties()} | {self.type}

    def rule_id(self, term: Node) -> int:
        return self._id(self._convert(term))

    def _id(self, term: Hashable) -> int:
        i = self._ids.get(term)
        if i is None:
            i = self._ids[term] = len(self._terms)
            self._terms.append(term)
            if isinstance(term, _LITERAL_TYPES):
                self._literals.add(i)
        return i

    def id_of(self, term: Hashable) -> int | None:
        return self._ids.get(term)

    def term(self, i: int) -> Hashable:
        return self._terms[i]

    def _make_add(self, derived: list[IdTriple] | None) -> Callable[[int, int, int], None]:
        """The fact-adding function, as a closure over the indexes (the hot path); facts added
        while saturating are also recorded in ``derived``."""
        facts, agenda, outs, inns = self.facts, self.agenda, self.out, self.inn
        push, remember = agenda.append, facts.add
        record = derived.append if derived is not None else None

        def add(s: int, p: int, o: int) -> None:
            t = (s, p, o)
            if t in facts:
                return
            remember(t)
            push(t)
            if record is not None:
                record(t)
            out = outs.get(p)
            if out is not None:
                out[s].add(o)
                inns[p][o].add(s)

        return add

    def run_ids(self, triples: Iterable[tuple[Hashable, Hashable, Hashable]]) -> list[IdTriple]:
        """Add ``triples``, chain to the fixpoint, return the new facts as id triples.

        A triple whose predicate no rule mentions (labels, sources, comments...) can neither
        trigger a rule nor be concluded by one, so it is not even encoded.
        """
        enc, ids, involved = self._id, self._ids, self.involved
        seed = self._make_add(None)
        for s, p, o in triples:
            pi = ids.get(p)
            if pi is None or pi not in involved:
                continue
            seed(enc(s), pi, enc(o))
        derived: list[IdTriple] = []
        self._add = self._make_add(derived)
        self._saturate()
        self._add = seed
        return derived

    def run(self, triples: Iterable[tuple[Hashable, Hashable, Hashable]]) -> set[tuple]:
        """Like ``run_ids``, returning the new triples as terms."""
        terms = self._terms
        return {(terms[s], terms[p], terms[o]) for s, p, o in self.run_ids(triples)}

    def _saturate(self) -> None:
        agenda, add, facts, type_ = self.agenda, self._add, self.facts, self.type
        lits, plans, class_plans = self._literals, self.prop_plan, self.class_plan
        out_idx, inn_idx = self.out, self.inn
        while agenda:
            s, p, o = agenda.pop()
            if s in lits:
                continue
            if p == type_:
                cplan = class_plans.get(o)
                if cplan is not None:
                    self._type_fact(s, cplan)
                continue
            plan = plans.get(p)
            if plan is None:
                continue
            sups, invs, symmetric, doms, rngs, transitive, chains, svfs, hvs, avfs = plan
            for q in sups:
                add(s, q, o)
            for c in doms:
                add(s, type_, c)
            if o not in lits:
                for q in invs:
                    add(o, q, s)
                if symmetric:
                    add(o, p, s)
                for c in rngs:
                    add(o, type_, c)
            if transitive:
                out, inn = out_idx[p], inn_idx[p]
                right = out.get(o)
                if right:
                    for z in list(right) if s == o else tuple(right):
                        add(s, p, z)
                left = inn.get(s)
                if left:
                    for w in tuple(left):
                        add(w, p, o)
            for chain_prop, links, i in chains:
                self._chain(chain_prop, links, i, s, o)
            for r, filler in svfs:
                if filler is None or (o, type_, filler) in facts:
                    add(s, type_, r)
            for value, r in hvs:
                if value == o:
                    add(s, type_, r)
            for r, d in avfs:
                if o not in lits and (s, type_, r) in facts:
                    add(o, type_, d)

    def _type_fact(self, s: int, plan: tuple) -> None:
        add, facts, type_ = self._add, self.facts, self.type
        sups, ints, unis, svfs, hvs, avfs = plan
        for d in sups:
            add(s, type_, d)
        for i, members in ints:
            if all((s, type_, m) in facts for m in members):
                add(s, type_, i)
        for u in unis:
            add(s, type_, u)
        for r, p in svfs:
            left = self.inn[p].get(s)
            if left:
                for x in tuple(left):
                    add(x, type_, r)
        for p, v in hvs:
            add(s, p, v)
        for p, d in avfs:
            right = self.out[p].get(s)
            if right:
                for y in tuple(right):
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

    def violations(self) -> list[tuple[Hashable, Node, Node]]:
        """Individuals typed with two disjoint classes (cax-dw): (individual, class, class)."""
        ids = {c: self._ids.get(self._convert(c)) for pair in self.rules.disjoint for c in pair[:2]}
        wanted = {i for i in ids.values() if i is not None}
        members: dict[int, set[int]] = defaultdict(set)
        type_ = self.type
        for s, p, o in self.facts:
            if p == type_ and o in wanted:
                members[o].add(s)
        found = []
        for c, d, _ in self.rules.disjoint:
            ci, di = ids[c], ids[d]
            if ci is None or di is None:
                continue
            both = members.get(ci, set()) & members.get(di, set())
            found.extend((self._terms[s], c, d) for s in sorted(both))
        return found
