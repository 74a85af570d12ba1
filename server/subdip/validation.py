"""pySHACL over data + ontology -> a ``ValidationResult`` a person can act on.

Choices (see shapes/README.md):
- inference ``none``, with the ontology mixed in as pySHACL's ``ont_graph``: class targets and
  ``sh:class`` follow ``rdfs:subClassOf`` (SHACL instances), but nothing is *inferred* from
  domains and ranges, so a value of the wrong class is reported instead of being silently
  re-typed by RDFS inference.
- ``advanced`` SHACL is on: the SPARQL rules use SPARQL-based targets that run once over the
  whole graph (a per-node SPARQL constraint is run once per focus node, which does not scale).
- warnings and infos are reported but do not make the data non-conforming.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import pyshacl
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from subdip import paths
from subdip.errors import LoadError
from subdip.loading import SourceLocation, expand, load_graph, ontology_graph
from subdip.namespaces import PREFIXES

SH = Namespace("http://www.w3.org/ns/shacl#")
log = logging.getLogger(__name__)

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


@lru_cache(maxsize=1)
def _shipped_shapes() -> Graph:
    return load_graph(expand([paths.shapes_dir()])).graph


def shapes_graph(files: list[Path] | None = None) -> Graph:
    """The SHACL shapes (default: every file in the shipped ``shapes/``); never zero shapes."""
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
    for result in report.subjects(RDF.type, SH.ValidationResult):
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
        )
        found.append((key, violation))
    found.sort(key=lambda kv: kv[0])
    return [v for _, v in found]


def validate(
    data: Graph,
    *,
    ontology: Graph | None = None,
    shapes: Graph | None = None,
    locate: Locate | None = None,
) -> ValidationResult:
    """Validate ``data`` against the shapes, with the ontology's class hierarchy.

    ``ontology`` defaults to the shipped ontology and ``shapes`` to the shipped shapes;
    ``locate`` (e.g. ``LoadedGraph.locate``) maps a focus node to the file:line defining it.
    The caller's graphs are never modified.
    """
    if ontology is None:
        ontology = ontology_graph()
    if shapes is None:
        shapes = shapes_graph()
    conforms, report, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
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
    results = _results(report, names, locate)
    log.debug("validated %d triples: %d result(s)", len(data), len(results))
    return ValidationResult(bool(conforms), results, report)


__all__ = ["ValidationResult", "Violation", "shapes_graph", "validate"]
