"""Files -> one rdflib graph, failing loudly with ``file:line:column`` on anything unreadable.

Besides the graph, loading keeps a light source map (where each subject is first written as
a subject at the start of a line), so a validation report can point a person at the exact
line to edit. The map is a text scan, not a second parser: it is only ever a hint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

from rdflib import RDF, BNode, Dataset, Graph, URIRef
from rdflib.exceptions import ParserError
from rdflib.plugins.parsers.notation3 import BadSyntax

from subdip import paths
from subdip.errors import LoadError

#: File extension -> rdflib parser name. Everything else in a directory is ignored.
FORMATS: dict[str, str] = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig"}
_QUAD_FORMATS = {"nquads", "trig"}

_PREFIX_RE = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE
)
_BASE_RE = re.compile(r"^\s*(?:@base|BASE)\s+<([^>]*)>", re.IGNORECASE | re.MULTILINE)
_SUBJECT_RE = re.compile(r"^(<[^>\s]*>|[A-Za-z][\w.-]*:[^\s;,]*|:[^\s;,]*|_:[^\s;,]+)")
# rdflib messages for unbound prefixes read 'Prefix "foo:" not bound'
_UNBOUND_RE = re.compile(r'Prefix "([^"]*)" not bound')


@dataclass(frozen=True)
class SourceLocation:
    """Where a node is defined: the first line where it is written as a subject in a file that
    gives its type (else the first line where it is a subject at all); 1-based."""

    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class LoadedGraph:
    """The merged graph of some files, and where each subject was defined."""

    graph: Graph
    files: list[Path]
    _where: dict[URIRef, SourceLocation] = field(default_factory=dict, repr=False)

    def locate(self, node: object) -> SourceLocation | None:
        """File and line where ``node`` is defined, or ``None`` when the scan did not see it.

        A blank node has no name in the text; it is located at the first named subject
        that refers to it (e.g. the agreement that owns a qualified relation node).
        """
        if isinstance(node, URIRef):
            return self._where.get(node)
        if isinstance(node, BNode):
            seen: set[BNode] = set()
            current: BNode = node
            for _ in range(32):  # bounded walk up a chain of nested blank nodes
                seen.add(current)
                parent = next(iter(self.graph.subjects(None, current)), None)
                if parent is None or parent in seen:
                    return None
                if isinstance(parent, URIRef):
                    return self._where.get(parent)
                if not isinstance(parent, BNode):
                    return None
                current = parent
        return None


def _fail(path: Path, line: int, column: int, what: str, fix: str) -> LoadError:
    return LoadError(f"{path}:{line}:{column}: {what} — {fix}")


def expand(paths_: Iterable[Path], *, exclude: Iterable[Path] = ()) -> list[Path]:
    """Files named by ``paths_``: files as given, directories searched recursively.

    A missing path or a directory without any RDF file is an error, so a typo can never
    turn into "0 files, all valid".
    """
    excluded = {p.resolve() for p in exclude}
    found: list[Path] = []
    for raw in paths_:
        path = Path(raw)
        if not path.exists():
            raise LoadError(
                f"{path}: no such file or directory — check the path "
                "(give Turtle files or folders that hold them)"
            )
        if path.is_dir():
            inside = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in FORMATS
                and not any(parent.resolve() in excluded for parent in p.parents)
            )
            if not inside:
                raise LoadError(
                    f"{path}: this directory holds no RDF file "
                    f"({', '.join('*' + e for e in FORMATS)}) — point at the folder with the data"
                )
            found.extend(inside)
        else:
            found.append(path)
    if not found:
        raise LoadError("no input files were given — name at least one Turtle file or folder")
    # keep the order given, drop duplicates
    unique: dict[Path, None] = {}
    for p in found:
        unique.setdefault(p, None)
    return list(unique)


def _decode(path: Path, raw: bytes) -> str:
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")  # a byte-order mark is not data
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise _fail(
            path,
            line,
            column,
            f"not UTF-8 (byte 0x{raw[err.start]:02x} at byte offset {err.start})",
            "save the file as UTF-8",
        ) from None


def _position(text: str, index: int) -> tuple[int, int]:
    index = max(0, min(index, len(text)))
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def _parse_error(path: Path, err: BadSyntax) -> LoadError:
    text = err._str.decode("utf-8", errors="replace")
    line, column = _position(text, err._i)
    why = err._why
    unbound = _UNBOUND_RE.search(why)
    if unbound:
        prefix = unbound.group(1).rstrip(":")
        return _fail(
            path,
            line,
            column,
            f"unknown prefix '{prefix}:'",
            f"declare it with '@prefix {prefix}: <...> .' at the top of the file",
        )
    return _fail(path, line, column, f"malformed Turtle ({why})", "fix the syntax at this point")


def _first_bad_line(text: str, fmt: str) -> int:
    """N-Triples/N-Quads are line-based: find the first line that does not parse alone."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            (Dataset() if fmt in _QUAD_FORMATS else Graph()).parse(data=line, format=fmt)
        except (ParserError, BadSyntax, ValueError):
            return number
    return 1


