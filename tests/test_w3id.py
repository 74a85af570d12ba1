"""w3id/.htaccess (the w3id.org redirects): the deployment base is set once, and the ontology,
its modules, releases and alignments, id/ and graph/ IRIs each go to the same path on it.

The rules are applied here the way Apache's mod_rewrite applies them in a per-directory context
(pattern against the path below subdip/, first matching rule with [L] wins), which is enough
for the plain regular expressions the file uses.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

HTACCESS = Path(__file__).resolve().parents[1] / "w3id" / ".htaccess"
_RULE = re.compile(r"^RewriteRule\s+(\S+)\s+(\S+)(?:\s+\[([^\]]*)\])?\s*$")


def _rules() -> list[tuple[str, str, str]]:
    return [
        (m.group(1), m.group(2), m.group(3) or "")
        for line in HTACCESS.read_text(encoding="utf-8").splitlines()
        if (m := _RULE.match(line.strip()))
    ]


def _base() -> str:
    bases = [
        flags.split("E=SUBDIP_BASE:", 1)[1].split(",")[0]
        for _, _, flags in _rules()
        if "E=SUBDIP_BASE:" in flags
    ]
    assert len(bases) == 1, "the base is set in exactly one rule"
    return bases[0]


def resolve(path: str) -> tuple[str, int]:
    """Where ``https://w3id.org/subdip/<path>`` redirects to, and with which status."""
    env = {"SUBDIP_BASE": _base()}
    for pattern, target, flags in _rules():
        match = re.match(pattern, path)
        if match is None or target == "-":
            continue
        url = re.sub(r"%\{ENV:(\w+)\}", lambda m: env[m.group(1)], target)
        groups = (match.group(0), *match.groups())
        url = re.sub(r"\$(\d)", lambda m, g=groups: g[int(m.group(1))] or "", url)
        status = int(re.search(r"R=(\d+)", flags).group(1))  # type: ignore[union-attr]
        assert "L" in flags.split(","), f"{pattern}: a redirect ends the rules"
        return url, status
    raise AssertionError(f"no rule for {path}")


def test_the_base_is_an_https_url_without_trailing_slash() -> None:
    base = _base()
    assert base.startswith("https://") and not base.endswith("/")
    targets = [target for _, target, _ in _rules() if target != "-"]
    assert all(t.startswith("%{ENV:SUBDIP_BASE}/") for t in targets), targets


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("ontology", 302),
        ("ontology/core", 302),
        ("ontology/china", 302),
        ("ontology/0.1.0", 302),
        ("ontology/0.2.0", 302),
        ("ontology/core/0.2.0", 302),
        ("ontology/china/0.2.0", 302),
        ("ontology/alignments/wikidata", 302),
        ("id/hainan", 303),
        ("id/claim/33-sansha-in-hainan", 303),
        ("graph/asserted", 302),
        ("graph/inferred", 302),
        ("shapes", 302),
        ("sparql", 302),
        ("", 302),
    ],
)
def test_each_iri_goes_to_the_same_path_on_the_server(path: str, status: int) -> None:
    assert resolve(path) == (f"{_base()}/{path}", status)
