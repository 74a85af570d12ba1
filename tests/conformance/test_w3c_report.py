"""``docs/conformance.md`` says what the tests here assert: its subdip columns per manifest
equal the counts the manifests and the listed known failures give (regenerate it with
``./scripts/conformance`` when they change)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import test_w3c_evaluation
import w3c
import w3c_runner as runner

DOC = Path(__file__).resolve().parents[2] / "docs" / "conformance.md"


def expected_counts() -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = {}
    for folder in (*w3c.SYNTAX_FOLDERS, *w3c.EVALUATION_FOLDERS):
        c = counts.setdefault(folder, Counter())
        for t in w3c.load_manifest(folder):
            c["failed" if t.id in test_w3c_evaluation.KNOWN_FAILURES else "passed"] += 1
    protocol = counts.setdefault("protocol", Counter())
    for t in runner.protocol_tests():
        protocol["policy" if t.is_update else "passed"] += 1
    counts["service-description"] = Counter(passed=len(runner.SD_TEST_NAMES))
    for folder in w3c.UPDATE_FOLDERS:
        counts[folder] = Counter(policy=sum(1 for t in w3c.load_manifest(folder) if t.query))
    for folder in w3c.FEDERATION_FOLDERS:
        counts[folder] = Counter(policy=len(w3c.load_manifest(folder)))
    return counts


def test_the_report_is_current() -> None:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| ([\w-]+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|", line)
        if m:
            name, total, passed, failed, policy = m.groups()
            rows[name] = (int(total), int(passed), int(failed), int(policy))
    expected = {
        name: (sum(c.values()), c["passed"], c["failed"], c["policy"])
        for name, c in expected_counts().items()
    }
    assert rows == expected, "docs/conformance.md is stale: run ./scripts/conformance"
