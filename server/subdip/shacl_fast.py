"""A SHACL Core engine for large graphs: each constraint becomes one SPARQL SELECT over the
whole graph, run on pyoxigraph.

pySHACL walks focus nodes one by one in Python (about 1 ms per node and constraint), which makes
a million-triple graph take many minutes. Here every (shape, constraint) pair is compiled into a
single query that returns all violating (focus node, value) pairs at once, so the work is done
by Oxigraph's native joins. Only the part of SHACL Core the shipped shapes use is compiled; any
other construct raises ``UnsupportedShape`` instead of being skipped, and pySHACL stays the
reference (tests/validation/test_fast_engine.py checks that both give the same results).

Semantics follow ``subdip.validation`` with pySHACL: the ontology is part of the queried graph
(pySHACL's ``ont_graph`` mix-in), class targets and ``sh:class`` follow ``rdfs:subClassOf*``, and
nothing is inferred from domains or ranges. Known difference: a literal whose lexical form is
not valid for its datatype (``"20x"^^xsd:gYear``) fails ``sh:datatype`` here, as the SHACL
specification says; rdflib only detects this for some datatypes (``xsd:integer``, ``xsd:date``).
"""

from __future__ import annotations

import itertools
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from subdip.errors import LoadError
from subdip.store import to_rdflib as _from_ox

SH = Namespace("http://www.w3.org/ns/shacl#")
log = logging.getLogger(__name__)


class UnsupportedShape(LoadError):
    """A shape uses a SHACL construct the fast engine does not compile."""


#: Predicates of a shape that carry no constraint (display, grouping, reporting).
_INERT = {
    RDF.type,
    RDFS.label,
    RDFS.comment,
    RDFS.seeAlso,
    RDFS.isDefinedBy,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.deactivated,
    SH.order,
    SH.group,
    SH.defaultValue,
}
_TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
#: Constraint parameters compiled below (sh:qualifiedMin/MaxCount come with the value shape).
_COMPILED = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.pattern,
    SH.flags,
    SH.languageIn,
    SH["in"],
    SH.hasValue,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH.minLength,
    SH.maxLength,
    SH.node,
    SH["not"],
    SH["or"],
    SH["and"],
    SH.xone,
    SH.minCount,
    SH.maxCount,
    SH.uniqueLang,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
}
_KNOWN = _INERT | _TARGETS | _COMPILED | {SH.property, SH.path}

#: Datatypes whose lexical form Oxigraph can check with a cast (constructor function).
_CASTABLE = {
    XSD.integer,
    XSD.decimal,
    XSD.double,
    XSD.float,
    XSD.boolean,
    XSD.date,
    XSD.dateTime,
    XSD.time,
    XSD.gYear,
    XSD.gYearMonth,
    XSD.gMonthDay,
    XSD.gDay,
    XSD.gMonth,
    XSD.duration,
}
_COMPARISON = {
    SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent),
    SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent),
    SH.minExclusive: (">", SH.MinExclusiveConstraintComponent),
    SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent),
}
#: How a class target's pattern starts (``Compiler.targets``).
_CLASS_TARGET = f"{{ ?this <{RDF.type}> "
_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNode: "isBlank({v})",
    SH.BlankNodeOrIRI: "!isLiteral({v})",
    SH.BlankNodeOrLiteral: "!isIRI({v})",
    SH.IRIOrLiteral: "!isBlank({v})",
}


@dataclass(frozen=True)
class Check:
    """One compiled constraint: a query whose rows ``?this`` (and ``?value``) are violations."""

    shape: Node
    component: URIRef
    query: str
    path: Node | None
    messages: tuple[Literal, ...]
    severity: URIRef
    #: True when the result carries the value node (``?value``), else no sh:value
    has_value: bool
    #: the class sets the query tests membership of (``INSTANCE_OF``), each as its key
    class_sets: tuple[str, ...] = ()


#: A function the compiled queries call: ``INSTANCE_OF(?node, "C1 C2 ...")`` is true when the
#: node is an instance of one of the listed classes (``run_checks`` supplies it, from the data).
INSTANCE_OF = "urn:subdip:shacl-fast:instance-of"
_TRUE, _FALSE = ox.Literal(True), ox.Literal(False)


