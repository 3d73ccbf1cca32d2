"""The WAF's rules on the corpus (tests/plugins/waf/corpus/, README.md there): detection per
category, and every benign line passing but the few named ones.

A value counts as detected when the weights of the rules it matches reach the default
threshold (5), as a request holding only that value would be refused. The rates are
printed (pytest -s) and kept in docs/benchmarks.md; the floors below sit a little under
what was measured, so a change that loses detection fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from plugins.waf import rules

CORPUS = Path(__file__).parent / "corpus"
THRESHOLD = 5
# category file: the share that must be detected (measured 2026-12-07: 93.8 %, 91.2 %,
# 97.2 %, 98.7 %)
FLOORS = {"sqli": 0.92, "xss": 0.90, "traversal": 0.96, "cmdi": 0.97}
# Benign lines the rules refuse, knowingly: prose that is, character for character, an
# attack ("<script>" written about in a homework note). An administrator allows the rule
# (X3) for such a field.
KNOWN_FALSE_POSITIVES = {
    "He wrote <script> in his web design homework; good progress.",
}


def lines(name: str) -> list[str]:
    return [line for line in (CORPUS / name).read_text(encoding="utf-8").splitlines() if line]


def refused(value: str) -> bool:
    return sum(rules.weight(rule) for rule in set(rules.check(value))) >= THRESHOLD


@pytest.mark.parametrize("category", sorted(FLOORS))
def test_detection_per_category(category):
    payloads = lines(f"{category}.txt")
    detected = sum(1 for value in payloads if refused(value))
    rate = detected / len(payloads)
    print(f"{category}: {detected}/{len(payloads)} = {rate:.1%}")
    assert rate >= FLOORS[category]


@pytest.mark.parametrize("name", sorted(path.name for path in CORPUS.glob("benign_*.txt")))
def test_benign_text_passes(name):
    flagged = [value for value in lines(name) if refused(value)]
    assert set(flagged) <= KNOWN_FALSE_POSITIVES, flagged


def test_every_rule_has_a_weight_and_a_category():
    for rule in rules._RE2_NAMES + ["T5-nul-byte", "C9-obfuscation", "S6-tautology"]:
        assert rules.weight(rule) in (3, 5)
        assert rules.category(rule) in rules.CATEGORIES.values()


def test_long_values_are_matched_whole():
    """RE2 matches in one pass, without backtracking: the value that made Python's re take
    seconds ("< " 20,000 times) is simply matched; an attack at the start of a long value
    is still found, and plain words are not skipped when they hold UNION SELECT."""
    assert "X3-tag" not in rules.check("< " * 20000)
    assert refused("1' UNION SELECT password FROM users--" + " x" * 2000)
    assert refused("1 union select password from users")
    assert not refused("Mum said: 'he's fine' -- but check again on Monday.")
