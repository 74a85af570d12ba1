"""`subdip build`: load, validate, reason, and write the dataset artefact (cached, atomic).

Exit codes: 0 built or already up to date; 1 the data does not conform (the report is printed,
nothing is written); 2 usage or load error; 3 build error (inconsistent data, unwritable target).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from subdip import progress
from subdip.build import STAGES, build
from subdip.errors import NotConformingError
from subdip.reasoning import AUTO_THRESHOLD, ENGINES


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "build",
        help="validate the data, compute the inferences and write the dataset artefact",
        description=(
            "Load the ontology and data, validate them against the shapes, compute the OWL 2 RL "
            "inferences and write the artefact: dataset.nq (named graphs ontology, asserted, "
            "inferred, links), store/ (pyoxigraph, served read-only) and report.json. A build "
            "whose inputs have not changed is reused."
        ),
        epilog="Exit codes: 0 built or up to date, 1 data does not conform (nothing written), "
        "2 usage or load error, 3 build error.",
    )
    parser.add_argument("--out", type=Path, metavar="DIR", help="artefact folder (default ./build)")
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help=f"reasoner: owlrl (reference), fast (the ontology's own rules, for large data), "
        f"auto (owlrl below {AUTO_THRESHOLD:,} asserted triples; default)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        action="append",
        metavar="PATH",
        help="data files or folders instead of the shipped data/ (repeatable)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    reporter = progress.Reporter(total=len(STAGES)) if progress.wanted() else None
    try:
        result = build(
            data_paths=args.data,
            out=args.out,
            force=args.force,
            engine=args.engine,
            progress=reporter,
        )
    except NotConformingError as err:
        if reporter is not None:
            reporter.done()
        report = err.report
        if report is not None and hasattr(report, "text"):
            sys.stdout.write(report.text())
        print(f"subdip build: {err}", file=sys.stderr)
        return err.exit_code
    print(result.summary(), file=sys.stderr)
    return 0