def _sparql(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise UnsupportedShape(f"a blank node {term} as a constant in a shape cannot be compiled")


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


class Compiler:
    """Turns the shapes graph into ``Check`` queries (the data-dependent class hierarchy is
    given as ``subclasses``: class -> every class below it, itself included)."""

    def __init__(self, shapes: Graph, subclasses: dict[Node, set[Node]]) -> None:
        self.shapes = shapes
        self.subclasses = subclasses
        self._fresh = itertools.count()
        #: every class set tested with ``is_instance`` so far
        self.used_sets: set[str] = set()

    # --- helpers -----------------------------------------------------------------------------

    def var(self, stem: str = "v") -> str:
        return f"?_{stem}{next(self._fresh)}"

    def one(self, shape: Node, key: URIRef) -> Node | None:
        values = list(self.shapes.objects(shape, key))
        if len(values) > 1:
            raise UnsupportedShape(f"shape {shape}: more than one {key} (not compiled)")
        return values[0] if values else None

    def items(self, head: Node) -> list[Node]:
        return list(Collection(self.shapes, head))

    def deactivated(self, shape: Node) -> bool:
        return self.shapes.value(shape, SH.deactivated) == Literal(True)

    def check_known(self, shape: Node) -> None:
        for key in set(self.shapes.predicates(shape)):
            if str(key).startswith(str(SH)) and key not in _KNOWN:
                raise UnsupportedShape(
                    f"shape {shape} uses {key}, which the fast SHACL engine does not compile",
                    hint="validate with engine='pyshacl', or teach subdip.shacl_fast this "
                    "construct (and add a case to tests/validation/test_fast_engine.py)",
                )
        if self.shapes.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
            raise UnsupportedShape(f"shape {shape}: sh:qualifiedValueShapesDisjoint not compiled")

    def path(self, node: Node) -> str:
        """A SHACL path as a SPARQL property path."""
        if isinstance(node, URIRef):
            return f"<{node}>"
        graph = self.shapes
        if graph.value(node, RDF.first) is not None:
            return "(" + "/".join(self.path(p) for p in self.items(node)) + ")"
        for key, render in (
            (SH.inversePath, lambda inner: f"^({inner})"),
            (SH.zeroOrMorePath, lambda inner: f"({inner})*"),
            (SH.oneOrMorePath, lambda inner: f"({inner})+"),
            (SH.zeroOrOnePath, lambda inner: f"({inner})?"),
        ):
            inner = graph.value(node, key)
            if inner is not None:
                return render(self.path(inner))
        alternative = graph.value(node, SH.alternativePath)
        if alternative is not None:
            return "(" + "|".join(self.path(p) for p in self.items(alternative)) + ")"
        raise UnsupportedShape(f"path {node} is not a SHACL path the fast engine compiles")

    def classes(self, cls: Node) -> list[Node]:
        """``cls`` and every class below it."""
        return sorted(self.subclasses.get(cls, set()) | {cls}, key=str)

    def instance_of(self, var: str, cls: Node) -> str:
        """A pattern binding ``var`` to the SHACL instances of ``cls`` (a target, a ``MINUS``):
        ``VALUES`` looks each class up once."""
        classes = self.classes(cls)
        if len(classes) == 1:
            return f"{var} <{RDF.type}> {_sparql(cls)} ."
        t = self.var("t")
        return f"{var} <{RDF.type}> {t} . VALUES {t} {{ {' '.join(map(_sparql, classes))} }}"

    def is_instance(self, var: str, cls: Node) -> str:
        """An expression true when ``var``, bound, is an instance of ``cls`` (every
        ``sh:class``, at the top level or nested).

        Not a pattern: Oxigraph's in-memory store answers ``?node rdf:type ?t`` for a bound
        node by walking every triple of the node (when the triples of ``rdf:type`` are more
        numerous), so a province that is party to thousands of agreements cost thousands of
        steps per test, and a nested class test grew with the square of the data
        (``ChineseSisterCityShape``: 0.16 s at 1 M triples, 20 s at 10 M). Nor a ``MINUS`` of
        every instance: that builds the same hash table of a class's members once per check
        (142 checks: 39-42 s at 10 M triples, against 23-25 s here, plus 5.6 s to collect the
        members). The classes' members are collected once per run (``run_checks``) and the test
        is a set lookup."""
        key = " ".join(map(str, self.classes(cls)))
        self.used_sets.add(key)
        return f"<{INSTANCE_OF}>({var}, {_string(key)})"

    # --- value-level constraints: an expression true when value ``v`` violates ----------------

    def value_violations(self, shape: Node) -> Iterator[tuple[URIRef, str]]:
        """(component, violation expression over ``{v}``, a bound node) for each value-level
        constraint."""
        g = self.shapes
        for cls in g.objects(shape, SH["class"]):
            yield SH.ClassConstraintComponent, f"!{self.is_instance('{v}', cls)}"
        for datatype in g.objects(shape, SH.datatype):
            yield SH.DatatypeConstraintComponent, f"!({self.datatype_ok(datatype)})"
        for kind in g.objects(shape, SH.nodeKind):
            if kind not in _NODE_KINDS:
                raise UnsupportedShape(f"shape {shape}: unknown sh:nodeKind {kind}")
            yield SH.NodeKindConstraintComponent, f"!({_NODE_KINDS[kind]})"
        flags = self.one(shape, SH.flags)
        for pattern in g.objects(shape, SH.pattern):
            args = _string(str(pattern)) + (f", {_string(str(flags))}" if flags else "")
            yield SH.PatternConstraintComponent, f"(isBlank({{v}}) || !REGEX(STR({{v}}), {args}))"
        for head in g.objects(shape, SH.languageIn):
            yield SH.LanguageInConstraintComponent, f"!({self.language_ok(head)})"
        for head in g.objects(shape, SH["in"]):
            members = " || ".join(f"sameTerm({{v}}, {_sparql(m)})" for m in self.items(head))
            yield SH.InConstraintComponent, f"!({members or 'false'})"
        for key, (op, component) in _COMPARISON.items():
            for bound in g.objects(shape, key):
                yield component, f"!COALESCE({{v}} {op} {_sparql(bound)}, false)"
        for key, op, component in (
            (SH.minLength, ">=", SH.MinLengthConstraintComponent),
            (SH.maxLength, "<=", SH.MaxLengthConstraintComponent),
        ):
            for bound in g.objects(shape, key):
                yield component, f"(isBlank({{v}}) || !(STRLEN(STR({{v}})) {op} {int(bound)}))"
        for inner in g.objects(shape, SH.node):
            yield SH.NodeConstraintComponent, f"!({self.conforms(inner, '{v}')})"
        for inner in g.objects(shape, SH["not"]):
            yield SH.NotConstraintComponent, self.conforms(inner, "{v}")
        for head in g.objects(shape, SH["or"]):
            members = " || ".join(f"({self.conforms(s, '{v}')})" for s in self.items(head))
            yield SH.OrConstraintComponent, f"!({members or 'false'})"
        for head in g.objects(shape, SH["and"]):
            members = " && ".join(f"({self.conforms(s, '{v}')})" for s in self.items(head))
            yield SH.AndConstraintComponent, f"!({members or 'true'})"
        for head in g.objects(shape, SH.xone):
            counted = " + ".join(f"IF({self.conforms(s, '{v}')}, 1, 0)" for s in self.items(head))
            yield SH.XoneConstraintComponent, f"(({counted or '0'}) != 1)"

    def datatype_ok(self, datatype: Node) -> str:
        if datatype == RDF.langString:
            return 'isLiteral({v}) && LANG({v}) != ""'
        if datatype == RDFS.Literal:
            return "isLiteral({v})"
        same = f"isLiteral({{v}}) && sameTerm(DATATYPE({{v}}), {_sparql(datatype)})"
        if datatype == XSD.string:
            return f'{same} && LANG({{v}}) = ""'
        if datatype in _CASTABLE:  # the lexical form must be valid for the datatype
            return f"{same} && COALESCE(STRLEN(STR(<{datatype}>(STR({{v}})))) >= 0, false)"
        return same

    def language_ok(self, head: Node) -> str:
        """pySHACL's test: the tag, or its first subtag, is one of the listed (lower case)."""
        tags = sorted({str(t).lower() for t in self.items(head)})
        if "*" in tags:
            return 'isLiteral({v}) && LANG({v}) != ""'
        listed = ", ".join(_string(t) for t in tags) or '""'
        first = 'LCASE(STRBEFORE(CONCAT(LANG({v}), "-"), "-"))'
        return (
            f'isLiteral({{v}}) && LANG({{v}}) != "" && '
            f"(LCASE(LANG({{v}})) IN ({listed}) || {first} IN ({listed}))"
        )

    # --- conformance of a node to a (nested) shape, as an expression over ``x`` ---------------

    def conforms(self, shape: Node, x: str) -> str:
        """An expression true when node ``x`` conforms to ``shape`` (used by sh:node, sh:or...)."""
        if self.deactivated(shape):
            return "true"
        self.check_known(shape)
        if any(self.shapes.objects(shape, SH.sparql)) or any(self.shapes.objects(shape, SH.target)):
            raise UnsupportedShape(f"shape {shape}: SPARQL inside a nested shape is not compiled")
        parts: list[str] = []
        path = self.one(shape, SH.path)
        if path is None:
            for _component, expression in self.value_violations(shape):
                parts.append(f"!({expression.replace('{v}', x)})")
            if self.one(shape, SH.minCount) is not None or any(
                self.shapes.objects(shape, SH.qualifiedValueShape)
            ):
                raise UnsupportedShape(f"node shape {shape} carries property-shape parameters")
        else:
            parts.extend(self.property_conforms(shape, self.path(path), x))
        has_value = list(self.shapes.objects(shape, SH.hasValue))
        for value in has_value:
            if path is None:
                parts.append(f"sameTerm({x}, {_sparql(value)})")
        for member in self.shapes.objects(shape, SH.property):
            parts.append(f"({self.conforms(member, x)})")
        return " && ".join(parts) or "true"

    def property_conforms(self, shape: Node, path: str, x: str) -> Iterator[str]:
        g = self.shapes
        for _component, expression in self.value_violations(shape):
            v = self.var()
            yield f"NOT EXISTS {{ {x} {path} {v} FILTER({expression.replace('{v}', v)}) }}"
        for value in g.objects(shape, SH.hasValue):
            yield f"EXISTS {{ {x} {path} {_sparql(value)} }}"
        low = self.one(shape, SH.minCount)
        if low is not None and int(low) > 0:
            if int(low) != 1:
                raise UnsupportedShape(f"shape {shape}: nested sh:minCount above 1 not compiled")
            yield f"EXISTS {{ {x} {path} {self.var()} }}"
        high = self.one(shape, SH.maxCount)
        if high is not None:
            if int(high) > 1:
                raise UnsupportedShape(f"shape {shape}: nested sh:maxCount above 1 not compiled")
            a, b = self.var(), self.var()
            pattern = f"{x} {path} {a} ." + (
                f" {x} {path} {b} FILTER(!sameTerm({a}, {b}))" if int(high) == 1 else ""
            )
            yield f"NOT EXISTS {{ {pattern} }}"
        if g.value(shape, SH.uniqueLang) == Literal(True):
            a, b = self.var(), self.var()
            yield (
                f"NOT EXISTS {{ {x} {path} {a} . {x} {path} {b} FILTER(!sameTerm({a}, {b}) && "
                f'LANG({a}) != "" && LCASE(LANG({a})) = LCASE(LANG({b}))) }}'
            )
        for qualified in g.objects(shape, SH.qualifiedValueShape):
            low = self.one(shape, SH.qualifiedMinCount)
            high = self.one(shape, SH.qualifiedMaxCount)
            if high is not None or (low is not None and int(low) > 1):
                raise UnsupportedShape(f"shape {shape}: nested qualified counts not compiled")
            if low is not None and int(low) == 1:
                v = self.var()
                yield f"EXISTS {{ {x} {path} {v} FILTER({self.conforms(qualified, v)}) }}"

    # --- top-level checks ---------------------------------------------------------------------

    def targets(self, shape: Node) -> list[str]:
        """Patterns binding ``?this`` to the shape's own targets."""
        g = self.shapes
        patterns = [
            f"{{ {self.instance_of('?this', c)} }}" for c in g.objects(shape, SH.targetClass)
        ]
        if (shape, RDF.type, RDFS.Class) in g or (
            shape,
            RDF.type,
            URIRef("http://www.w3.org/2002/07/owl#Class"),
        ) in g:
            patterns.append(f"{{ {self.instance_of('?this', shape)} }}")  # implicit class target
        patterns += [
            f"{{ VALUES ?this {{ {_sparql(n)} }} }}" for n in g.objects(shape, SH.targetNode)
        ]
        patterns += [
            f"{{ ?this {_sparql(p)} {self.var('o')} }}"
            for p in g.objects(shape, SH.targetSubjectsOf)
        ]
        patterns += [
            f"{{ {self.var('s')} {_sparql(p)} ?this }}"
            for p in g.objects(shape, SH.targetObjectsOf)
        ]
        return patterns

    def checks(self, shape: Node, focus: list[str]) -> Iterator[Check]:
        """The checks of one shape for the focus patterns ``focus`` (a UNION of them)."""
        self.check_known(shape)
        g = self.shapes
        if any(g.objects(shape, SH.sparql)) or any(g.objects(shape, SH.target)):
            raise UnsupportedShape(
                f"shape {shape}: a SPARQL constraint or target that is not a global rule",
                hint="write it as a global rule (see shapes/README.md) or use engine='pyshacl'",
            )
        targets = _focus_nodes(focus)
        severity = g.value(shape, SH.severity)
        severity = severity if isinstance(severity, URIRef) else SH.Violation
        messages = tuple(m for m in g.objects(shape, SH.message) if isinstance(m, Literal))
        path_node = self.one(shape, SH.path)

        def check(component: URIRef, where: str, has_value: bool, extra: str = "") -> Check:
            head = "SELECT DISTINCT ?this" + (" ?value" if has_value else "") + extra
            query = f"{head} WHERE {{ {where} }}"
            used = tuple(k for k in sorted(self.used_sets) if _string(k) in query)
            return Check(
                shape,
                component,
                query,
                path_node,
                messages,
                severity,
                has_value,
                used,
            )

        if path_node is None:
            for component, expression in self.value_violations(shape):
                violates = expression.replace("{v}", "?value")
                where = f"{targets} BIND(?this AS ?value) FILTER({violates})"
                yield check(component, where, True)
            for value in g.objects(shape, SH.hasValue):
                where = (
                    f"{targets} BIND(?this AS ?value) FILTER(!sameTerm(?this, {_sparql(value)}))"
                )
                yield check(SH.HasValueConstraintComponent, where, True)
            for key in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape):
                if any(g.objects(shape, key)):
                    raise UnsupportedShape(f"node shape {shape} carries {key} (not SHACL)")
            return
        path = self.path(path_node)
        for component, expression in self.value_violations(shape):
            violates = expression.replace("{v}", "?value")
            where = f"{targets} ?this {path} ?value FILTER({violates})"
            yield check(component, where, True)
        for value in g.objects(shape, SH.hasValue):
            where = f"{targets} MINUS {{ ?this {path} {_sparql(value)} }}"
            yield check(SH.HasValueConstraintComponent, where, False)
        low = self.one(shape, SH.minCount)
        if low is not None and int(low) > 0:
            yield check(
                SH.MinCountConstraintComponent, self.count_below(targets, path, int(low)), False
            )
        high = self.one(shape, SH.maxCount)
        if high is not None:
            yield check(
                SH.MaxCountConstraintComponent, self.count_above(targets, path, int(high)), False
            )
        if g.value(shape, SH.uniqueLang) == Literal(True):
            where = (
                f"{targets} ?this {path} ?_a . ?this {path} ?_b "
                f'FILTER(!sameTerm(?_a, ?_b) && LANG(?_a) != "" && LCASE(LANG(?_a)) = '
                f"LCASE(LANG(?_b))) BIND(LCASE(LANG(?_a)) AS ?_lang)"
            )
            yield check(SH.UniqueLangConstraintComponent, where, False, " ?_lang")
        for qualified in g.objects(shape, SH.qualifiedValueShape):
            v = self.var()
            good = f"?this {path} {v} FILTER({self.conforms(qualified, v)})"
            low = self.one(shape, SH.qualifiedMinCount)
            high = self.one(shape, SH.qualifiedMaxCount)
            if low is not None and int(low) > 0:
                where = self.count_below(targets, path, int(low), good=good, var=v)
                yield check(SH.QualifiedMinCountConstraintComponent, where, False)
            if high is not None:
                where = self.count_above(targets, path, int(high), good=good, var=v)
                yield check(SH.QualifiedMaxCountConstraintComponent, where, False)

    def count_below(
        self, targets: str, path: str, low: int, *, good: str | None = None, var: str = "?_v"
    ) -> str:
        values = good or f"?this {path} {var}"
        if low == 1:
            return f"{targets} MINUS {{ {values} }}"
        return (
            f"{{ SELECT ?this (COUNT(DISTINCT {var}) AS ?_n) WHERE {{ {targets} "
            f"OPTIONAL {{ {values} }} }} GROUP BY ?this }} FILTER(?_n < {low})"
        )

    def count_above(
        self, targets: str, path: str, high: int, *, good: str | None = None, var: str = "?_v"
    ) -> str:
        if high == 1 and good is None:
            # two distinct values: a self-join Oxigraph runs by index, where grouping every
            # focus node first took twice as long on 1 M triples
            return f"{targets} ?this {path} ?_a . ?this {path} ?_b FILTER(!sameTerm(?_a, ?_b))"
        values = good or f"?this {path} {var}"
        return (
            f"{{ SELECT ?this WHERE {{ {targets} {values} }} GROUP BY ?this "
            f"HAVING (COUNT(DISTINCT {var}) > {high}) }}"
        )


