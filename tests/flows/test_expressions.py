"""The flows' expression language: what it computes, and that nothing outside it gets in."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livedesk.flows.expressions import (
    ExpressionError,
    compile_expression,
    evaluate,
    merge,
)

VARS: dict[str, Any] = {
    "recordId": "500x",
    "reason": "🛠 Renovation Work",
    "amount": 1200,
    "case": {"Status": "New", "Subject": ""},
    "empty": None,
}


def run(text: str, variables: dict[str, Any] | None = None) -> Any:
    return evaluate(compile_expression(text), VARS if variables is None else variables)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("-amount + 200", -1000),
        ("amount / 0", None),
        ("'a' & 'b' & amount", "ab1200"),
        ("{!recordId} = '500x'", True),
        ('recordId == "500x" && amount > 1000', True),
        ("amount >= 1200 AND NOT (case.Status <> 'New')", True),
        ("case.Status = 'Closed' OR ISBLANK(case.Subject)", True),
        ("ISBLANK(empty) and ISBLANK(missing.deeper)", True),
        ("NOT(ISBLANK(reason))", True),
        ("!true || false", False),
        ("IF(amount > 1000, 'big', 1 / 0)", "big"),
        ("LEN(reason) > 5 AND CONTAINS(reason, 'Renovation')", True),
        ("UPPER('a') & LOWER('B') & TRIM('  c ') & TEXT(3.0)", "Abc3"),
        ("BEGINS(recordId, '500')", True),
        ("amount = '1200'", True),  # text and numbers compare as text
        ("empty < 3", False),  # null is not ordered
        ("null = empty", True),
    ],
)
def test_values(text: str, expected: Any) -> None:
    assert run(text) == expected


@pytest.mark.parametrize(
    ("text", "line", "column", "problem"),
    [
        ("__import__('os')", 1, 1, "Unknown function '__import__'"),
        ("amount +", 1, 9, "ends too early"),
        ("a = b = c", 1, 7, "cannot be chained"),
        ("EVAL('1')", 1, 1, "Unknown function"),
        ("x.__class__ ; 1", 1, 13, "Unexpected character ';'"),
        ("amount\n  > `3`", 2, 5, "Unexpected character '`'"),
        ("LEN(1, 2)", 1, 1, "LEN takes 1 arguments"),
        ("(1 + 2", 1, 7, "Expected ')'"),
        ("", 1, 1, "Expected an expression"),
        ("1 2", 1, 3, "Unexpected '2'"),
        ("lambda: 1", 1, 7, "Unexpected character ':'"),
    ],
)
def test_anything_outside_the_language_is_refused_with_line_and_column(
    text: str, line: int, column: int, problem: str
) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(text)
    assert (info.value.line, info.value.column) == (line, column), str(info.value)
    assert problem in str(info.value)


def test_merge_fields() -> None:
    text = "Thank you, we noted {!reason} for {!case.Status} case {!recordId}{!missing}."
    assert merge(text, VARS) == "Thank you, we noted 🛠 Renovation Work for New case 500x."


@given(st.text(max_size=60))
def test_no_input_escapes_the_language(text: str) -> None:
    """Any text either compiles to the language or is refused with a position; evaluation of
    what compiles never raises."""
    try:
        node = compile_expression(text)
    except ExpressionError as error:
        assert error.line >= 1 and error.column >= 1
        return
    evaluate(node, VARS)
