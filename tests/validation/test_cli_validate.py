"""`subdip validate` end to end: exit codes, one-line load errors with file:line:column, formats."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph, Namespace
from validation_cases import CASES

from subdip import cli

SH = Namespace("http://www.w3.org/ns/shacl#")
PREFIX = "@prefix ex: <https://example.org/> .\n"


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize(
    ("name", "content", "where", "what"),
    [
        # the string literal on line 3 is not closed
        ("malformed.ttl", PREFIX + 'ex:a ex:b ex:c .\nex:a ex:b "open .\n', ":3:", "malformed"),
        # one object too many on line 3: the error is at the extra token, ex:f (column 13)
        (
            "extra-object.ttl",
            PREFIX + "ex:a ex:b ex:c ;\n  ex:d ex:e ex:f .\n",
            ":3:13:",
            "malformed",
        ),
        ("prefix.ttl", PREFIX + "\nex:a foo:b ex:c .\n", ":3:6:", "unknown prefix 'foo:'"),
        (
            "latin1.ttl",
            PREFIX.encode() + 'ex:a ex:b "Praha\xe9" .\n'.encode("latin-1"),
            ":2:17:",
            "not UTF-8",
        ),
        ("empty.ttl", "", ":1:1:", "no triples"),
        ("comments.ttl", "# only a comment\n\n" + PREFIX, ":1:1:", "no triples"),
    ],
)
def test_bad_file_is_a_one_line_load_error(
    tmp_path: Path, capsys, name: str, content: str | bytes, where: str, what: str
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    code, out, err = _cli(capsys, str(path))
    assert code == 2, err
    line = _one_line_error(err)
    assert f"{path}{where}" in line, line
    assert what in line, line
    assert out == ""


def test_malformed_literal_line_and_column(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bad.ttl"
    third = 'ex:a ex:b "open .'
    path.write_text(PREFIX + "ex:a ex:b ex:c .\n" + third + "\n", encoding="utf-8")
    _code, _out, err = _cli(capsys, str(path))
    # rdflib stops at the newline that ends the unclosed string on line 3
    assert f"{path}:3:{len(third) + 1}:" in err


def test_missing_path(tmp_path: Path, capsys) -> None:
    code, _out, err = _cli(capsys, str(tmp_path / "nowhere.ttl"))
    assert code == 2
    line = _one_line_error(err)
    assert "nowhere.ttl: no such file or directory" in line


def test_directory_without_turtle_is_an_error(tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("not RDF", encoding="utf-8")
    code, _out, err = _cli(capsys, str(tmp_path))
    assert code == 2
    assert "holds no RDF file" in _one_line_error(err)


def test_invalid_case_exits_1_with_a_report_at_file_and_line(capsys) -> None:
    case = CASES / "invalid" / "relation-not-claimed.ttl"
    code, out, _err = _cli(capsys, str(CASES / "base.ttl"), str(case))
    assert code == 1
    # the focus node id:case-city is defined in base.ttl; the report points at its line
    base_lines = (CASES / "base.ttl").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(base_lines, 1) if text.startswith("id:case-city "))
    assert f"base.ttl:{line}: Violation: id:case-city" in out
    assert "no subdip:Claim describes it" in out


def test_json_and_turtle_formats(capsys) -> None:
    case = CASES / "invalid" / "actor-unsourced.ttl"
    code, out, _err = _cli(capsys, "--format", "json", str(CASES / "base.ttl"), str(case))
    assert code == 1
    payload = json.loads(out)
    assert payload["conforms"] is False
    assert payload["counts"]["Violation"] == 1
    (result,) = payload["results"]
    assert result["focus"] == "id:case-province"
    assert result["path"] == "dcterms:source"
    assert result["file"].endswith("actor-unsourced.ttl") and result["line"] > 0
    code, out, _err = _cli(capsys, "--format", "turtle", str(CASES / "base.ttl"), str(case))
    assert code == 1
    report = Graph().parse(data=out, format="turtle")
    assert len(list(report.subjects(SH.conforms, None))) == 1
    assert len(list(report.objects(None, SH.result))) == 1


def test_valid_files_exit_0(capsys) -> None:
    code, out, _err = _cli(capsys, str(CASES / "base.ttl"), str(CASES / "valid" / "agreement.ttl"))
    assert code == 0
    assert "conforms" in out


def test_console_script_reports_a_load_error_without_traceback(
    subdip_exe: str, tmp_path: Path
) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text(PREFIX + "ex:a ex:b .\n", encoding="utf-8")
    done = subprocess.run(
        [subdip_exe, "validate", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    line = _one_line_error(done.stderr)
    assert f"{path}:2:" in line


def test_shipped_data_conforms(subdip_exe: str) -> None:
    """The shipped data/ (with its links) passes `subdip validate`."""
    done = subprocess.run([subdip_exe, "validate"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