def _focus_nodes(focus: list[str]) -> str:
    """A group binding ``?this`` to the focus nodes of the patterns ``focus`` (a UNION).

    One class target is joined as it is: no check needs its focus nodes distinct (each
    selects DISTINCT rows or counts DISTINCT values), and a plain type pattern lets Oxigraph
    join it by index where a ``SELECT DISTINCT`` sub-query is materialised first (a third
    less time on 1 M triples). Several patterns, whose union repeats nodes (a node with a
    label and a source is a subject of both), are made distinct once, before the joins."""
    if len(focus) == 1 and focus[0].startswith(_CLASS_TARGET):
        return focus[0]
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(focus) + " } }"


def top_level(shapes: Graph) -> dict[Node, list[Node]]:
    """Shape -> the shapes whose targets give it focus nodes (itself and, for a property shape,
    the targeted node shapes that list it in ``sh:property``). Shapes without targets are only
    checked through the shapes that use them (sh:node, sh:or, ...)."""
    targeted = set()
    for key in (*_TARGETS, SH.target):
        targeted |= set(shapes.subjects(key, None))
    for cls in (RDFS.Class, URIRef("http://www.w3.org/2002/07/owl#Class")):
        for kind in (SH.NodeShape, SH.PropertyShape):
            targeted |= set(shapes.subjects(RDF.type, cls)) & set(shapes.subjects(RDF.type, kind))
    sources: dict[Node, list[Node]] = defaultdict(list)
    for shape in targeted:
        sources[shape].append(shape)
        for member in shapes.objects(shape, SH.property):
            sources[member].append(shape)
    return dict(sources)


