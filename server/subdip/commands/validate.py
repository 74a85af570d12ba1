"""`subdip validate`: check data files against the SHACL shapes and the ontology.

Exit codes: 0 the data conforms, 1 it does not (the report is printed), 2 a usage or load
error (one line naming file:line:column).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from subdip.loading import data_files, link_files, load_graph, ontology_graph
from subdip.validation import ENGINES, FAST_THRESHOLD, shapes_graph, validate

FORMATS = ("text", "json", "turtle")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "validate",
        help="check data files against the SHACL shapes and the ontology",
        description=(
            "Validate RDF data (Turtle; also N-Triples, N-Quads, TriG by extension) against "
            "subdip's SHACL shapes, with the ontology's class hierarchy. Without PATH, the "
            "shipped data/ (with its Wikidata links) is validated."
        ),
        epilog="Exit codes: 0 conforms, 1 violations found (report printed), "
        "2 usage or load error.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="data files or folders (searched recursively); default: the shipped data",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="report format: text (grouped by file), json, or turtle (the SHACL report graph)",
    )
    parser.add_argument(
        "--shapes",
        type=Path,
        action="append",
        metavar="PATH",
        help="use these shapes files or folders instead of the shipped shapes (repeatable)",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="SHACL engine: pyshacl (the reference), fast (one SPARQL query per constraint on "
        f"Oxigraph, for large data), auto (pyshacl below {FAST_THRESHOLD:,} triples; default)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    files = data_files(args.paths) if args.paths else data_files() + link_files()
    loaded = load_graph(files)
    result = validate(
        loaded.graph,
        ontology=ontology_graph(),
        shapes=shapes_graph(args.shapes),
        locate=loaded.locate,
        engine=args.engine,
    )
    if args.format == "json":
        sys.stdout.write(result.as_json())
    elif args.format == "turtle":
        sys.stdout.write(result.as_turtle())
    else:
        sys.stdout.write(result.text())
        print(f"({len(loaded.files)} file(s), {len(loaded.graph)} triples)", file=sys.stderr)
    return 0 if result.conforms else 1
