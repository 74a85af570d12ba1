"""The ``subdip`` command line: one subcommand per job, one exit code per kind of outcome.

Exit codes: 0 success; 1 the data does not conform; 2 usage or load error; 3 build error;
4 query refused or malformed; 5 query timed out; 6 external store error; 70 internal error.
Each subcommand lives in ``subdip.commands.<name>`` and calls the same library functions
the web server uses.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from subdip import __version__
from subdip.commands import build, explain, publish, query, serve, validate
from subdip.errors import SubdipError

INTERNAL_ERROR = 70
COMMANDS = (validate, build, explain, query, serve, publish)

log = logging.getLogger("subdip")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="subdip",
        description=(
            "A linked-data knowledge graph on Chinese subnational diplomacy: validate the data, "
            "build the reasoned dataset, explain inferences, query it and serve it over SPARQL."
        ),
        epilog="Exit codes: 0 ok, 1 data does not conform, 2 usage/load error, 3 build error, "
        "4 query refused, 5 query timeout, 6 external store error, 70 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"subdip {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args) or 0)
    except SubdipError as err:
        print(f"subdip {args.command}: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("subdip: interrupted", file=sys.stderr)
        return 130
    except Exception:  # an unexpected failure is ours: log it in full, exit distinctly
        log.exception("internal error in 'subdip %s'; please report it", args.command)
        return INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
