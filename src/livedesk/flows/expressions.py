"""The flows' expression language: small, safe, never Python `eval`.

    expression := or
    or         := and (("OR" | "||") and)*
    and        := not (("AND" | "&&") not)*
    not        := ("NOT" | "!") not | comparison
    comparison := concat (("=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">=") concat)?
    concat     := sum ("&" sum)*
    sum        := product (("+" | "-") product)*
    product    := unary (("*" | "/") unary)*
    unary      := "-" unary | primary
    primary    := number | string | true | false | null | {!name.path} | name.path
                | FUNCTION "(" [expression ("," expression)*] ")" | "(" expression ")"

Functions: ISBLANK, NOT, IF, TEXT, LEN, UPPER, LOWER, CONTAINS, BEGINS, TRIM. Names are looked
up in the variables (dots walk into records). Anything else is refused with its line and column.
Merge text (`"Hello {!name}"`) is rendered by `merge`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 10_000


class ExpressionError(ValueError):
    def __init__(self, message: str, text: str, position: int) -> None:
        line = text.count("\n", 0, position) + 1
        column = position - (text.rfind("\n", 0, position) + 1) + 1
        super().__init__(f"{message} at line {line}, column {column}")
        self.line = line
        self.column = column


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, merge, op, eof
    value: str
    position: int


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<merge>\{![A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\})
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op>==|!=|<>|<=|>=|&&|\|\||[=<>&+\-*/(),!])
    """,
    re.VERBOSE,
)
_KEYWORDS = {"AND", "OR", "NOT", "TRUE", "FALSE", "NULL"}


def tokens(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"An expression may have at most {MAX_LENGTH} characters", text, 0)
    found: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise ExpressionError(f"Unexpected character {text[position]!r}", text, position)
        kind = match.lastgroup or ""
        if kind != "space":
            found.append(Token(kind, match.group(), position))
        position = match.end()
    found.append(Token("eof", "", len(text)))
    return found


