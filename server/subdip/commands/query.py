"""`subdip query`: run a SPARQL query against the built dataset and print the result.

The same guard, time limit and serialisation as the endpoint (an embedded backend with one
query process), so a query that works here works at /sparql and vice versa.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from subdip.errors import UsageError
from subdip.sparql.formats import BY_NAME, NAME_ALIASES, FormatChoice, format_by_name


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "query",
        help="run a SPARQL query against the built dataset",
        description=(
            "Run a read-only SPARQL query against the build artefact (the default graph is the "
            "union of all named graphs) and print the result."
        ),
        epilog="Exit codes: 0 ok, 2 usage error, 3 no artefact, 4 query refused or malformed, "
        "5 query timed out.",
    )
    parser.add_argument("query", help="the query text, @FILE to read it from a file, - for stdin")
    parser.add_argument(
        "--format",
        choices=sorted({*BY_NAME, *NAME_ALIASES}),
        help="result format (default: tsv for SELECT/ASK, turtle for CONSTRUCT/DESCRIBE)",
    )
    parser.add_argument("--build-dir", type=Path, help="artefact folder (default ./build)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument(
        "--default-graph", action="append", metavar="IRI", help="restrict the default graph"
    )
    parser.add_argument("--named-graph", action="append", metavar="IRI", help="restrict GRAPH")
    parser.set_defaults(func=run)


def read_query(arg: str) -> str:
    if arg == "-":
        return sys.stdin.read()
    if arg.startswith("@"):
        path = Path(arg[1:])
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise UsageError(f"cannot read the query file {path}: {err}") from None
    return arg


def run(args: argparse.Namespace) -> int:
    from subdip import paths
    from subdip.backends.embedded import EmbeddedBackend

    text = read_query(args.query)
    if args.format:
        fmt = format_by_name(args.format)
        formats = (
            FormatChoice(solutions=fmt.name, graph="turtle")
            if fmt.family == "solutions"
            else FormatChoice(solutions="tsv", graph=fmt.name)
        )
    else:
        formats = FormatChoice(solutions="tsv", graph="turtle")
    build_dir = args.build_dir or paths.default_build_dir()
    backend = EmbeddedBackend(build_dir, processes=1)
    try:
        outcome = backend.query(
            text,
            default_graphs=args.default_graph,
            named_graphs=args.named_graph,
            timeout=args.timeout,
            formats=formats,
        )
    finally:
        backend.close()
    out = sys.stdout.buffer
    out.write(outcome.body)
    if not outcome.body.endswith(b"\n"):
        out.write(b"\n")
    out.flush()
    return 0
