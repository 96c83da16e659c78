"""SOQL text → syntax tree, for the subset the emulator answers.

Supported: SELECT of fields, parent paths (`PricebookEntry.Product2.ProductCode`), child
subqueries and `COUNT()`/`COUNT(field)`; WHERE with comparisons, IN / NOT IN (values or a
semi-join subquery), LIKE, AND / OR / NOT and parentheses (mixing AND and OR without
parentheses is refused, as SOQL does); ORDER BY … ASC|DESC NULLS FIRST|LAST; LIMIT; OFFSET.
Everything else (GROUP BY, TYPEOF, FIELDS(), WITH, FOR …) is a MALFORMED_QUERY with the
position, never a silently wrong answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from nuesync.sandbox.salesforce.errors import ApiError, malformed_query

_TOKEN = re.compile(
    r"(?P<WS>\s+)"
    r"|(?P<DATETIME>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2}))"
    r"|(?P<DATE>\d{4}-\d{2}-\d{2})"
    r"|(?P<NUMBER>[+-]?\d+(?:\.\d+)?)"
    r"|(?P<STRING>'(?:\\.|[^'\\])*')"
    r"|(?P<IDENT>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
    r"|(?P<OP><=|>=|!=|<>|=|<|>)"
    r"|(?P<PUNCT>[(),:])"
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "'": "'", '"': '"', "\\": "\\",
            "%": "\\%", "_": "\\_"}
RESERVED = frozenset({
    "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT", "OFFSET", "GROUP",
    "HAVING", "WITH", "FOR", "USING", "TYPEOF", "INCLUDES", "EXCLUDES", "NULL", "TRUE", "FALSE", "ASC", "DESC",
    "NULLS", "FIRST", "LAST",
})
DATE_KEYWORDS = frozenset({"TODAY", "YESTERDAY", "TOMORROW", "LAST_N_DAYS", "NEXT_N_DAYS"})
_N_DAY_KEYWORDS = frozenset({"LAST_N_DAYS", "NEXT_N_DAYS"})


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int

    @property
    def upper(self) -> str:
        return self.text.upper()


@dataclass
class FieldRef:
    path: str
    pos: int


@dataclass
class Literal:
    kind: str  # string, number, date, datetime, boolean, null, keyword
    value: Any
    text: str
    pos: int


@dataclass
class Compare:
    field: FieldRef
    op: str
    value: Literal


@dataclass
class InList:
    field: FieldRef
    values: list[Literal]
    negated: bool


@dataclass
class SemiJoin:
    field: FieldRef
    query: Query
    negated: bool


@dataclass
class Like:
    field: FieldRef
    value: Literal


@dataclass
class Not:
    expr: Any


@dataclass
class BoolOp:
    op: str
    items: list[Any]


@dataclass
class CountItem:
    field: FieldRef | None
    alias: str | None
    pos: int


@dataclass
class OrderKey:
    field: FieldRef
    descending: bool
    nulls_first: bool


@dataclass
class Query:
    object: str
    object_pos: int
    items: list[Any]
    where: Any = None
    order_by: list[OrderKey] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None


def locate(text: str, pos: int, detail: str) -> str:
    """Salesforce's positioned message: the line, a caret, `ERROR at Row:r:Column:c`, the detail."""
    before = text[:pos]
    row = before.count("\n") + 1
    column = pos - (before.rfind("\n") + 1) + 1
    line = text.splitlines()[row - 1] if text.strip() else ""
    return f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n{detail}"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise malformed_query(locate(text, pos, f"unexpected token: '{text[pos]}'"))
        kind = match.lastgroup or ""
        if kind != "WS":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    tokens.append(Token("EOF", "<EOF>", len(text)))
    return tokens


