"""Match drafts across systems, classify each order, and say field by field what differs.

Pure functions over canonical records: no I/O, no clock, no config. `diff` renders the result
and `pull`/`push` turn it into a plan, so every rule here is tested without HTTP.

Matching never guesses: two records are a pair only when their links say so, and links that
disagree are reported as an integrity problem rather than "fixed". The customer or bill-to contact
of a pair linked on one side only is paired by that link (`_completed_links`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from nuesync.adapters.base import RecordProblem
from nuesync.model import (
    DraftOrder,
    LineItem,
    Status,
    System,
    line_content,
    order_header_content,
    same_content,
    same_line_content,
)


class OrderClass(StrEnum):
    IN_SYNC = "in_sync"
    DIFFERS = "differs"
    ONLY_IN_NUE = "only_in_nue"
    ONLY_IN_SALESFORCE = "only_in_salesforce"
    ACTIVATED_IN_NUE_ONLY = "activated_in_nue_only"
    ACTIVATED_IN_SALESFORCE_ONLY = "activated_in_salesforce_only"
    LINK_CONFLICT = "link_conflict"
    CUSTOMER_UNLINKED = "customer_unlinked"
    MALFORMED = "malformed"


class Direction(StrEnum):
    """Which way a writing command sends data; the sender's values win."""

    PULL = "pull"  # Nue → Salesforce
    PUSH = "push"  # Salesforce → Nue

    @property
    def sender(self) -> System:
        return System.NUE if self is Direction.PULL else System.SALESFORCE

    @property
    def receiver(self) -> System:
        return self.sender.other


class Presence(StrEnum):
    BOTH = "both"
    ONLY_IN_NUE = "only_in_nue"
    ONLY_IN_SALESFORCE = "only_in_salesforce"


@dataclass(frozen=True)
class FieldDiff:
    """One field whose canonical values differ; `value_after` says what a write would leave."""

    field: str
    nue: Any
    salesforce: Any

    def value_in(self, system: System) -> Any:
        return self.nue if system is System.NUE else self.salesforce

    def value_after(self, direction: Direction) -> Any:
        return self.value_in(direction.sender)


@dataclass(frozen=True)
class LineDiff:
    presence: Presence
    nue: LineItem | None
    salesforce: LineItem | None
    fields: tuple[FieldDiff, ...] = ()

    @property
    def sku(self) -> str | None:
        line = self.nue or self.salesforce
        return line.product_sku if line else None

    @property
    def key(self) -> str:
        """Display key: SKU and whichever ids are known."""
        ids = [line.links.nue_id or line.links.salesforce_id for line in (self.nue, self.salesforce) if line]
        ids = [i for i in dict.fromkeys(ids) if i]
        return f"{self.sku or '(no sku)'} [{', '.join(ids)}]" if ids else self.sku or "(no sku)"


