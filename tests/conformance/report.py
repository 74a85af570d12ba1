"""Regenerate ``docs/conformance.md``: the W3C SPARQL 1.1 suites against ``subdip serve`` and,
for comparison, ``oxigraph serve-read-only`` over the same store, on the same requests.

Run with ``./scripts/conformance`` (or ``.venv/bin/python tests/conformance/report.py``). The
pytest modules beside this file assert the same outcomes in CI; this writes them down.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import w3c  # noqa: E402
import w3c_runner as runner  # noqa: E402
from w3c_endpoints import HttpEndpoint, make_store, serve_oxigraph, serve_subdip  # noqa: E402
from w3c_runner import Outcome  # noqa: E402

ROOT = HERE.parents[1]
OUT = ROOT / "docs" / "conformance.md"


def run_suites(ep: HttpEndpoint, *, policy: bool) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for folder in (*w3c.SYNTAX_FOLDERS, *w3c.EVALUATION_FOLDERS):
        for t in w3c.load_manifest(folder):
            run = runner.run_syntax if t.is_syntax else runner.run_evaluation
            outcomes.append(run(t, ep))
    for t in runner.protocol_tests():
        if t.is_update and not policy:
            continue
        outcomes.append(runner.run_protocol(t, ep))
    for name in runner.SD_TEST_NAMES:
        outcomes.append(runner.run_service_description(name, ep, ep.url))
    if policy:
        for folder in w3c.UPDATE_FOLDERS:
            outcomes += [runner.run_update(t, ep) for t in w3c.load_manifest(folder) if t.query]
        for folder in w3c.FEDERATION_FOLDERS:
            outcomes += [runner.run_federated(t, ep) for t in w3c.load_manifest(folder)]
    return outcomes


def acceptance(ep: HttpEndpoint) -> dict[str, int]:
    """The issue's acceptance run: is each syntax and evaluation query accepted (200) or
    refused (4xx)? Data differs between services, so only acceptance is judged."""
    counts: Counter[str] = Counter()
    for folder in (*w3c.SYNTAX_FOLDERS, *w3c.EVALUATION_FOLDERS):
        for t in w3c.load_manifest(folder):
            if t.query is None:
                continue
            path = w3c.query_path(t.query_text(), [w3c.EMPTY_GRAPH], [w3c.EMPTY_GRAPH])
            answer = ep.request("GET", path, {"Accept": "*/*"})
            valid = not t.is_syntax or t.is_positive
            ok = answer.status == 200
            counts["valid" if valid else "invalid"] += 1
            if valid and ok:
                counts["valid accepted"] += 1
            if not valid and 400 <= answer.status < 500:
                counts["invalid refused"] += 1
    return dict(counts)


def manifest_of(test_id: str) -> str:
    return test_id.split("/", 1)[0]


def table(subdip: list[Outcome], oxigraph: list[Outcome]) -> list[str]:
    by: dict[str, Counter[str]] = defaultdict(Counter)
    ox: dict[str, Counter[str]] = defaultdict(Counter)
    for o in subdip:
        by[manifest_of(o.test)][o.status] += 1
    for o in oxigraph:
        ox[manifest_of(o.test)][o.status] += 1
    lines = [
        "| manifest | tests | passed | failed | refused by policy "
        "| oxigraph serve: passed / failed |",
        "|---|---:|---:|---:|---:|---|",
    ]
    total: Counter[str] = Counter()
    ox_total: Counter[str] = Counter()
    for name in sorted(by):
        c, o = by[name], ox.get(name)
        total.update(c)
        ox_cell = "not run (policy)" if o is None else f"{o['passed']} / {o['failed']}"
        if o is not None:
            ox_total.update(o)
        lines.append(
            f"| {name} | {sum(c.values())} | {c['passed']} | {c['failed']} | {c['policy']} "
            f"| {ox_cell} |"
        )
    for name, reason in sorted(w3c.NOT_APPLICABLE.items()):
        count = sum(1 for _ in _entries(name))
        lines.append(f"| {name} | {count} | – | – | – (not run: {reason}) | not run |")
    lines.append(
        f"| **all run** | {sum(total.values())} | {total['passed']} | {total['failed']} | "
        f"{total['policy']} | {ox_total['passed']} / {ox_total['failed']} |"
    )
    return lines


def _entries(folder: str) -> list[object]:
    """The tests a manifest describes (typed ...Test; not all manifests list mf:entries)."""
    found = set()
    for path in (w3c.SUITE / folder).glob("manifest*.ttl"):
        g = w3c.rdflib.Graph().parse(path, format="turtle", publicID=w3c.nominal(path))
        found |= {s for s, t in g.subject_objects(w3c.RDF.type) if str(t).endswith("Test")}
    return list(found)


def write(subdip: list[Outcome], oxigraph: list[Outcome], accept: dict, ox_accept: dict) -> str:
    ox_by_id = {o.test: o for o in oxigraph}
    failed = [o for o in subdip if o.status == "failed"]
    noted = [o for o in subdip if o.note]
    policy = Counter(o.reason for o in subdip if o.status == "policy")
    lines = [
        "# Conformance with the W3C SPARQL 1.1 test suites",
        "",
        "Generated by `./scripts/conformance` (`tests/conformance/report.py`) on "
        f"{time.strftime('%Y-%m-%d')}; do not edit by hand. The same outcomes are asserted "
        "by `tests/conformance/` in CI (`./scripts/test`).",
        "",
        "**What runs.** The suites as W3C publishes them (`../shared/w3c/sparql11`, rdf-tests "
        "commit ad541a5f0479; W3C test-suite licence), driven by their manifests. One store "
        "holds every test's data, each file in the named graph the suite gives it; every "
        "request goes to a running `subdip serve` over HTTP, so each query passes the "
        "protocol parsing, the guard, execution in a query process and serialisation exactly "
        "as a user's does. `oxigraph serve-read-only` (pyoxigraph's engine behind Oxigraph's "
        "own Rust server, version of the pip package `oxigraph`) gets the same requests over "
        "a copy of the same store.",
        "",
        "**How results are judged.** Syntax tests: a valid query must be answered 200 on an "
        "empty dataset; an invalid one 400 with a message naming the line and column. "
        "Evaluation tests run once per result format the endpoint offers (SPARQL JSON, XML, "
        "CSV and TSV; Turtle, N-Triples, JSON-LD and RDF/XML for graphs) and every answer is "
        "compared with the expected file: solutions as multisets, blank nodes up to a "
        "consistent renaming, order only under a top-level ORDER BY (or an `rs:index` in the "
        "expected file), graphs by isomorphism; numeric and boolean literals of the same "
        'datatype compare by value (`"3.0E4"^^xsd:double` = `"30000"^^xsd:double`: the '
        "expected files were written by several engines). CSV carries no types, so CSV "
        "answers are compared value by value; the CSV/TSV result-format tests are compared "
        "line by line, byte for byte (CRLF line ends for CSV; rows in any order unless ORDER "
        "BY; blank-node labels renamed). Each evaluation query is sent with `BASE <its W3C "
        "IRI>`, because the suites resolve a query's relative IRIs against the query "
        "document; the dataset (qt:data, qt:graphData) is named with `default-graph-uri` and "
        "`named-graph-uri` unless the query has its own FROM. Protocol tests send the "
        "manifest's HTTP requests as written (`/sparql/` mapped to the endpoint's path) and "
        "check status class, result format and boolean.",
        "",
        "**Base IRI.** A query at `/sparql` without `BASE` resolves relative IRIs against "
        "`https://w3id.org/subdip/id/` (the dataset's resource namespace: `<hainan>` is "
        "`id:hainan` wherever the service runs), and may use the project's prefixes "
        "(`subdip.namespaces.PREFIXES`, listed in the service description) undeclared.",
        "",
        "## Per manifest",
        "",
        *table(subdip, oxigraph),
        "",
        "## The acceptance run (as in the issue)",
        "",
        "Every query of the syntax tests and the evaluation tests, sent to each server on an "
        "empty dataset; only whether it was accepted is judged.",
        "",
        "| | valid queries accepted | invalid queries refused |",
        "|---|---:|---:|",
        f"| subdip serve | {accept.get('valid accepted', 0)} of {accept.get('valid', 0)} | "
        f"{accept.get('invalid refused', 0)} of {accept.get('invalid', 0)} |",
        f"| oxigraph serve-read-only | {ox_accept.get('valid accepted', 0)} of "
        f"{ox_accept.get('valid', 0)} | {ox_accept.get('invalid refused', 0)} of "
        f"{ox_accept.get('invalid', 0)} |",
        "",
        "A valid query that calls an unknown extension function is parsed by subdip and then "
        "refused with a 400 that names the function (Oxigraph's server answers the same "
        "query with a 500); it counts as not accepted here and as a passed syntax test above.",
        "",
        "## Every test subdip does not pass, and why",
        "",
    ]
    if not failed:
        lines.append("None.")
    for o in failed:
        reason = KNOWN.get(o.test, "")
        ox_o = ox_by_id.get(o.test)
        ox_note = f" (oxigraph serve: {ox_o.status})" if ox_o else ""
        lines.append(f"- `{o.test}`{ox_note}: {reason or o.reason}")
        if reason:
            lines.append(f"  - observed: {o.reason[:400]}")
    lines += ["", "## Refused by policy", ""]
    for reason, count in sorted(policy.items()):
        lines.append(f"- {count} tests: {reason}.")
    for name, reason in sorted(w3c.NOT_APPLICABLE.items()):
        lines.append(f"- `{name}/` not run: {reason}.")
    if noted:
        lines += ["", "## Passed, with a note", ""]
        lines += [f"- `{o.test}`: {o.note}." for o in noted]
    ox_failed = [o for o in oxigraph if o.status == "failed"]
    lines += ["", "## Where oxigraph serve-read-only differs", ""]
    subdip_by_id = {o.test: o for o in subdip}
    for o in ox_failed:
        mine = subdip_by_id.get(o.test)
        if mine is None or mine.status != "failed":
            lines.append(f"- `{o.test}` (subdip: {mine.status if mine else '-'}): {o.reason[:300]}")
    text = "\n".join(lines) + "\n"
    # Nothing of this run's machine in the document: ports and working directories vary.
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    return re.sub(r"file://[^'\s]*/", "file:///(its working directory)/", text)


def _known() -> dict[str, str]:
    import test_w3c_evaluation as test_evaluation

    return test_evaluation.KNOWN_FAILURES


KNOWN: dict[str, str] = {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args()
    KNOWN.update(_known())
    with tempfile.TemporaryDirectory(prefix="subdip-w3c-") as tmp:
        build = make_store(Path(tmp) / "build")
        shutil.copytree(build / "store", Path(tmp) / "oxigraph-store")
        subdip = serve_subdip(build, Path(tmp) / "subdip.log")
        oxigraph = serve_oxigraph(Path(tmp) / "oxigraph-store", Path(tmp) / "oxigraph.log")
        try:
            mine = run_suites(subdip.endpoint, policy=True)
            theirs = run_suites(oxigraph.endpoint, policy=False)
            accept = acceptance(subdip.endpoint)
            ox_accept = acceptance(oxigraph.endpoint)
        finally:
            subdip.stop()
            oxigraph.stop()
    args.output.write_text(write(mine, theirs, accept, ox_accept), encoding="utf-8")
    counts = Counter(o.status for o in mine)
    print(f"wrote {args.output}: subdip {dict(counts)}; acceptance {accept}; oxigraph {ox_accept}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
