"""The open drafts' customers, counted per customer that is not linked.

pull/push write a draft only once its customer is linked (rule 7 in docs/design.md), so an unlinked
customer is a warning here: its drafts will wait, or be created with `--create-customers`. One link
is enough: a Nue customer's link to its Account (`externalId`) is Nue's own Salesforce sync's to set,
so a customer a pull created is linked by the Account's Nue id alone, and pairs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from nuesync.doctor.checks import CUSTOMERS, Check, ok, warn
from nuesync.doctor.connections import NueSide, SalesforceSide
from nuesync.model import Customer, DraftOrder, System

SHOWN_CUSTOMERS = 5


def _link_state(other: System, claimed: str | None, partner: Customer | None, own: str | None) -> str | None:
    """Why a customer is not linked, or None when it is (its partner linking back, or not linking at all)."""
    if not claimed:
        return f"not linked to {other.label}"
    if partner is None:
        return f"linked to a {other.label} customer that does not exist"
    back = partner.links.id_in(other.other)
    return None if back is None or back == own else f"{other.label} links elsewhere"


def unlinked_customers(nue_orders: Sequence[DraftOrder], sf_orders: Sequence[DraftOrder],
                       nue_customers: Mapping[str, Customer],
                       accounts: Mapping[str, Customer]) -> Counter[tuple[str, str, str]]:
    """(system, customer, reason) → open drafts, for every draft customer not linked (see the module docstring)."""
    found: Counter[tuple[str, str, str]] = Counter()
    for system, orders in ((System.NUE, nue_orders), (System.SALESFORCE, sf_orders)):
        others = accounts if system is System.NUE else nue_customers
        for order in orders:
            links = order.customer.links
            claimed = links.id_in(system.other)
            reason = _link_state(system.other, claimed, others.get(claimed or ""), links.id_in(system))
            if reason:
                who = order.customer.name or links.id_in(system) or "(unnamed)"
                found[(system.label, who, reason)] += 1
    return found


def customers_check(nue: NueSide, salesforce: SalesforceSide) -> Check:
    """Customers first (rule 7 in docs/design.md): a draft whose customer is not linked is not written."""
    if nue.adapter is None or nue.drafts is None:
        raise RuntimeError("the customers check ran without Nue's drafts")
    sf = salesforce.connected()
    nue_orders, sf_orders = nue.drafts.orders, sf.fetch_orders().orders
    claimed_accounts = sorted({i for o in nue_orders if (i := o.customer.links.salesforce_id)})
    claimed_nue = sorted({i for o in sf_orders if (i := o.customer.links.nue_id)})
    accounts = {c.links.salesforce_id or "": c for c in sf.fetch_customers(claimed_accounts)}
    nue_customers = {c.links.nue_id or "": c for c in nue.adapter.fetch_customers(claimed_nue)}
    unlinked = unlinked_customers(nue_orders, sf_orders, nue_customers, accounts)
    total = len(nue_orders) + len(sf_orders)
    if not unlinked:
        return ok(CUSTOMERS, f"the customers of all {total} open drafts are linked")
    shown = [f"{who} ({system} customer, {reason}, {n} draft{'s' if n > 1 else ''})"
             for (system, who, reason), n in unlinked.most_common(SHOWN_CUSTOMERS)]
    more = len(unlinked) - len(shown)
    listed = "; ".join(shown) + (f"; and {more} more customers" if more > 0 else "")
    drafts = sum(unlinked.values())
    return warn(CUSTOMERS,
                f"open drafts whose customer is not linked: {drafts} of {total}: {listed}",
                "link each customer: set the Account's Nue customer id (Nue's own Salesforce sync links the Nue side), "
                "or let pull/push create them: `sync.create_missing_customers = true` (or --create-customers)")
