"""The W3C SPARQL 1.1 test suites, read from their manifests, and W3C rules for comparing results.

Nothing here knows subdip: tests are read from ``../shared/w3c/sparql11`` (the suites as W3C
published them), results are compared as the suites' rules say (solutions as multisets, blank
nodes up to renaming, order only under a top-level ORDER BY, graphs by isomorphism), and every
request goes to an :class:`Endpoint` -- the Flask test client, a running ``subdip serve`` or
``oxigraph serve`` alike -- so the same runner judges any SPARQL service.

Files are parsed with the IRIs W3C gives them (``NOMINAL`` + the path in the suite), never with
local file paths, so graph names and relative IRIs come out as the suites expect.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD

from subdip.sparql.guard import decode_codepoint_escapes, tokenize

SUITE = Path(__file__).resolve().parents[2].parent / "shared" / "w3c" / "sparql11"
NOMINAL = "http://www.w3.org/2009/sparql/docs/tests/data-sparql11/"

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
RS = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")

#: The query evaluation folders the issue names (manifest-sparql11-query.ttl without syntax).
EVALUATION_FOLDERS = (
    "aggregates", "bind", "bindings", "cast", "construct", "exists", "functions", "grouping",
    "negation", "project-expression", "property-path", "subquery", "json-res", "csv-tsv-res",
)  # fmt: skip
SYNTAX_FOLDERS = ("syntax-query",)
#: Folders whose every test needs something this read-only service refuses on purpose.
UPDATE_FOLDERS = (
    "add", "basic-update", "clear", "copy", "delete", "delete-data", "delete-insert",
    "delete-where", "drop", "move", "syntax-update-1", "syntax-update-2", "update-silent",
)  # fmt: skip
FEDERATION_FOLDERS = ("service", "syntax-fed")
#: Not run: why, in one sentence each (listed in the report, never hidden).
NOT_APPLICABLE = {
    "entailment": "query-time entailment regimes (RDFS, OWL, D) are not offered: the service "
    "materialises its OWL 2 RL consequences at build time into a named graph instead",
    "graph-store-protocol": "refused by policy: the service is read-only and has no Graph "
    "Store Protocol endpoint (graphs are downloads at /download/)",
    "http-rdf-update": "refused by policy: the service is read-only and has no Graph Store "
    "Protocol endpoint",
}

#: A graph no test loads: the default graph of a test without qt:data, and the only named
#: graph of a test without qt:graphData (the protocol cannot say "no named graphs").
EMPTY_GRAPH = "urn:x-conformance:empty"


def nominal(path: Path) -> str:
    return NOMINAL + path.relative_to(SUITE).as_posix()


def local(iri: str) -> Path:
    if not iri.startswith(NOMINAL):
        raise ValueError(f"{iri} is outside the suite")
    return SUITE / iri[len(NOMINAL) :]


# --- manifests ------------------------------------------------------------------------------


@dataclass(frozen=True)
class W3CTest:
    """One entry of a manifest, with its files as paths in the suite."""

    folder: str
    name: str  # the local name of the test's IRI
    kind: str  # the local name of its rdf:type (QueryEvaluationTest, PositiveSyntaxTest11 ...)
    title: str
    query: Path | None = None  # .rq or .ru
    data: tuple[Path, ...] = ()
    graph_data: tuple[tuple[Path, str], ...] = ()  # (file, graph name)
    result: Path | None = None
    approval: str = ""
    node: rdflib.term.Node | None = field(default=None, compare=False, repr=False)

    @property
    def id(self) -> str:
        return f"{self.folder}/{self.name}"

    @property
    def is_syntax(self) -> bool:
        return "SyntaxTest" in self.kind

    @property
    def is_positive(self) -> bool:
        return self.kind.startswith("Positive")

    @property
    def is_update(self) -> bool:
        return "Update" in self.kind or (self.query is not None and self.query.suffix == ".ru")

    def query_text(self) -> str:
        assert self.query is not None
        return self.query.read_text(encoding="utf-8")


def manifest_graph(folder: str) -> rdflib.Graph:
    path = SUITE / folder / "manifest.ttl"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the conformance tests read the W3C suites from ../shared/w3c"
        )
    g = rdflib.Graph()
    g.parse(path, format="turtle", publicID=nominal(path))
    return g


def _local_name(node: rdflib.term.Node) -> str:
    return re.split(r"[#/]", str(node))[-1]


def _graph_data(g: rdflib.Graph, action: rdflib.term.Node, prop: rdflib.URIRef):
    out: list[tuple[Path, str]] = []
    for value in g.objects(action, prop):
        if isinstance(value, rdflib.URIRef):
            out.append((local(str(value)), str(value)))
        else:  # [ ut:graph <file> ; rdfs:label "name" ]
            file = g.value(value, UT.graph) or g.value(value, QT.graph)
            label = g.value(value, RDFS.label)
            out.append((local(str(file)), str(label or file)))
    return tuple(sorted(out))


def load_manifest(folder: str) -> list[W3CTest]:
    """The tests of ``folder/manifest.ttl``, in manifest order (``mf:entries``)."""
    g = manifest_graph(folder)
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    entries = g.value(manifest, MF.entries)
    tests: list[W3CTest] = []
    if entries is None:
        return tests
    for node in rdflib.collection.Collection(g, entries):
        kind = _local_name(g.value(node, RDF.type))
        action = g.value(node, MF.action)
        query = data = graph_data = None
        if isinstance(action, rdflib.URIRef):
            query = local(str(action))
        elif action is not None:
            q = g.value(action, QT.query) or g.value(action, UT.request)
            query = local(str(q)) if q is not None else None
            data = tuple(sorted(local(str(d)) for d in g.objects(action, QT.data)))
            graph_data = _graph_data(g, action, QT.graphData)
        result = g.value(node, MF.result)
        approval = g.value(node, DAWGT.approval)
        tests.append(
            W3CTest(
                folder=folder,
                name=_local_name(node),
                kind=kind,
                title=str(g.value(node, MF.name) or ""),
                query=query,
                data=data or (),
                graph_data=graph_data or (),
                result=local(str(result)) if isinstance(result, rdflib.URIRef) else None,
                approval=_local_name(approval) if approval is not None else "",
                node=node,
            )
        )
    return tests


def data_files(tests: Iterable[W3CTest]) -> dict[str, Path]:
    """Every data file the tests load, by the graph name it is loaded under."""
    files: dict[str, Path] = {}
    for t in tests:
        for path in t.data:
            files[nominal(path)] = path
        for path, name in t.graph_data:
            files[name] = path
    return files


# --- terms and result sets ------------------------------------------------------------------

XSD_STRING = str(XSD.string)
LANG_STRING = str(RDF.langString)

#: ("uri", iri) | ("bnode", label) | ("literal", lexical, datatype, language)
Term = tuple


def uri(value: str) -> Term:
    return ("uri", value)


def bnode(label: str) -> Term:
    return ("bnode", label)


_XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER_TYPES = frozenset(
    _XSD + t
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt",
        "unsignedShort", "unsignedByte",
    )
)  # fmt: skip


VALUE_TYPES = INTEGER_TYPES | {_XSD + t for t in ("decimal", "double", "float", "boolean")}


def canonical(value: str, datatype: str) -> str:
    """The canonical form of a numeric or boolean literal, so that ``"3.0E4"^^xsd:double``
    equals ``"30000"^^xsd:double``: literals of the same datatype compare by value (the
    suites' expected files were written by several engines, each with its own lexical forms;
    Jena's harness compares the same way). Datatypes still have to match."""
    try:
        if datatype in INTEGER_TYPES:
            return str(int(value.strip()))
        if datatype == _XSD + "decimal":
            d = Decimal(value.strip())
            return format(d.normalize(), "f") if d == d.to_integral() else str(d.normalize())
        if datatype in (_XSD + "double", _XSD + "float"):
            return repr(float(value.strip()))
        if datatype == _XSD + "boolean":
            return {"1": "true", "0": "false"}.get(value.strip(), value.strip())
    except (ValueError, ArithmeticError):
        return value  # not a valid lexical form: compare as written
    return value


def literal(value: str, datatype: str | None = None, lang: str | None = None) -> Term:
    if lang:
        return ("literal", value, LANG_STRING, lang.lower())
    datatype = datatype or XSD_STRING
    return ("literal", canonical(value, datatype), datatype, None)


def from_rdflib(node: rdflib.term.Node) -> Term:
    if isinstance(node, rdflib.URIRef):
        return uri(str(node))
    if isinstance(node, rdflib.BNode):
        return bnode(str(node))
    assert isinstance(node, rdflib.Literal)
    dt = str(node.datatype) if node.datatype else None
    return literal(str(node), dt, node.language)


@dataclass
class Results:
    """A SELECT or ASK result as the comparison needs it."""

    variables: list[str]
    rows: list[dict[str, Term]]
    boolean: bool | None = None
    ordered: bool = False  # the source fixes the order (rs:index)


def parse_srx(data: bytes) -> Results:
    ns = "{http://www.w3.org/2005/sparql-results#}"
    root = ET.fromstring(data)
    variables = [v.get("name", "") for v in root.iter(f"{ns}variable")]
    boolean = root.find(f"{ns}boolean")
    if boolean is not None:
        return Results(variables, [], (boolean.text or "").strip() == "true")
    rows = []
    for result in root.iter(f"{ns}result"):
        row: dict[str, Term] = {}
        for binding in result.findall(f"{ns}binding"):
            row[binding.get("name", "")] = _srx_term(binding[0], ns)
        rows.append(row)
    return Results(variables, rows)


def _srx_term(el: ET.Element, ns: str) -> Term:
    tag = el.tag.removeprefix(ns)
    if tag == "uri":
        return uri(el.text or "")
    if tag == "bnode":
        return bnode(el.text or "")
    if tag == "literal":
        lang = el.get("{http://www.w3.org/XML/1998/namespace}lang")
        return literal(el.text or "", el.get("datatype"), lang)
    if tag == "triple":
        parts = {c.tag.removeprefix(ns): _srx_term(c[0], ns) for c in el}
        return ("triple", parts["subject"], parts["predicate"], parts["object"])
    raise ValueError(f"unknown SPARQL XML term {tag}")


def parse_srj(data: bytes) -> Results:
    doc = json.loads(data)
    variables = doc.get("head", {}).get("vars", [])
    if "boolean" in doc:
        return Results(variables, [], bool(doc["boolean"]))
    rows = [
        {k: _srj_term(v) for k, v in b.items()} for b in doc.get("results", {}).get("bindings", [])
    ]
    return Results(variables, rows)


def _srj_term(v: dict) -> Term:
    kind = v["type"]
    if kind == "uri":
        return uri(v["value"])
    if kind == "bnode":
        return bnode(v["value"])
    if kind in ("literal", "typed-literal"):
        return literal(v["value"], v.get("datatype"), v.get("xml:lang"))
    if kind == "triple":
        t = v["value"]
        parts = (_srj_term(t[k]) for k in ("subject", "predicate", "object"))
        return ("triple", *parts)
    raise ValueError(f"unknown SPARQL JSON term type {kind}")


_TSV_TERM = re.compile(
    r"<(?P<iri>[^>]*)>|_:(?P<bnode>\S+)"
    r'|"(?P<lex>(?:[^"\\]|\\.)*)"(?:@(?P<lang>[A-Za-z0-9-]+)|\^\^<(?P<dt>[^>]*)>)?'
    r"|(?P<num>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<bool>true|false)$"
)
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", '"': '"', "'": "'", "\\": "\\", "b": "\b", "f": "\f"}


def _unescape(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        s = m.group(1)
        if s[0] in "uU":
            return chr(int(s[1:], 16))
        return _ESCAPES[s]

    return re.sub(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)", repl, text)


def tsv_term(cell: str) -> Term | None:
    """A TSV cell (Turtle/N-Triples term syntax, bare numbers and booleans) -> a term."""
    if cell == "":
        return None
    m = _TSV_TERM.fullmatch(cell)
    if m is None:
        raise ValueError(f"not an RDF term in TSV syntax: {cell!r}")
    if m["iri"] is not None:
        return uri(m["iri"])
    if m["bnode"] is not None:
        return bnode(m["bnode"])
    if m["lex"] is not None:
        return literal(_unescape(m["lex"]), m["dt"], m["lang"])
    if m["bool"] is not None:
        return literal(m["bool"], str(XSD.boolean))
    num = m["num"]
    dt = XSD.double if "e" in num.lower() else XSD.decimal if "." in num else XSD.integer
    return literal(num, str(dt))


def parse_tsv(data: bytes) -> Results:
    lines = data.decode("utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = [v.removeprefix("?").removeprefix("$") for v in lines[0].split("\t")] if lines else []
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        rows.append(
            {v: t for v, c in zip(header, cells, strict=True) if (t := tsv_term(c)) is not None}
        )
    return Results(header, rows)


def parse_result_graph(graph: rdflib.Graph) -> Results:
    """A result set written in RDF with the DAWG result-set vocabulary (``rs:``)."""
    rs = next(graph.subjects(RDF.type, RS.ResultSet))
    variables = [str(v) for v in graph.objects(rs, RS.resultVariable)]
    boolean = graph.value(rs, RS.boolean)
    if boolean is not None:
        return Results(variables, [], bool(boolean.toPython()))
    indexed: list[tuple[int, dict[str, Term]]] = []
    for solution in graph.objects(rs, RS.solution):
        row = {
            str(graph.value(b, RS.variable)): from_rdflib(graph.value(b, RS.value))
            for b in graph.objects(solution, RS.binding)
        }
        index = graph.value(solution, RS.index)
        indexed.append((int(index) if index is not None else 0, row))
    ordered = any(graph.value(s, RS.index) is not None for s in graph.objects(rs, RS.solution))
    indexed.sort(key=lambda x: x[0])
    return Results(variables, [row for _, row in indexed], ordered=ordered)


RDF_FORMATS = {".ttl": "turtle", ".rdf": "xml", ".nt": "nt", ".srx": None, ".srj": None}


def parse_graph(data: bytes, fmt: str, base: str) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(data=data, format=fmt, publicID=base)
    return g


@dataclass
class Expected:
    """What a test expects: a result set, a graph, or CSV/TSV bytes."""

    results: Results | None = None
    graph: rdflib.Graph | None = None
    raw: bytes | None = None  # the file as W3C wrote it (CSV and TSV)


def expected_of(test: W3CTest) -> Expected:
    assert test.result is not None
    path, data = test.result, test.result.read_bytes()
    suffix = path.suffix
    if suffix == ".srx":
        return Expected(results=parse_srx(data))
    if suffix == ".srj":
        return Expected(results=parse_srj(data))
    if suffix == ".tsv":
        return Expected(results=parse_tsv(data), raw=data)
    if suffix == ".csv":
        return Expected(raw=data)
    g = parse_graph(data, RDF_FORMATS[suffix] or "turtle", nominal(path))
    if (None, RDF.type, RS.ResultSet) in g:
        return Expected(results=parse_result_graph(g))
    return Expected(graph=g)


# --- comparison -----------------------------------------------------------------------------


def _bnodes(row: dict[str, Term]) -> bool:
    """Whether the row needs matching term by term (blank nodes, or numbers seen as text)."""
    return any(t[0] in ("bnode", "triple", "number") for t in row.values())


def _match_term(a: Term, b: Term, mapping: dict[str, str], used: set[str]) -> bool:
    if a[0] != b[0] and not (a[0] == "number" and b[0] == "value"):
        return False
    if a[0] == "bnode":
        if a[1] in mapping:
            return mapping[a[1]] == b[1]
        if b[1] in used:
            return False
        mapping[a[1]] = b[1]
        used.add(b[1])
        return True
    if a[0] == "triple":
        return all(_match_term(x, y, mapping, used) for x, y in zip(a[1:], b[1:], strict=True))
    if a[0] == "number":  # ("number", datatype, canonical) against ("value", text) from CSV
        return canonical(b[1], a[1]) == a[2]
    return a == b


def _match_row(a: dict[str, Term], b: dict[str, Term], mapping, used) -> bool:
    if a.keys() != b.keys():
        return False
    trial, trial_used = dict(mapping), set(used)
    if all(_match_term(a[k], b[k], trial, trial_used) for k in a):
        mapping.clear()
        mapping.update(trial)
        used.clear()
        used.update(trial_used)
        return True
    return False


def rows_equal(expected: list[dict], actual: list[dict], ordered: bool) -> bool:
    """Equal as multisets (or sequences), blank nodes up to a consistent renaming."""
    if len(expected) != len(actual):
        return False
    if not any(_bnodes(r) for r in expected) and not any(_bnodes(r) for r in actual):
        if ordered:
            return expected == actual
        key = lambda r: tuple(sorted(r.items()))  # noqa: E731
        return Counter(map(key, expected)) == Counter(map(key, actual))

    def search(i: int, free: list[int], mapping: dict, used: set) -> bool:
        if i == len(expected):
            return True
        candidates = [free[0]] if ordered else free
        for j in candidates:
            m, u = dict(mapping), set(used)
            if _match_row(expected[i], actual[j], m, u):
                rest = [k for k in free if k != j]
                if search(i + 1, rest, m, u):
                    return True
        return False

    return search(0, list(range(len(actual))), {}, set())


def compare_results(expected: Results, actual: Results, ordered: bool) -> str | None:
    """``None`` if equal under the W3C rules, else what differs (for the report)."""
    if expected.boolean is not None or actual.boolean is not None:
        if expected.boolean != actual.boolean:
            return f"expected boolean {expected.boolean}, got {actual.boolean}"
        return None
    if set(expected.variables) != set(actual.variables) and expected.variables:
        return f"variables differ: expected {expected.variables}, got {actual.variables}"
    if not rows_equal(expected.rows, actual.rows, ordered):
        return (
            f"solutions differ: expected {len(expected.rows)} rows "
            f"{_show(expected.rows)}, got {len(actual.rows)} {_show(actual.rows)}"
        )
    return None


def _show(rows: list[dict]) -> str:
    text = "; ".join(
        ", ".join(f"{k}={_term_text(v)}" for k, v in sorted(r.items())) for r in rows[:4]
    )
    return f"[{text}{' ...' if len(rows) > 4 else ''}]"


def _term_text(t: Term) -> str:
    if t[0] == "uri":
        return f"<{t[1]}>"
    if t[0] == "bnode":
        return f"_:{t[1]}"
    if t[0] == "literal":
        suffix = f"@{t[3]}" if t[3] else "" if t[2] == XSD_STRING else f"^^<{t[2]}>"
        return f'"{t[1]}"{suffix}'
    if t[0] in ("value", "cell"):
        return repr(t[1])
    if t[0] == "number":
        return f"{t[2]} ({t[1].rsplit('#', 1)[-1]})"
    return f"<<{' '.join(_term_text(x) for x in t[1:])}>>"


def csv_value(t: Term | None) -> str:
    """What the CSV format writes for a term: the IRI, the lexical form, or ``_:label``."""
    if t is None:
        return ""
    if t[0] == "bnode":
        return f"_:{t[1]}"
    if t[0] == "triple":
        return " ".join(csv_value(x) for x in t[1:])
    return t[1]


def _csv_rows(data: bytes) -> tuple[list[str], list[dict[str, Term]]]:
    """CSV -> header and rows of plain values (``_:x`` values become blank nodes to rename)."""
    reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    records = list(reader)
    header, rows = (records[0] if records else []), []
    for record in records[1:]:
        if not header:  # no variables: every solution is an empty line
            rows.append({})
            continue
        record = record or [""]  # one unbound variable: an empty line
        row: dict[str, Term] = {}
        for name, value in zip(header, record, strict=True):
            if value.startswith("_:"):
                row[name] = bnode(value[2:])
            elif value != "":
                row[name] = ("value", value)
        rows.append(row)
    return header, rows


def _split_lines(data: bytes, eol: bytes) -> list[bytes] | None:
    if not data.endswith(eol):
        return None
    lines = data[: -len(eol)].split(eol)
    return lines


def compare_csv_bytes(expected: bytes, actual: bytes, ordered: bool) -> str | None:
    """CSV as the spec fixes it: CRLF line ends, the header, every row's bytes; row order
    free unless ORDER BY; blank node labels up to renaming (W3C's files end lines with LF,
    which the spec does not allow, so the expected lines are read with either ending)."""
    if b"\r\n" not in actual and actual.count(b"\n") > 0:
        return "lines must end with CRLF (RFC 4180, as the SPARQL CSV format requires)"
    want = expected.replace(b"\r\n", b"\n").decode("utf-8")
    got = actual.replace(b"\r\n", b"\n").decode("utf-8")
    want_lines, got_lines = want.rstrip("\n").split("\n"), got.rstrip("\n").split("\n")
    if want_lines[0] != got_lines[0]:
        return f"header differs: expected {want_lines[0]!r}, got {got_lines[0]!r}"
    return _compare_lines(want_lines[1:], got_lines[1:], ",", ordered)


def compare_tsv_bytes(expected: bytes, actual: bytes, ordered: bool) -> str | None:
    """TSV: LF line ends, header and rows byte for byte (blank node labels renamed)."""
    want = expected.decode("utf-8").rstrip("\n").split("\n")
    got = actual.decode("utf-8").rstrip("\n").split("\n")
    if b"\r" in actual:
        return "TSV lines must end with LF"
    if want[0] != got[0]:
        return f"header differs: expected {want[0]!r}, got {got[0]!r}"
    return _compare_lines(want[1:], got[1:], "\t", ordered)


def _compare_lines(want: list[str], got: list[str], sep: str, ordered: bool) -> str | None:
    def cells(line: str) -> dict[str, Term]:
        out: dict[str, Term] = {}
        for i, c in enumerate(line.split(sep)):
            out[str(i)] = bnode(c[2:]) if c.startswith("_:") else ("cell", c)
        return out

    if rows_equal([cells(x) for x in want], [cells(x) for x in got], ordered):
        return None
    return f"rows differ: expected {want[:4]}, got {got[:4]}"


def compare_csv_values(expected: Results, actual: bytes) -> str | None:
    """An evaluation test's solutions as the CSV format must write them (values only)."""
    header, rows = _csv_rows(actual)
    if set(header) != set(expected.variables) and expected.variables:
        return f"CSV header {header} differs from {expected.variables}"
    want = [
        {k: _csv_expected(v) for k, v in row.items() if csv_value(v) != "" or v[0] != "literal"}
        for row in expected.rows
    ]
    if not rows_equal(want, rows, ordered=False):
        return f"CSV rows differ: expected {_show(want)}, got {_show(rows)}"
    return None


def _csv_expected(t: Term) -> Term:
    if t[0] == "bnode":
        return t
    if t[0] == "literal" and t[2] in VALUE_TYPES:  # the CSV text is compared by value
        return ("number", t[2], t[1])
    return ("value", csv_value(t))


def compare_graphs(expected: rdflib.Graph, actual: rdflib.Graph) -> str | None:
    if isomorphic(expected, actual):
        return None
    return f"graphs are not isomorphic: expected {len(expected)} triples, got {len(actual)}"


def has_top_level_order_by(query: str) -> bool:
    """Whether the solutions' order is fixed: an ORDER BY outside every group (not only in a
    subquery). The guard's lexer skips strings, IRIs and comments."""
    tokens = tokenize(decode_codepoint_escapes(query), max_depth=10_000)
    return any(t.kind == "word" and t.text.upper() == "ORDER" and t.depth == 0 for t in tokens)


# --- endpoints ------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    content_type: str
    body: bytes

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Endpoint(Protocol):
    """A SPARQL service: ``path`` is ``/sparql`` plus a query string."""

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> Answer: ...


#: What each result family is asked for in, as a client asks: by ``Accept``.
SOLUTION_MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_MEDIA = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "jsonld": "json-ld", "rdfxml": "xml"}


def query_path(query: str, default: Iterable[str] | None, named: Iterable[str] | None) -> str:
    params = [("query", query)]
    params += [("default-graph-uri", g) for g in default or ()]
    params += [("named-graph-uri", g) for g in named or ()]
    return "/sparql?" + urlencode(params)