def parse(text: str) -> Query:
    parser = _Parser(text)
    query = parser.query(top_level=True)
    parser.expect_kind("EOF")
    return query


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    # --- token helpers -------------------------------------------------------------------------

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def peek(self, offset: int = 1) -> Token:
        return self.tokens[min(self.index + offset, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.current
        self.index += 1
        return token

    def error(self, token: Token | None = None) -> ApiError:
        token = token or self.current
        shown = token.text if token.kind == "EOF" else f"'{token.text}'"
        return malformed_query(locate(self.text, token.pos, f"unexpected token: {shown}"))

    def is_keyword(self, *words: str) -> bool:
        return self.current.kind == "IDENT" and self.current.upper in words

    def expect_keyword(self, word: str) -> Token:
        if not self.is_keyword(word):
            raise self.error()
        return self.advance()

    def expect_name(self) -> Token:
        """A field or relationship name: an identifier that is not a SOQL keyword."""
        if self.current.kind != "IDENT" or self.current.upper in RESERVED:
            raise self.error()
        return self.advance()

    def expect_kind(self, kind: str, text: str | None = None) -> Token:
        if self.current.kind != kind or (text is not None and self.current.text != text):
            raise self.error()
        return self.advance()

    def accept_punct(self, text: str) -> bool:
        if self.current.kind == "PUNCT" and self.current.text == text:
            self.advance()
            return True
        return False

    # --- grammar -----------------------------------------------------------------------------

    def query(self, top_level: bool) -> Query:
        self.expect_keyword("SELECT")
        items = [self.select_item(top_level)]
        while self.accept_punct(","):
            items.append(self.select_item(top_level))
        self.expect_keyword("FROM")
        target = self.expect_kind("IDENT")
        query = Query(target.text, target.pos, items)
        if self.is_keyword("WHERE"):
            self.advance()
            query.where = self.condition()
        if self.is_keyword("ORDER"):
            self.advance()
            self.expect_keyword("BY")
            query.order_by = self.order_keys()
        if self.is_keyword("LIMIT"):
            self.advance()
            query.limit = self.integer()
        if self.is_keyword("OFFSET"):
            self.advance()
            query.offset = self.integer()
        return query

    def integer(self) -> int:
        token = self.expect_kind("NUMBER")
        if not token.text.isdigit():
            raise self.error(token)
        return int(token.text)

    def select_item(self, top_level: bool) -> Any:
        if self.current.kind == "PUNCT" and self.current.text == "(" and top_level:
            self.advance()
            sub = self.query(top_level=False)
            self.expect_kind("PUNCT", ")")
            return sub
        token = self.expect_name()
        if token.upper == "COUNT" and self.accept_punct("("):
            counted = None if self.current.text == ")" else FieldRef(self.expect_name().text, token.pos)
            self.expect_kind("PUNCT", ")")
            alias = None
            if self.current.kind == "IDENT" and self.current.upper != "FROM":
                alias = self.advance().text
            return CountItem(counted, alias, token.pos)
        if self.current.kind == "PUNCT" and self.current.text == "(":
            raise self.error()
        return FieldRef(token.text, token.pos)

    def order_keys(self) -> list[OrderKey]:
        keys = []
        while True:
            token = self.expect_name()
            descending = False
            if self.is_keyword("ASC", "DESC"):
                descending = self.advance().upper == "DESC"
            nulls_first = not descending
            if self.is_keyword("NULLS"):
                self.advance()
                if not self.is_keyword("FIRST", "LAST"):
                    raise self.error()
                nulls_first = self.advance().upper == "FIRST"
            keys.append(OrderKey(FieldRef(token.text, token.pos), descending, nulls_first))
            if not self.accept_punct(","):
                return keys

    def condition(self) -> Any:
        items = [self.term()]
        joiner: str | None = None
        while self.is_keyword("AND", "OR"):
            word = self.current.upper
            if joiner is not None and word != joiner:
                raise self.error()
            joiner = word
            self.advance()
            items.append(self.term())
        return items[0] if joiner is None else BoolOp(joiner, items)

    def term(self) -> Any:
        if self.is_keyword("NOT"):
            self.advance()
            return Not(self.term())
        if self.accept_punct("("):
            inner = self.condition()
            self.expect_kind("PUNCT", ")")
            return inner
        token = self.expect_name()
        ref = FieldRef(token.text, token.pos)
        if self.current.kind == "OP":
            op = self.advance().text
            return Compare(ref, "!=" if op == "<>" else op, self.literal())
        negated = False
        if self.is_keyword("NOT"):
            self.advance()
            negated = True
            if not self.is_keyword("IN"):
                raise self.error()
        if self.is_keyword("IN"):
            self.advance()
            return self.in_list(ref, negated)
        if self.is_keyword("LIKE"):
            self.advance()
            return Like(ref, self.literal())
        raise self.error()

    def in_list(self, ref: FieldRef, negated: bool) -> Any:
        self.expect_kind("PUNCT", "(")
        if self.is_keyword("SELECT"):
            sub = self.query(top_level=False)
            self.expect_kind("PUNCT", ")")
            return SemiJoin(ref, sub, negated)
        values = [self.literal()]
        while self.accept_punct(","):
            values.append(self.literal())
        self.expect_kind("PUNCT", ")")
        return InList(ref, values, negated)

    def literal(self) -> Literal:
        token = self.advance()
        if token.kind == "STRING":
            return Literal("string", _unescape(self, token), token.text, token.pos)
        if token.kind in ("NUMBER", "DATE", "DATETIME"):
            return Literal(token.kind.lower(), token.text, token.text, token.pos)
        if token.kind == "IDENT" and token.upper in ("TRUE", "FALSE"):
            return Literal("boolean", token.upper == "TRUE", token.text, token.pos)
        if token.kind == "IDENT" and token.upper == "NULL":
            return Literal("null", None, token.text, token.pos)
        if token.kind == "IDENT" and token.upper in DATE_KEYWORDS:
            days = 0
            if token.upper in _N_DAY_KEYWORDS:
                self.expect_kind("PUNCT", ":")
                days = self.integer()
            return Literal("keyword", (token.upper, days), token.text, token.pos)
        raise self.error(token)


def _unescape(parser: _Parser, token: Token) -> str:
    body = token.text[1:-1]
    out = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            escaped = body[i + 1] if i + 1 < len(body) else ""
            if escaped not in _ESCAPES:
                raise malformed_query(locate(parser.text, token.pos + i + 1, f"Invalid string literal '{token.text}'. "
                                             "Illegal character sequence '\\" + escaped + "' in string literal."))
            out.append(_ESCAPES[escaped])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)
