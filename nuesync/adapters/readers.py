"""Readers compiled from a field mapping: wire record → canonical record without revalidating.

Reading 100,000 orders through pydantic validated millions of values one `BeforeValidator` at
a time, after building a nested dict per record to feed it; with the garbage collector walking
all of that, a large read took most of a diff's time (tests/benchmarks/bench_reconcile.py).
Each wire module therefore turns its mapping tables, once per run, into *parts*: small
functions from a wire record to one canonical value, which apply the wire converter and then
the model's cleaner for that field (`nuesync.model.cleaner`). `record_reader` assembles parts
into a function that builds a whole record with `nuesync.model.trusted`.

The result is only ever a shortcut. A part raises (usually `NotCanonical`) on anything it does
not vouch for, `declining` turns that into None, and the wire module then reads the record
through validation, which reports the problem exactly as it always has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from nuesync.model import (
    SHARED_RECORDS,
    NotCanonical,
    clean_text,
    field_default,
    field_setters,
    nested_record,
    record_fields,
    trusted,
)

Part = Callable[[Any], Any]
Convert = Callable[[Any], Any]

# Bound on each memo and each set of shared records: values beyond it are still read right,
# they are just no longer shared. Real orders repeat a few hundred prices, dates and customers.
MEMO_LIMIT = 1 << 16


def remember(memo: dict[Any, Any], key: Any, value: Any) -> Any:
    """`memo[key] = value`, emptying a full memo first: `value` back, for use in an expression."""
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    memo[key] = value
    return value


class Leaf(NamedTuple):
    """A part that reads one wire field: `convert(record.get(field))`.

    Kept apart from other parts so a compiled reader can apply it inline. `memo` holds results
    `convert` remembered for raw values of the `kinds` types; `text` says a raw `str` reads as
    `strip() or None` (what `clean_text` keeps of it) and a raw None as None.
    """

    field: Any
    convert: Convert
    memo: dict[Any, Any] | None = None
    kinds: frozenset[type] = frozenset()
    text: bool = False

    def __call__(self, record: Any) -> Any:
        return self.convert(record.get(self.field))


class Leaves:
    """Leaf parts for one compiled mapping; equal conversions share one memo.

    So every `2026-12-01` of a run's orders is one `date` and every `49.00` one `Decimal`:
    fewer objects to build, to keep and for the garbage collector to walk.
    """

    def __init__(self) -> None:
        self._memos: dict[tuple[Convert | None, Convert], dict[Any, Any]] = {}

    def leaf(
        self,
        field: Any,
        clean: Convert,
        read: Convert | None = None,
        *,
        same: tuple[type, ...] = (),
        memo: tuple[type, ...] = (),
    ) -> Leaf:
        """`clean(read(record.get(field)))` (no `read`: the raw value is cleaned as it is).

        `same` are raw types `read` returns unchanged, so it is skipped for them; results for raw
        values of the `memo` types are remembered, which is only right when equal raw values of
        those types always read the same (never list `bool` with numbers: `True == 1`).
        """
        if memo:
            remembered = self._memos.setdefault((read, clean), {})
            return Leaf(field, _memoised(remembered, clean, read or _same, memo), remembered, frozenset(memo))
        if read is None:
            return Leaf(field, clean, text=clean is clean_text)
        if clean is clean_text and {str, type(None)} <= set(same):
            return Leaf(field, _text(read, same), text=True)
        if same:
            return Leaf(field, lambda raw: clean(raw if type(raw) in same else read(raw)))
        return Leaf(field, lambda raw: clean(read(raw)))


def _same(raw: Any) -> Any:
    return raw


def _memoised(memo: dict[Any, Any], clean: Convert, read: Convert, kinds: tuple[type, ...]) -> Convert:
    def convert(raw: Any) -> Any:
        if type(raw) not in kinds:
            return clean(read(raw))
        try:
            return memo[raw]
        except KeyError:
            return remember(memo, raw, clean(read(raw)))

    return convert


def _text(read: Convert, same: tuple[type, ...]) -> Convert:
    def convert(raw: Any) -> Any:
        if type(raw) is str:
            return raw.strip() or None
        return clean_text(raw if type(raw) in same else read(raw))

    return convert


def record_reader(cls: type, parts: Mapping[str, Part], required: tuple[str, ...] = ()) -> Part:
    """A part building record class `cls`: each field from `parts` (dotted paths fill nested
    records), the model's default for the rest; a record whose `required` fields read as None is
    not vouched for. A path naming no field is refused here, when the mapping is compiled,
    because validation would refuse every record it produced."""
    names = record_fields(cls)
    unknown = ({path.split(".")[0] for path in parts} | set(required)) - set(names)
    if unknown:
        raise ValueError(f"{cls.__name__} has no field {', '.join(sorted(unknown))}")
    fields = [_field_part(cls, name, parts) for name in names]
    return _compiled(cls, fields, required)


class Default(NamedTuple):
    """A field no part fills: validation's default for it, made by `make`."""

    make: Callable[[], Any]


