"""`subdip explain S P O`: why a triple holds (its derivation and sources) or that it does not.

Terms are prefixed names (``id:ccp``, ``subdip:controls``; ``a`` for rdf:type), IRIs with or
without angle brackets, or literals in Turtle syntax (``'"Hainan"@en'``). The dataset is built
first when needed (a build is reused when its inputs have not changed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from subdip import paths
from subdip.build import build
from subdip.explain import StoreView, explain
from subdip.reasoning import ENGINES
from subdip.store import open_store, read_report
from subdip.terms import parse_term


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "explain",
        help="say why a triple holds: the rules, axioms and sourced asserted triples behind it",
        description=(
            "Explain a triple of the built dataset. An asserted triple is shown with its "
            "sources (the publications of the claims that state it); an inferred one with the "
            "OWL 2 RL rule, the ontology axiom and the premises, down to asserted triples; a "
            "triple that does not hold is reported as such."
        ),
        epilog="Example: subdip explain id:ccp subdip:controls id:sansha. Exit codes: 0 "
        "explained (including 'does not hold'), 2 usage or load error, 1/3 the build failed.",
    )
    parser.add_argument("subject", help="prefixed name or IRI, e.g. id:ccp")
    parser.add_argument("predicate", help="prefixed name or IRI, e.g. subdip:controls, or 'a'")
    parser.add_argument("object", help="prefixed name, IRI or Turtle literal")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="the build artefact's folder (default ./build)"
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help="engine if a build is needed (default: the one the existing artefact was built "
        "with, else auto)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    s = parse_term(args.subject, position="subject")
    p = parse_term(args.predicate, position="predicate")
    o = parse_term(args.object, position="object")
    out = args.out or paths.default_build_dir()
    engine = args.engine
    if engine is None:  # reuse an up-to-date artefact whichever engine built it
        requested = (read_report(out) or {}).get("engine_requested")
        engine = requested if requested in ENGINES else "auto"
    result = build(out=out, engine=engine)
    view = StoreView(open_store(result.out))
    explanation = explain(view, s, p, o)
    if args.format == "json":
        sys.stdout.write(explanation.as_json())
    else:
        sys.stdout.write(explanation.text())
        if not explanation.holds:
            for name, term in (("subject", s), ("object", o)):
                if not view.mentions(term):
                    print(
                        f"note: the {name} {args.__dict__[name]} occurs nowhere in the dataset "
                        "(a typo?)",
                        file=sys.stderr,
                    )
    return 0
