"""`subdip query` and `subdip serve` as users run them (the console script)."""

from __future__ import annotations

import csv
import io
import subprocess

ID = "https://w3id.org/subdip/id/"


def run(exe, *args, stdin=None):
    return subprocess.run(
        [exe, *args], capture_output=True, text=True, input=stdin, timeout=120, check=False
    )


def test_query_prints_tsv_by_default(subdip_exe, fixture_build):
    result = run(
        subdip_exe,
        "query",
        "--build-dir",
        str(fixture_build),
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?label WHERE { ?s skos:prefLabel ?label } ORDER BY ?label",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:4] == ["?label", '"Hainan"@en', '"Prague"@en', '"Sansha"@en']


def test_query_from_a_file_in_csv(subdip_exe, fixture_build, tmp_path):
    query = tmp_path / "q.rq"
    query.write_text(f"SELECT ?x WHERE {{ <{ID}sansha> ?p ?x FILTER isIRI(?x) }} ORDER BY ?x")
    result = run(
        subdip_exe, "query", "--build-dir", str(fixture_build), "--format", "csv", f"@{query}"
    )
    assert result.returncode == 0, result.stderr
    rows = [r["x"] for r in csv.DictReader(io.StringIO(result.stdout))]
    assert ID + "hainan" in rows


def test_query_refusals_have_their_exit_codes(subdip_exe, fixture_build):
    refused = run(
        subdip_exe,
        "query",
        "--build-dir",
        str(fixture_build),
        "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    )
    assert refused.returncode == 4 and "SERVICE" in refused.stderr
    malformed = run(subdip_exe, "query", "--build-dir", str(fixture_build), "SELECT * {")
    assert malformed.returncode == 4 and "line 1, column" in malformed.stderr
    timeout = run(
        subdip_exe,
        "query",
        "--build-dir",
        str(fixture_build),
        "--timeout",
        "0.5",
        "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    )
    assert timeout.returncode == 5 and "time limit" in timeout.stderr


def test_query_without_an_artefact_says_how_to_build(subdip_exe, tmp_path):
    result = run(subdip_exe, "query", "--build-dir", str(tmp_path), "ASK {}")
    assert result.returncode == 3 and "subdip build" in result.stderr


def test_serve_no_build_without_an_artefact_fails_clearly(subdip_exe, tmp_path):
    result = run(subdip_exe, "serve", "--no-build", "--build-dir", str(tmp_path), "--port", "0")
    assert result.returncode == 3 and "subdip build" in result.stderr


def test_serve_rejects_bad_options(subdip_exe, fixture_build):
    result = run(
        subdip_exe, "serve", "--no-build", "--build-dir", str(fixture_build), "--timeout", "0"
    )
    assert result.returncode == 2 and "--timeout" in result.stderr