def _field_part(cls: type, name: str, parts: Mapping[str, Part]) -> Part:
    if name in parts:
        return parts[name]
    below = {path[len(name) + 1 :]: part for path, part in parts.items() if path.startswith(f"{name}.")}
    nested = nested_record(cls, name)
    if below and nested is None:
        raise ValueError(f"{cls.__name__}.{name} holds no record with fields of its own")
    if below and nested is not None:
        return record_reader(nested, below)
    return Default(field_default(cls, name))


# The reader of a record class is compiled to one Python function per mapping: a statement per
# field, with text and remembered values read inline. A loop over parts cost a call per field,
# about half the time of a large read. Only generated names appear in the source; field names,
# converters and setters are bound to them in the function's namespace.
_BUILT = """
def read(record):
    get = record.get
    built = new(cls)
{fields}
    if {missing}:
        raise NotCanonical(record)
    return built
"""
_SHARED = """
def read(record):
    get = record.get
    key = ({values},)
    try:
        return instances[key]
    except KeyError:
        return remember(instances, key, construct(*key))
"""


class _Source:
    """The names a compiled reader's source refers to, and the expression reading each field."""

    def __init__(self, **names: Any) -> None:
        self.names = names

    def bind(self, value: Any, kind: str) -> str:
        name = f"{kind}{len(self.names)}"
        self.names[name] = value
        return name

    def value(self, part: Part) -> str:
        if type(part) is Default:
            return f"{self.bind(part.make, 'default')}()"
        if type(part) is not Leaf:
            return f"{self.bind(part, 'part')}(record)"
        raw = f"(raw := get({self.bind(part.field, 'field')}))"
        convert = self.bind(part.convert, "convert")
        if part.memo is not None:
            memo, kinds = self.bind(part.memo, "memo"), self.bind(part.kinds, "kinds")
            return f"(({memo}[raw] if raw in {memo} else {convert}(raw)) if type{raw} in {kinds} else {convert}(raw))"
        if part.text:
            return f"((raw.strip() or None) if type{raw} is str else None if raw is None else {convert}(raw))"
        return f"{convert}({raw})"

    def compile(self, template: str, cls: type, **slots: str) -> Part:
        code = compile(template.format(**slots), f"<reader of {cls.__name__}>", "exec")
        exec(code, self.names)
        return self.names["read"]  # type: ignore[no-any-return]


def _compiled(cls: type, fields: list[Part], required: tuple[str, ...]) -> Part:
    if cls in SHARED_RECORDS:  # one instance per distinct value: frozen, and holding no list or dict
        assert not required, "a shared record is a value: it has no required fields"
        source = _Source(instances={}, remember=remember, construct=trusted(cls))
        return source.compile(_SHARED, cls, values=", ".join(source.value(part) for part in fields))
    source = _Source(new=object.__new__, cls=cls, NotCanonical=NotCanonical)
    statements = [f"    {source.bind(setter, 'set')}(built, {source.value(part)})"
                  for setter, part in zip(field_setters(cls), fields, strict=True)]
    missing = " or ".join(f"built.{name} is None" for name in required) or "False"
    return source.compile(_BUILT, cls, fields="\n".join(statements), missing=missing)


def declining(read: Part) -> Callable[[Any], Any]:
    """`read`, or None when it fails in any way: the caller then takes the checked path, which
    says precisely what is wrong (the fast path never has to)."""

    def attempt(record: Any) -> Any:
        try:
            return read(record)
        except Exception:
            return None

    return attempt