#: Keyword arguments of ``Store.query`` saying which graphs are the data (default: the store's
#: default graph; ``{"default_graph": [g1, g2]}``: the union of those graphs).
Scope = dict[str, object]


def subclass_closure(store: ox.Store, scope: Scope | None = None) -> dict[Node, set[Node]]:
    """class -> every class below it (``rdfs:subClassOf*`` over the queried graph)."""
    direct: dict[Node, set[Node]] = defaultdict(set)
    query = f"SELECT ?sub ?sup WHERE {{ ?sub <{RDFS.subClassOf}> ?sup }}"
    for row in store.query(query, **(scope or {})):
        sub, sup = row["sub"], row["sup"]
        if isinstance(sub, ox.NamedNode) and isinstance(sup, ox.NamedNode):
            direct[URIRef(sup.value)].add(URIRef(sub.value))
    closure: dict[Node, set[Node]] = {}
    for cls in direct:
        seen: set[Node] = set()
        stack = [cls]
        while stack:
            for sub in direct.get(stack.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    stack.append(sub)
        closure[cls] = seen
    return closure


def compile_checks(shapes: Graph, subclasses: dict[Node, set[Node]]) -> list[Check]:
    """Every check of every active shape with focus nodes; raises ``UnsupportedShape``."""
    compiler = Compiler(shapes, subclasses)
    checks: list[Check] = []
    for shape, sources in sorted(top_level(shapes).items(), key=lambda kv: str(kv[0])):
        if compiler.deactivated(shape):
            continue
        focus = [
            pattern
            for source in sources
            if not compiler.deactivated(source)
            for pattern in compiler.targets(source)
        ]
        if focus:
            checks.extend(compiler.checks(shape, focus))
    return checks


@dataclass(frozen=True)
class Hit:
    """One violation found by a check."""

    check: Check
    focus: Node
    value: Node | None


def class_members(keys: set[str], store: ox.Store, scope: Scope | None = None) -> dict[str, set]:
    """key of a class set -> the nodes typed with one of its classes (``INSTANCE_OF``)."""
    members: dict[str, set] = {}
    for key in keys:
        listed = " ".join(f"<{c}>" for c in key.split(" "))
        query = f"SELECT DISTINCT ?v WHERE {{ VALUES ?t {{ {listed} }} ?v <{RDF.type}> ?t }}"
        members[key] = {row["v"] for row in store.query(query, **(scope or {}))}
    return members


def run_checks(checks: list[Check], store: ox.Store, scope: Scope | None = None) -> Iterator[Hit]:
    """Run each check once over the graphs of ``store`` that ``scope`` names."""
    members = class_members({key for check in checks for key in check.class_sets}, store, scope)

    def instance_of(node: object, key: ox.Literal) -> ox.Literal:
        return _TRUE if node in members[key.value] else _FALSE

    functions = {ox.NamedNode(INSTANCE_OF): instance_of}
    for check in checks:
        try:
            solutions = store.query(check.query, custom_functions=functions, **(scope or {}))
        except SyntaxError as err:  # a compiler bug, never the user's data
            log.error("fast SHACL: query for %s does not parse: %s", check.shape, check.query)
            raise RuntimeError(f"fast SHACL produced an invalid query for {check.shape}") from err
        for row in solutions:
            value = row["value"] if check.has_value else None
            yield Hit(check, _from_ox(row["this"]), _from_ox(value) if value else None)


def copy_path(shapes: Graph, node: Node, into: Graph) -> None:
    """Copy a (blank-node) path description from the shapes graph into a report graph."""
    if not isinstance(node, BNode):
        return
    for p, o in shapes.predicate_objects(node):
        into.add((node, p, o))
        copy_path(shapes, o, into)


def report_graph(hits: list[Hit], shapes: Graph) -> tuple[bool, Graph]:
    """A SHACL validation report graph as pySHACL writes it (one node per result)."""
    report = Graph()
    report.bind("sh", SH)
    root = BNode()
    report.add((root, RDF.type, SH.ValidationReport))
    conforms = True
    for hit in hits:
        check = hit.check
        result = BNode()
        report.add((root, SH.result, result))
        report.add((result, RDF.type, SH.ValidationResult))
        report.add((result, SH.focusNode, hit.focus))
        report.add((result, SH.resultSeverity, check.severity))
        report.add((result, SH.sourceShape, check.shape))
        report.add((result, SH.sourceConstraintComponent, check.component))
        if check.path is not None:
            report.add((result, SH.resultPath, check.path))
            copy_path(shapes, check.path, report)
        if hit.value is not None:
            report.add((result, SH.value, hit.value))
        for message in check.messages:
            report.add((result, SH.resultMessage, message))
        if check.severity == SH.Violation:
            conforms = False
    report.add((root, SH.conforms, Literal(conforms)))
    return conforms, report


__all__ = [
    "Check",
    "Hit",
    "Scope",
    "UnsupportedShape",
    "compile_checks",
    "report_graph",
    "run_checks",
    "subclass_closure",
]