Node = tuple[Any, ...]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokens(text)
        self.index = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def error(self, message: str, token: Token | None = None) -> ExpressionError:
        return ExpressionError(message, self.text, (token or self.token).position)

    def take(self) -> Token:
        token = self.token
        self.index += 1
        return token

    def at(self, *values: str) -> bool:
        t = self.token
        return (t.kind == "op" and t.value in values) or (
            t.kind == "name" and t.value.upper() in values
        )

    def expect(self, value: str) -> None:
        if not self.at(value):
            raise self.error(f"Expected {value!r}")
        self.take()

    def parse(self) -> Node:
        if self.token.kind == "eof":
            raise self.error("Expected an expression")
        node = self.or_()
        if self.token.kind != "eof":
            raise self.error(f"Unexpected {self.token.value!r}")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.at("OR", "||"):
            self.take()
            node = ("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.at("AND", "&&"):
            self.take()
            node = ("and", node, self.not_())
        return node

    def not_(self) -> Node:
        if self.at("!") or (self.at("NOT") and self.tokens[self.index + 1].value != "("):
            self.take()
            return ("not", self.not_())
        return self.comparison()

    def comparison(self) -> Node:
        node = self.concat()
        if self.at("=", "==", "!=", "<>", "<", "<=", ">", ">="):
            op = self.take().value
            op = {"==": "=", "<>": "!="}.get(op, op)
            node = ("compare", op, node, self.concat())
            if self.at("=", "==", "!=", "<>", "<", "<=", ">", ">="):
                raise self.error("Comparisons cannot be chained; use AND")
        return node

    def concat(self) -> Node:
        node = self.sum()
        while self.at("&"):
            self.take()
            node = ("concat", node, self.sum())
        return node

    def sum(self) -> Node:
        node = self.product()
        while self.at("+", "-"):
            op = self.take().value
            node = ("arith", op, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while self.at("*", "/"):
            op = self.take().value
            node = ("arith", op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.at("-"):
            self.take()
            return ("arith", "-", ("literal", 0), self.unary())
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.take()
            number = float(token.value)
            return ("literal", int(number) if number.is_integer() else number)
        if token.kind == "string":
            self.take()
            return ("literal", re.sub(r"\\(.)", r"\1", token.value[1:-1]))
        if token.kind == "merge":
            self.take()
            return ("var", token.value[2:-1].split("."))
        if token.kind == "name":
            upper = token.value.upper()
            if upper in ("TRUE", "FALSE"):
                self.take()
                return ("literal", upper == "TRUE")
            if upper == "NULL":
                self.take()
                return ("literal", None)
            if self.tokens[self.index + 1].value == "(":
                return self.call()
            if upper in _KEYWORDS:
                raise self.error(f"Unexpected {token.value!r}")
            self.take()
            return ("var", token.value.split("."))
        if self.at("("):
            self.take()
            node = self.or_()
            self.expect(")")
            return node
        if token.kind == "eof":
            raise self.error("The expression ends too early")
        raise self.error(f"Unexpected {token.value!r}")

    def call(self) -> Node:
        name_token = self.take()
        name = name_token.value.upper()
        if name not in FUNCTIONS:
            raise self.error(f"Unknown function {name_token.value!r}", name_token)
        self.expect("(")
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.or_())
            while self.at(","):
                self.take()
                args.append(self.or_())
        self.expect(")")
        low, high = FUNCTIONS[name][0]
        if not low <= len(args) <= high:
            raise self.error(
                f"{name} takes {low if low == high else f'{low} to {high}'} arguments", name_token
            )
        return ("call", name, args)


def compile_expression(text: str) -> Node:
    """Parse once (at flow load); raises ExpressionError with line and column."""
    return _Parser(text).parse()


def evaluate(node: Node, variables: Mapping[str, Any]) -> Any:
    kind = node[0]
    if kind == "literal":
        return node[1]
    if kind == "var":
        return lookup(variables, node[1])
    if kind == "or":
        return truthy(evaluate(node[1], variables)) or truthy(evaluate(node[2], variables))
    if kind == "and":
        return truthy(evaluate(node[1], variables)) and truthy(evaluate(node[2], variables))
    if kind == "not":
        return not truthy(evaluate(node[1], variables))
    if kind == "concat":
        return text_of(evaluate(node[1], variables)) + text_of(evaluate(node[2], variables))
    if kind == "compare":
        return _compare(node[1], evaluate(node[2], variables), evaluate(node[3], variables))
    if kind == "arith":
        return _arith(node[1], evaluate(node[2], variables), evaluate(node[3], variables))
    if kind == "call":
        if node[1] == "IF":  # only the branch taken is evaluated
            condition, then, otherwise = node[2]
            return evaluate(
                then if truthy(evaluate(condition, variables)) else otherwise, variables
            )
        return FUNCTIONS[node[1]][1](*(evaluate(a, variables) for a in node[2]))
    raise AssertionError(kind)


def lookup(variables: Mapping[str, Any], path: list[str]) -> Any:
    value: Any = variables
    for part in path:
        if isinstance(value, Mapping):
            value = value.get(part)
        else:
            return None
    return value


def truthy(value: Any) -> bool:
    return value not in (None, False, "", 0)


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("=", "!="):
        same = text_of(left) == text_of(right) if _mixed(left, right) else left == right
        return same if op == "=" else not same
    try:
        if op == "<":
            return bool(left < right)
        if op == "<=":
            return bool(left <= right)
        if op == ">":
            return bool(left > right)
        return bool(left >= right)
    except TypeError:  # None or mixed types: not ordered
        return False


def _mixed(left: Any, right: Any) -> bool:
    return type(left) is not type(right) and not (
        isinstance(left, int | float) and isinstance(right, int | float)
    )


def _arith(op: str, left: Any, right: Any) -> Any:
    if not isinstance(left, int | float) or not isinstance(right, int | float):
        return None
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    return None if right == 0 else left / right


FUNCTIONS: dict[str, tuple[tuple[int, int], Callable[..., Any]]] = {
    "ISBLANK": ((1, 1), lambda v: v is None or (isinstance(v, str) and not v.strip())),
    "NOT": ((1, 1), lambda v: not truthy(v)),
    "IF": ((3, 3), lambda c, a, b: a if truthy(c) else b),
    "TEXT": ((1, 1), text_of),
    "LEN": ((1, 1), lambda v: len(text_of(v))),
    "UPPER": ((1, 1), lambda v: text_of(v).upper()),
    "LOWER": ((1, 1), lambda v: text_of(v).lower()),
    "TRIM": ((1, 1), lambda v: text_of(v).strip()),
    "CONTAINS": ((2, 2), lambda a, b: text_of(b) in text_of(a)),
    "BEGINS": ((2, 2), lambda a, b: text_of(a).startswith(text_of(b))),
}

_MERGE = re.compile(r"\{!([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}")


def merge(template: str, variables: Mapping[str, Any]) -> str:
    """`"Thanks {!name}"` with the variables' values (missing ones are empty)."""
    return _MERGE.sub(lambda m: text_of(lookup(variables, m.group(1).split("."))), template)
