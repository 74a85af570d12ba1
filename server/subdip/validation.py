"""pySHACL over data + ontology -> a ``ValidationResult`` a person can act on.

Choices (see shapes/README.md):
- inference ``none``, with the ontology mixed in as pySHACL's ``ont_graph``: class targets and
  ``sh:class`` follow ``rdfs:subClassOf`` (SHACL instances), but nothing is *inferred* from
  domains and ranges, so a value of the wrong class is reported instead of being silently
  re-typed by RDFS inference.
- the SPARQL-based rules (shapes with a ``sh:SPARQLTarget``) are written as complete global
  queries: the target selects the violators over the whole graph, and the constraint says the
  same for one focus node, returning its message bindings. subdip runs them as any SHACL-AF
  processor does, target first, then the constraint for the focus nodes found (one query, the
  nodes given as ``VALUES``), but on pyoxigraph (``sparql_engine="oxigraph"``, the default),
  because rdflib's evaluator, which pySHACL uses, takes seconds per thousand triples on them.
  Usually the target finds nothing and the constraint is not run at all. pySHACL checks all the
  other (core) shapes. ``sparql_engine="pyshacl"`` runs everything in pySHACL (the reference,
  used by the tests to check that both paths agree).
- warnings and infos are reported but do not make the data non-conforming.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pyshacl
from pyshacl.rdfutil.inoculate import inoculate
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from subdip import paths, shacl_fast
from subdip.errors import LoadError
from subdip.loading import SourceLocation, expand, load_graph, ontology_graph
from subdip.namespaces import PREFIXES
from subdip.shacl_fast import UnsupportedShape
from subdip.store import to_ox as _to_ox
from subdip.store import to_rdflib

SH = Namespace("http://www.w3.org/ns/shacl#")
log = logging.getLogger(__name__)

SPARQL_ENGINES = ("oxigraph", "pyshacl")
#: What a shape may carry and still be run as a global rule (anything else stays in pySHACL).
_GLOBAL_RULE_KEYS = {
    RDF.type,
    RDFS.label,
    RDFS.comment,
    SH.target,
    SH.sparql,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.deactivated,
}
_TEMPLATE = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")

Locate = Callable[[Node], SourceLocation | None]

_SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class Violation:
    """One SHACL result, flattened for people and for JSON."""

    focus: str
    path: str | None
    message: str
    value: str | None
    severity: str
    source_shape: str
    constraint: str
    file: str | None
    line: int | None


class ValidationResult:
    """The outcome of one validation: conformance, the results, and the SHACL report graph."""

    def __init__(self, conforms: bool, results: list[Violation], report_graph: Graph) -> None:
        self.conforms = conforms
        self.results = results
        self.report_graph = report_graph

    def counts(self) -> dict[str, int]:
        counts = {"Violation": 0, "Warning": 0, "Info": 0}
        for result in self.results:
            counts[result.severity] = counts.get(result.severity, 0) + 1
        return counts

    def summary(self) -> str:
        counts = self.counts()
        verdict = "conforms" if self.conforms else "does not conform"
        return (
            f"{verdict}: {counts['Violation']} violation(s), {counts['Warning']} warning(s), "
            f"{counts['Info']} info(s)"
        )

    def text(self) -> str:
        """A report grouped by file, each result at the file:line defining its focus node."""
        if not self.results:
            return f"Validation {self.summary()}.\n"
        lines: list[str] = []
        current: str | None = "\0"
        for r in self.results:
            if r.file != current:
                current = r.file
                lines.append("")
                lines.append(f"== {r.file or '(focus node not written as a subject in any file)'}")
            where = f"{r.file}:{r.line}" if r.file else "?"
            lines.append(f"{where}: {r.severity}: {r.focus}")
            if r.path:
                lines.append(f"    path:       {r.path}")
            if r.value is not None and r.value != r.focus:
                lines.append(f"    value:      {r.value}")
            lines.append(f"    message:    {r.message}")
            lines.append(f"    constraint: {r.constraint} (shape {r.source_shape})")
        lines.append("")
        lines.append(f"Validation {self.summary()}.")
        return "\n".join(lines).lstrip("\n") + "\n"

    def as_json(self) -> str:
        payload = {
            "conforms": self.conforms,
            "counts": self.counts(),
            "results": [asdict(r) for r in self.results],
        }
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"

    def as_turtle(self) -> str:
        return self.report_graph.serialize(format="turtle")


def _shipped_shapes() -> Graph:
    return _shapes_in(paths.shapes_dir())


@lru_cache(maxsize=4)
def _shapes_in(folder: Path) -> Graph:
    """Parsed once per folder (the cache is keyed by the folder, so a project pointed at
    another resource root gets its own shapes)."""
    return load_graph(expand([folder], exclude=[folder / "ontology"])).graph


def ontology_shapes_graph() -> Graph:
    """The hygiene shapes for the ontology itself (``shapes/ontology/``), not for data."""
    return shapes_graph([paths.shapes_dir() / "ontology"])


def shapes_graph(files: list[Path] | None = None) -> Graph:
    """The SHACL shapes for data (default: the shipped ``shapes/`` without its ``ontology/``
    hygiene shapes); never zero shapes."""
    graph = load_graph(expand(files)).graph if files else _shipped_shapes()
    if not any(graph.subjects(RDF.type, SH.NodeShape)) and not any(
        graph.subjects(RDF.type, SH.PropertyShape)
    ):
        raise LoadError(
            "no SHACL shape found in the shapes files — a validation against zero shapes "
            "would pass anything; check the shapes folder"
        )
    return graph


class _Names:
    """Short, readable names for nodes in reports (prefix:local; display only)."""

    def __init__(self, *graphs: Graph) -> None:
        pairs = dict(PREFIXES)
        for graph in graphs:
            for prefix, namespace in graph.namespaces():
                if prefix:
                    pairs.setdefault(prefix, str(namespace))
        # longest namespace first, so id: wins over a shorter prefix of it
        self._pairs = sorted(pairs.items(), key=lambda kv: -len(kv[1]))

    def node(self, node: Node | None) -> str | None:
        if node is None:
            return None
        if isinstance(node, URIRef):
            text = str(node)
            for prefix, namespace in self._pairs:
                if text.startswith(namespace) and len(text) > len(namespace):
                    return f"{prefix}:{text[len(namespace) :]}"
            return f"<{text}>"
        if isinstance(node, Literal):
            return node.n3()
        return f"_:{node}"

    def path(self, graph: Graph, node: Node | None) -> str | None:
        """A SHACL path in SPARQL property-path syntax (``^p``, ``p/q``, ``(p|q)``, ``p*``)."""
        if node is None or isinstance(node, URIRef | Literal):
            return self.node(node)
        inverse = graph.value(node, SH.inversePath)
        if inverse is not None:
            return "^" + (self.path(graph, inverse) or "?")
        alternative = graph.value(node, SH.alternativePath)
        if alternative is not None:
            parts = [self.path(graph, p) or "?" for p in Collection(graph, alternative)]
            return "(" + "|".join(parts) + ")"
        for key, mark in (
            (SH.zeroOrMorePath, "*"),
            (SH.oneOrMorePath, "+"),
            (SH.zeroOrOnePath, "?"),
        ):
            inner = graph.value(node, key)
            if inner is not None:
                return f"({self.path(graph, inner)}){mark}"
        if graph.value(node, RDF.first) is not None:
            return "/".join(self.path(graph, p) or "?" for p in Collection(graph, node))
        return self.node(node)


def _results(report: Graph, names: _Names, locate: Locate | None) -> list[Violation]:
    found: list[tuple[tuple, Violation]] = []
    # top-level results only: nested ones (sh:detail) explain a parent result
    for result in report.objects(None, SH.result):
        focus = report.value(result, SH.focusNode)
        severity_node = report.value(result, SH.resultSeverity)
        severity = str(severity_node).rsplit("#", 1)[-1] if severity_node else "Violation"
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        value = report.value(result, SH.value)
        shape = report.value(result, SH.sourceShape)
        component = report.value(result, SH.sourceConstraintComponent)
        where = locate(focus) if locate is not None and focus is not None else None
        violation = Violation(
            focus=names.node(focus) or "?",
            path=names.path(report, report.value(result, SH.resultPath)),
            message=" ".join(messages) or "(no message)",
            value=names.node(value),
            severity=severity,
            source_shape=names.node(shape) if isinstance(shape, URIRef) else "(anonymous shape)",
            constraint=names.node(component) or "?",
            file=str(where.file) if where else None,
            line=where.line if where else None,
        )
        key = (
            where is None,
            str(where.file) if where else "",
            where.line if where else 0,
            violation.focus,
            _SEVERITY_ORDER.get(severity, 3),
            violation.path or "",
            violation.message,
            violation.constraint,  # the rest only makes the order total (reproducible reports)
            violation.value or "",
            violation.source_shape,
        )
        found.append((key, violation))
    found.sort(key=lambda kv: kv[0])
    return [v for _, v in found]


@dataclass(frozen=True)
class _GlobalRule:
    """A SPARQL constraint run once with ``$this`` unbound (see the module docstring)."""

    shape: Node
    constraint: Node
    query: str
    messages: tuple[Literal, ...]
    severity: URIRef
    #: the shape's SPARQL target query (``?this``: the focus nodes), run first
    target: str | None = None


def _prefix_header(shapes: Graph, constraint: Node) -> str:
    lines = []
    for holder in shapes.objects(constraint, SH.prefixes):
        for declaration in shapes.objects(holder, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


def _split_shapes(shapes: Graph) -> tuple[Graph, list[_GlobalRule]]:
    """The shapes for pySHACL (global rules deactivated) and the global rules themselves."""
    core = Graph()
    for prefix, namespace in shapes.namespaces():
        core.bind(prefix, namespace, override=False)
    core += shapes
    rules: list[_GlobalRule] = []
    for shape, target in shapes.subject_objects(SH.target):
        if (target, RDF.type, SH.SPARQLTarget) not in shapes:
            continue
        constraints = list(shapes.objects(shape, SH.sparql))
        if not constraints or set(shapes.predicates(shape)) - _GLOBAL_RULE_KEYS:
            continue  # not a pure global rule: pySHACL evaluates it as written
        if shapes.value(shape, SH.deactivated) == Literal(True):
            continue
        target_select = shapes.value(target, SH.select)
        target_query = (
            _prefix_header(shapes, target) + str(target_select) if target_select else None
        )
        core.add((shape, SH.deactivated, Literal(True)))
        severity = shapes.value(shape, SH.severity) or SH.Violation
        for constraint in constraints:
            if shapes.value(constraint, SH.deactivated) == Literal(True):
                continue
            select = shapes.value(constraint, SH.select)
            if select is None:
                raise LoadError(f"shape {shape}: a sh:sparql constraint without sh:select")
            messages = tuple(
                m
                for m in [
                    *shapes.objects(constraint, SH.message),
                    *shapes.objects(shape, SH.message),
                ]
                if isinstance(m, Literal)
            )
            rules.append(
                _GlobalRule(
                    shape=shape,
                    constraint=constraint,
                    query=_prefix_header(shapes, constraint) + str(select),
                    messages=messages,
                    severity=severity if isinstance(severity, URIRef) else SH.Violation,
                    target=target_query,
                )
            )
    return core, rules


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def _rule_solutions(
    rule: _GlobalRule, store: ox.Store, scope: shacl_fast.Scope | None
) -> tuple[list[ox.Variable], list[ox.QuerySolution]]:
    """The constraint's solutions for the focus nodes of the rule's target.

    As SHACL-AF says: the target query gives the focus nodes; the constraint is then evaluated
    with ``$this`` bound to each (here in one query, the nodes as ``VALUES``; a blank focus
    node cannot be written there, so then the constraint runs unbound and is filtered).
    """
    if rule.target is None:
        solutions = store.query(rule.query, **(scope or {}))
        return list(solutions.variables), list(solutions)
    focus = {row["this"] for row in store.query(rule.target, **(scope or {}))}
    focus.discard(None)
    if not focus:
        return [], []
    where = _WHERE.search(rule.query)
    if where is None or any(isinstance(node, ox.BlankNode) for node in focus):
        solutions = store.query(rule.query, **(scope or {}))
        rows = [row for row in solutions if row["this"] in focus]
        return list(solutions.variables), rows
    values = " ".join(str(node) for node in sorted(focus, key=str))
    query = f"{rule.query[: where.end()]} VALUES ?this {{ {values} }} {rule.query[where.end() :]}"
    solutions = store.query(query, **(scope or {}))
    return list(solutions.variables), list(solutions)


def _store(*graphs: Graph) -> ox.Store:
    """An in-memory Oxigraph copy of ``graphs`` (IRIs converted once each: they repeat a lot)."""
    store = ox.Store()
    iris: dict[URIRef, ox.NamedNode] = {}

    def term(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if type(node) is URIRef:
            found = iris.get(node)
            if found is None:
                found = iris[node] = ox.NamedNode(str(node))
            return found
        return _to_ox(node)

    store.bulk_extend(
        ox.Quad(term(s), term(p), term(o), ox.DefaultGraph())
        for graph in graphs
        for s, p, o in graph
    )
    return store


def _run_global_rules(
    rules: list[_GlobalRule],
    store: ox.Store,
    report: Graph,
    names: _Names,
    scope: shacl_fast.Scope | None = None,
) -> bool:
    """Add the rules' results to ``report``; False when one of them is a violation.

    ``store`` holds the data and the ontology (in its default graph, or in the graphs that
    ``scope`` names)."""
    if not rules:
        return True
    report_node = report.value(None, RDF.type, SH.ValidationReport)
    conforms = True
    for rule in rules:
        seen: set[tuple] = set()
        variables, solutions = _rule_solutions(rule, store, scope)
        for solution in solutions:
            bound = {var.value: _from_ox_optional(solution[var]) for var in variables}
            bound = {k: v for k, v in bound.items() if v is not None}
            focus = bound.get("this")
            if focus is None:
                continue
            path, value = bound.get("path"), bound.get("value", focus)
            key = (focus, path, value, tuple(sorted((k, str(v)) for k, v in bound.items())))
            if key in seen:
                continue
            seen.add(key)
            result = BNode()
            report.add((result, RDF.type, SH.ValidationResult))
            report.add((result, SH.focusNode, focus))
            if path is not None:
                report.add((result, SH.resultPath, path))
            if value is not None:
                report.add((result, SH.value, value))
            report.add((result, SH.resultSeverity, rule.severity))
            report.add((result, SH.sourceShape, rule.shape))
            report.add((result, SH.sourceConstraint, rule.constraint))
            report.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
            for message in rule.messages:
                text = _TEMPLATE.sub(
                    lambda m, b=bound: names.node(b.get(m.group(1))) or m.group(0), str(message)
                )
                report.add((result, SH.resultMessage, Literal(text, lang=message.language)))
            if report_node is not None:
                report.add((report_node, SH.result, result))
            if rule.severity == SH.Violation:
                conforms = False
    if not conforms and report_node is not None:
        report.set((report_node, SH.conforms, Literal(False)))
    return conforms


ENGINES = ("auto", "pyshacl", "fast")
#: Below this many data triples ``engine="auto"`` keeps pySHACL, the reference engine.
FAST_THRESHOLD = 20_000


def validate(
    data: Graph,
    *,
    ontology: Graph | None = None,
    shapes: Graph | None = None,
    locate: Locate | None = None,
    sparql_engine: str = "oxigraph",
    engine: str = "auto",
) -> ValidationResult:
    """Validate ``data`` against the shapes, with the ontology's class hierarchy.

    ``ontology`` defaults to the shipped ontology and ``shapes`` to the shipped shapes;
    ``locate`` (e.g. ``LoadedGraph.locate``) maps a focus node to the file:line defining it;
    ``sparql_engine`` says who runs the global SPARQL rules (see the module docstring).
    ``engine``: ``pyshacl`` (the reference), ``fast`` (``subdip.shacl_fast``: one SPARQL query
    per constraint on pyoxigraph, for large graphs) or ``auto`` (pySHACL below
    ``FAST_THRESHOLD`` data triples, fast above); both give the same results.
    The caller's graphs are never modified.
    """
    if sparql_engine not in SPARQL_ENGINES:
        raise ValueError(f"sparql_engine must be one of {SPARQL_ENGINES}, not {sparql_engine!r}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if shapes is None:
        shapes = shapes_graph()
    if ontology is None:
        ontology = ontology_graph()
    if engine == "fast" or (engine == "auto" and len(data) >= FAST_THRESHOLD):
        # what pySHACL mixes into the data from ont_graph: the ontology's class and property
        # declarations and its RDFS/OWL axioms, not its other triples (e.g. its own sources)
        store = _store(data, inoculate(Graph(), ontology))
        try:
            return _validate_fast(store, shapes, locate, names=_Names(data, shapes))
        except UnsupportedShape as err:
            if engine == "fast":
                raise
            log.warning("fast SHACL engine cannot compile the shapes (%s); using pySHACL", err)
    return _validate_pyshacl(data, ontology, shapes, locate, sparql_engine)


def validate_store(
    store: ox.Store,
    graph: ox.NamedNode | ox.DefaultGraph,
    *,
    ontology: Graph | None = None,
    shapes: Graph | None = None,
    locate: Locate | None = None,
) -> ValidationResult:
    """Validate one graph of a pyoxigraph store with the fast engine.

    For large builds that already hold the data in Oxigraph: no triple of the data becomes an
    rdflib object. The results are those of ``validate(data, engine="fast")`` on the same
    triples. What pySHACL would mix in from the ontology (its declarations and axioms) is added
    to ``graph`` for the time of the validation, and exactly the triples that were not already
    there are removed before returning. (One graph, not several: Oxigraph plans some of the
    global rules several times slower over a default graph made of several graphs.)
    Raises ``UnsupportedShape`` if the shapes use a construct the fast engine does not compile.
    """
    if shapes is None:
        shapes = shapes_graph()
    if ontology is None:
        ontology = ontology_graph()
    mixed = (
        ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o), graph) for s, p, o in inoculate(Graph(), ontology)
    )
    added = [quad for quad in mixed if quad not in store]
    store.extend(added)
    try:
        scope: shacl_fast.Scope = {"default_graph": [graph]}
        return _validate_fast(store, shapes, locate, names=_Names(shapes), scope=scope)
    finally:
        for quad in added:
            store.remove(quad)


def _from_ox_optional(term: object) -> Node | None:
    return None if term is None else to_rdflib(term)


def _validate_fast(
    store: ox.Store,
    shapes: Graph,
    locate: Locate | None,
    *,
    names: _Names,
    scope: shacl_fast.Scope | None = None,
) -> ValidationResult:
    """The fast engine: compiled core shapes and the global rules, all on ``store``."""
    core, rules = _split_shapes(shapes)
    subclasses = shacl_fast.subclass_closure(store, scope)
    checks = shacl_fast.compile_checks(core, subclasses)
    hits = list(shacl_fast.run_checks(checks, store, scope))
    conforms, report = shacl_fast.report_graph(hits, shapes)
    global_conforms = _run_global_rules(rules, store, report, names, scope)
    results = _results(report, names, locate)
    log.debug("fast engine: %d checks, %d result(s)", len(checks), len(results))
    return ValidationResult(conforms and global_conforms, results, report)


def _validate_pyshacl(
    data: Graph, ontology: Graph, shapes: Graph, locate: Locate | None, sparql_engine: str
) -> ValidationResult:
    """The reference engine: pySHACL, with the global rules on pyoxigraph unless told not to."""
    rules: list[_GlobalRule] = []
    core = shapes
    if sparql_engine == "oxigraph":
        core, rules = _split_shapes(shapes)
    conforms, report, _text = pyshacl.validate(
        data,
        shacl_graph=core,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=False,
        abort_on_first=False,
        meta_shacl=False,
        debug=False,
    )
    if not isinstance(report, Graph):  # pyshacl returns a graph for these arguments
        raise TypeError(f"unexpected pySHACL report type {type(report).__name__}")
    names = _Names(data, shapes)
    global_conforms = True
    if rules:
        global_conforms = _run_global_rules(rules, _store(data, ontology), report, names)
    results = _results(report, names, locate)
    log.debug("validated %d triples: %d result(s)", len(data), len(results))
    return ValidationResult(bool(conforms) and global_conforms, results, report)


__all__ = [
    "ENGINES",
    "FAST_THRESHOLD",
    "ValidationResult",
    "Violation",
    "ontology_shapes_graph",
    "shapes_graph",
    "validate",
    "validate_store",
]