@dataclass(frozen=True)
class OrderComparison:
    """Everything known about one order across both systems."""

    cls: OrderClass
    nue: DraftOrder | None = None
    salesforce: DraftOrder | None = None
    header: tuple[FieldDiff, ...] = ()
    lines: tuple[LineDiff, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        order = self.nue or self.salesforce
        if order is None:
            return "?"
        return order.links.nue_id or order.links.salesforce_id or "?"

    @property
    def origin(self) -> System | None:
        """Where the order was created: the origin field, or the only side it exists on."""
        for order in (self.nue, self.salesforce):
            if order is not None and order.origin is not None:
                return order.origin
        if self.nue is not None and self.salesforce is None:
            return System.NUE
        if self.salesforce is not None and self.nue is None:
            return System.SALESFORCE
        return None

    def side(self, system: System) -> DraftOrder | None:
        return self.nue if system is System.NUE else self.salesforce


@dataclass(frozen=True)
class Reconciliation:
    orders: tuple[OrderComparison, ...]
    problems: tuple[RecordProblem, ...] = ()

    def counts(self) -> dict[OrderClass, int]:
        counted = Counter(order.cls for order in self.orders)
        counted[OrderClass.MALFORMED] += len(self.problems)
        return {cls: counted.get(cls, 0) for cls in OrderClass}

    @property
    def in_sync(self) -> bool:
        return not self.problems and all(order.cls is OrderClass.IN_SYNC for order in self.orders)

    def only(self, classes: Iterable[OrderClass]) -> Reconciliation:
        wanted = set(classes)
        problems = self.problems if OrderClass.MALFORMED in wanted else ()
        return Reconciliation(tuple(o for o in self.orders if o.cls in wanted), problems)


def reconcile(
    nue_orders: Sequence[DraftOrder],
    salesforce_orders: Sequence[DraftOrder],
    problems: Sequence[RecordProblem] = (),
) -> Reconciliation:
    """Match both systems' orders by their links and compare every pair."""
    comparisons = [_compare(nue, sf, notes) for nue, sf, notes in _match(nue_orders, salesforce_orders)]
    comparisons.sort(key=lambda c: (list(OrderClass).index(c.cls), c.key))
    return Reconciliation(tuple(comparisons), tuple(problems))


# --- matching ----------------------------------------------------------------------------------

Match = tuple[DraftOrder | None, DraftOrder | None, tuple[str, ...]]


def _match(nue_orders: Sequence[DraftOrder], sf_orders: Sequence[DraftOrder]) -> list[Match]:
    """Pair orders whose links agree; collect anything else with the reason it did not pair.

    A pair needs at least one link (Nue → Salesforce or back) and no link pointing elsewhere.
    A one-way link (e.g. a crash between creating and writing the link back) still pairs.
    """
    nue_by_id = {o.links.nue_id: o for o in nue_orders if o.links.nue_id}
    sf_by_id = {o.links.salesforce_id: o for o in sf_orders if o.links.salesforce_id}
    claims_on_sf: dict[str, list[DraftOrder]] = defaultdict(list)
    for order in nue_orders:
        if order.links.salesforce_id:
            claims_on_sf[order.links.salesforce_id].append(order)
    claims_on_nue: dict[str, list[DraftOrder]] = defaultdict(list)
    for order in sf_orders:
        if order.links.nue_id:
            claims_on_nue[order.links.nue_id].append(order)

    matches: list[Match] = []
    paired_sf: set[str] = set()
    for nue in nue_orders:
        nue_id, sf_id = nue.links.nue_id, nue.links.salesforce_id
        by_link = sf_by_id.get(sf_id) if sf_id else None
        claimants = claims_on_nue.get(nue_id or "", [])
        candidates = {id(o): o for o in [*([by_link] if by_link else []), *claimants]}
        rivals = claims_on_sf.get(sf_id, []) if sf_id else []
        if len(candidates) > 1 or len(rivals) > 1 or (by_link and by_link.links.nue_id not in (None, nue_id)):
            ids = ", ".join(sorted(o.links.salesforce_id or "?" for o in candidates.values()))
            matches.append((nue, None, (f"links disagree: Nue order {nue_id} and Salesforce order(s) {ids} "
                                        "point at different records",)))
            paired_sf.update(o.links.salesforce_id for o in candidates.values() if o.links.salesforce_id)
            continue
        partner = next(iter(candidates.values()), None)
        if partner is None:
            note = (f"linked to Salesforce order {sf_id}, which was not found",) if sf_id else ()
            matches.append((nue, None, note))
            continue
        paired_sf.add(partner.links.salesforce_id or "")
        matches.append((nue, partner, ()))
    for sf in sf_orders:
        if sf.links.salesforce_id in paired_sf:
            continue
        nue_id = sf.links.nue_id
        note = (f"linked to Nue order {nue_id}, which was not found",) if nue_id and nue_id not in nue_by_id else ()
        matches.append((None, sf, note))
    return matches


# --- classification and field differences ------------------------------------------------------


def _compare(nue: DraftOrder | None, sf: DraftOrder | None, notes: tuple[str, ...]) -> OrderComparison:
    if notes and notes[0].startswith("links disagree"):
        return OrderComparison(OrderClass.LINK_CONFLICT, nue, sf, notes=notes)
    if sf is None:
        assert nue is not None
        linked = nue.customer.links.salesforce_id is not None
        return OrderComparison(OrderClass.ONLY_IN_NUE if linked else OrderClass.CUSTOMER_UNLINKED, nue, notes=notes)
    if nue is None:
        linked = sf.customer.links.nue_id is not None
        return OrderComparison(OrderClass.ONLY_IN_SALESFORCE if linked else OrderClass.CUSTOMER_UNLINKED, None, sf,
                               notes=notes)
    nue, sf = _completed_links(nue, sf), _completed_links(sf, nue)
    if same_content(nue, sf):
        return OrderComparison(OrderClass.IN_SYNC, nue, sf)
    header = _field_diffs(order_header_content(nue), order_header_content(sf))
    lines = _line_diffs(nue.lines, sf.lines)
    return OrderComparison(_pair_class(nue, sf), nue, sf, header=header, lines=lines, notes=notes)


# The records an order refers to by their links: its customer and its bill-to contact.
LINKED_REFERENCES = ("customer", "bill_to_contact")


def _completed_links(order: DraftOrder, partner: DraftOrder) -> DraftOrder:
    """`order` with the link half its customer and bill-to contact lack, taken from its pair's same record.

    A link on one side is enough to pair two customers or contacts: a Nue customer's link is its
    `externalId`, which only Nue's own Salesforce sync sets, so a customer a pull created is linked
    by the Salesforce Account's Nue id alone; and a run that died before linking back leaves a
    one-way link. Completing the half keeps the pair from differing for ever on a link no write can
    or need fill. Only a missing half is filled in, from the pair's record that names this one; a
    link that disagrees stays as read, for the diff. Only the pair is consulted, never other
    orders, so an order compares the same whatever else a run reads (`--order`, a saved plan).
    """
    update: dict[str, Any] = {}
    for path in LINKED_REFERENCES:
        own, other = getattr(order, path), getattr(partner, path)
        if own is None or other is None:
            continue
        missing = [system for system in System if own.links.id_in(system) is None]
        if len(missing) == 1 and own.links.id_in(missing[0].other) == other.links.id_in(missing[0].other):
            found = other.links.id_in(missing[0])
            if found is not None:
                links = own.links.model_copy(update={f"{missing[0].value}_id": found})
                update[path] = own.model_copy(update={"links": links})
    return order.model_copy(update=update) if update else order


def _pair_class(nue: DraftOrder, sf: DraftOrder) -> OrderClass:
    if nue.status is not sf.status:
        if nue.status is Status.ACTIVATED:
            return OrderClass.ACTIVATED_IN_NUE_ONLY
        if sf.status is Status.ACTIVATED:
            return OrderClass.ACTIVATED_IN_SALESFORCE_ONLY
    if nue.customer.links.salesforce_id is None or sf.customer.links.nue_id is None:
        return OrderClass.CUSTOMER_UNLINKED
    return OrderClass.DIFFERS


def _line_diffs(nue_lines: Sequence[LineItem], sf_lines: Sequence[LineItem]) -> tuple[LineDiff, ...]:
    """Pair lines by their links (never by guessing from SKU) and compare the pairs that differ."""
    sf_by_id = {line.links.salesforce_id: line for line in sf_lines if line.links.salesforce_id}
    sf_by_nue = {line.links.nue_id: line for line in sf_lines if line.links.nue_id}
    diffs: list[LineDiff] = []
    used: set[int] = set()
    for line in nue_lines:
        partner = sf_by_id.get(line.links.salesforce_id or "") or sf_by_nue.get(line.links.nue_id or "")
        if partner is None or id(partner) in used:
            diffs.append(LineDiff(Presence.ONLY_IN_NUE, line, None))
            continue
        used.add(id(partner))
        if same_line_content(line, partner):
            continue
        fields = _field_diffs(line_content(line), line_content(partner))
        if fields:
            diffs.append(LineDiff(Presence.BOTH, line, partner, fields))
    diffs.extend(LineDiff(Presence.ONLY_IN_SALESFORCE, None, line) for line in sf_lines if id(line) not in used)
    return tuple(diffs)


def _field_diffs(nue: dict[str, Any], sf: dict[str, Any]) -> tuple[FieldDiff, ...]:
    """Field-level differences of two flat canonical dicts (a missing key means an empty field).

    Called only for orders whose content hashes differ. A key-wise comparison of flat canonical
    values is exact here and about a thousand times cheaper than a generic deep diff, which
    matters when tens of thousands of orders differ (see tests/benchmarks/bench_reconcile.py).
    """
    if nue == sf:
        return ()
    paths = sorted(key for key in nue.keys() | sf.keys() if nue.get(key) != sf.get(key))
    return tuple(FieldDiff(field=path, nue=nue.get(path), salesforce=sf.get(path)) for path in paths)


def field_paths(comparison: OrderComparison) -> list[str]:
    """Every differing field of an order as a path (`billing.payment_term`, `lines[SKU …].quantity`)."""
    paths = [diff.field for diff in comparison.header]
    for line in comparison.lines:
        if line.presence is Presence.BOTH:
            paths.extend(f"lines[{line.key}].{diff.field}" for diff in line.fields)
        else:
            paths.append(f"lines[{line.key}]")
    return paths