def _parse_file(path: Path, text: str, fmt: str) -> Graph:
    target: Graph = Dataset() if fmt in _QUAD_FORMATS else Graph()
    try:
        target.parse(data=text, format=fmt, publicID=path.resolve().as_uri())
    except BadSyntax as err:
        raise _parse_error(path, err) from None
    except ParserError as err:  # N-Triples/N-Quads parsers give no position
        line = _first_bad_line(text, fmt)
        raise _fail(path, line, 1, f"malformed {fmt} ({err})", "fix the syntax") from None
    except ValueError as err:  # e.g. a bad IRI or an invalid language tag
        raise _fail(path, 1, 1, f"cannot parse ({err})", "fix the term it names") from None
    if isinstance(target, Dataset):
        merged = Graph()
        for s, p, o, _g in target.quads((None, None, None, None)):
            merged.add((s, p, o))
        return merged
    return target


def _scan_subjects(path: Path, text: str) -> Iterator[tuple[URIRef, int]]:
    """Subjects written at the start of a line, resolved with the file's own prefixes."""
    prefixes = {(m.group(1) or ""): m.group(2) for m in _PREFIX_RE.finditer(text)}
    base_match = _BASE_RE.search(text)
    base = base_match.group(1) if base_match else path.resolve().as_uri()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line[0] in " \t#@[(":
            continue
        match = _SUBJECT_RE.match(line)
        if match is None:
            continue
        token = match.group(1).rstrip(".;,")
        if token.startswith("_:"):
            continue
        if token.startswith("<"):
            yield URIRef(urljoin(base, token[1:-1])), number
            continue
        prefix, _, local = token.partition(":")
        namespace = prefixes.get(prefix)
        if namespace is not None:
            yield URIRef(namespace + local.replace("\\", "")), number


def load_graph(paths_: Iterable[Path]) -> LoadedGraph:
    """Parse every file (Turtle, N-Triples, N-Quads or TriG by extension) into one graph.

    Raises ``LoadError`` with ``file:line:column: what — how to fix`` for a missing path,
    a folder without RDF files, a file that is not UTF-8, malformed input, an unknown
    prefix, or a file that holds no triple at all.
    """
    files = expand(paths_)
    graph = Graph()
    where: dict[URIRef, SourceLocation] = {}
    typed_where: dict[URIRef, SourceLocation] = {}  # preferred: where the node gets its type
    for path in files:
        fmt = FORMATS.get(path.suffix.lower(), "turtle")
        text = _decode(path, path.read_bytes())
        parsed = _parse_file(path, text, fmt)
        if len(parsed) == 0:
            raise _fail(
                path,
                1,
                1,
                "no triples (the file is empty or holds only comments and prefixes)",
                "add data or remove the file",
            )
        for prefix, namespace in parsed.namespaces():
            if prefix and prefix not in dict(graph.namespaces()):
                graph.bind(prefix, namespace, override=False)
        graph += parsed
        for subject, line in _scan_subjects(path, text):
            where.setdefault(subject, SourceLocation(path, line))
            if subject not in typed_where and (subject, RDF.type, None) in parsed:
                typed_where[subject] = SourceLocation(path, line)
    where.update(typed_where)
    return LoadedGraph(graph=graph, files=files, _where=where)


def data_files(paths_: Iterable[Path] | None = None) -> list[Path]:
    """Data files to load: the given paths, or the shipped ``data/`` without ``data/links/``."""
    if paths_ is not None:
        return expand(paths_)
    root = paths.data_dir()
    return expand([root], exclude=[root / "links"])


def link_files() -> list[Path]:
    """The shipped Wikidata links (``data/links/*.ttl``), kept out of the reasoned graph."""
    folder = paths.data_dir() / "links"
    return sorted(folder.glob("*.ttl")) if folder.is_dir() else []


def ontology_graph() -> Graph:
    """The ontology: every module merged (core, China, entry point); alignments stay out."""
    return load_graph(paths.ontology_files()).graph
