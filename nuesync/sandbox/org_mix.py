"""`--seed N`: N draft orders mixed the way a live Nue + Salesforce pair holds them.

Most orders were synced earlier and are identical on both sides; some were edited on one side
since (a header field, or a line); self-service carts wait in Nue to be pulled and reps' drafts
wait in Salesforce to be pushed; a few were activated on one side only (a customer checked out
in the portal, a rep activated in Salesforce). Every customer is an Account ⇄ Nue customer pair
with a bill-to contact, linked both ways, and every product is in both catalogues, so each
order is one nuesync can write: `pull` and `push` of the one-sided orders succeed. The Accounts
are owned by the org's reps (`REPS`), in turn; one of them has left the company (inactive), as
in any org of some age, so `nuesync followup` meets both kinds of owner.

The mix is data (`ORG_MIX`), and `mix_counts(n)` says exactly how many orders of each class
N gives, so tests, benchmarks and documentation cite the same figures. Seeding is
deterministic: the same N gives the same records (and ids) every time.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from nuesync.sandbox import catalog
from nuesync.sandbox.linked import PairBuilder
from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.nue.seed import BILLING_CHOICES, COMPANY_WORDS, FIRST_NAMES, LAST_NAMES
from nuesync.sandbox.salesforce import SalesforceSandbox


@dataclass(frozen=True)
class MixClass:
    """One kind of order in the mix: its share of N, and the class `nuesync diff` reports for it."""

    name: str
    percent: int
    diff_class: str
    story: str


ORG_MIX: tuple[MixClass, ...] = (
    MixClass("in_sync", 58, "in_sync", "synced earlier, unchanged since"),
    MixClass("header_differs", 7, "differs", "synced earlier, then a header field edited on one side"),
    MixClass("lines_differ", 7, "differs", "synced earlier, then a line's quantity edited on one side"),
    MixClass("only_in_nue", 12, "only_in_nue", "a self-service cart (origin Nue) not pulled yet"),
    MixClass("only_in_salesforce", 10, "only_in_salesforce", "a rep's draft (origin Salesforce) not pushed yet"),
    MixClass("activated_in_nue_only", 3, "activated_in_nue_only",
             "a rep's order the customer checked out in the portal"),
    MixClass("activated_in_salesforce_only", 3, "activated_in_salesforce_only",
             "a rep's order activated in Salesforce, not yet in Nue"),
)
ORDERS_PER_CUSTOMER = 4
# The org's reps, who own its Accounts in turn: (first name, last name, still with the company).
REPS: tuple[tuple[str, str, bool], ...] = (
    ("Joanna", "Smith", True), ("Samir", "Nagheenanajar", True), ("Michael", "Bolton", True),
    ("Milton", "Waddams", False),
)
MAX_LINES = 10
_SEED = 20261101
_FIRST_DAY = dt.date(2026, 1, 1)
_SF_BILLING = {"billingPeriod": "Nue_Billing_Period__c", "billCycleDay": "Nue_Bill_Cycle_Day__c",
               "billingTiming": "Nue_Billing_Timing__c", "paymentTerm": "Nue_Payment_Term__c"}


def mix_counts(n: int) -> dict[str, int]:
    """Orders per mix class for N orders: shares of `ORG_MIX`, rounded so they add up to N.

    Largest remainders win the leftover orders (ties go to the class listed first), so the
    counts are exact, reproducible figures for any N.
    """
    if n < 0:
        raise ValueError(f"a mix of {n} orders")
    exact = {cls.name: n * cls.percent / 100 for cls in ORG_MIX}
    counts = {name: math.floor(share) for name, share in exact.items()}
    leftover = n - sum(counts.values())
    by_remainder = sorted(exact, key=lambda name: -(exact[name] - counts[name]))
    for name in by_remainder[:leftover]:
        counts[name] += 1
    return counts


def diff_counts(n: int) -> dict[str, int]:
    """What `nuesync diff` counts per class on a pair seeded with N orders (classes absent count 0)."""
    totals: Counter[str] = Counter()
    counts = mix_counts(n)
    for cls in ORG_MIX:
        totals[cls.diff_class] += counts[cls.name]
    return dict(totals)


@dataclass(frozen=True)
class SeededOrder:
    """One order of the mix: its class and its ids (None on the side it is missing from)."""

    mix_class: str
    nue_id: str | None
    salesforce_id: str | None


@dataclass(frozen=True)
class _Customer:
    nue_id: str
    account: str
    nue_contact: str
    sf_contact: str


def seed_org_mix(salesforce: SalesforceSandbox, nue: NueSandbox, n: int) -> list[SeededOrder]:
    """Seed both emulators with the mix for N orders; returns every order with its class and ids."""
    rng = random.Random(_SEED)
    builder = PairBuilder(salesforce, nue)
    reps = [salesforce.insert_user(first, last, active=active) for first, last, active in REPS]
    customers = [_linked_customer(builder, rng, index, reps[index % len(reps)])
                 for index in range(math.ceil(n / ORDERS_PER_CUSTOMER))]
    classes = [name for name, count in mix_counts(n).items() for _ in range(count)]
    rng.shuffle(classes)
    seeder = _MixSeeder(builder, rng)
    orders = [seeder.order(name, index, customers[rng.randrange(len(customers))])
              for index, name in enumerate(classes)]
    seeder.activate_in_nue()
    return orders


def _origin(mix_class: str, rng: random.Random) -> str:
    """Carts start in Nue, activated-on-one-side orders are reps' orders; synced pairs started on either side."""
    if mix_class == "only_in_nue":
        return "Nue"
    if mix_class.startswith("activated_"):
        return "Salesforce"
    return rng.choice(("Nue", "Salesforce"))


def _linked_customer(builder: PairBuilder, rng: random.Random, index: int, owner: str) -> _Customer:
    name = f"{rng.choice(COMPANY_WORDS[0])} {rng.choice(COMPANY_WORDS[1])} {index + 1:05d}"
    domain = name.lower().replace(" ", "-")
    nue_id, account = builder.linked_customer(name, f"billing@{domain}.example", owner)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    nue_contact, sf_contact = builder.linked_contact(nue_id, account, first, last, f"{first.lower()}@{domain}.example")
    return _Customer(nue_id, account, nue_contact, sf_contact)


class _MixSeeder:
    """Builds one order of a mix class.

    Portal checkouts are played last: activation provisions subscriptions and assets, which every
    later read of an order in the Nue emulator would scan.
    """

    def __init__(self, builder: PairBuilder, rng: random.Random) -> None:
        self.builder = builder
        self.rng = rng
        self._checkouts: list[str] = []

    def order(self, mix_class: str, index: int, customer: _Customer) -> SeededOrder:
        if mix_class == "only_in_salesforce":
            return SeededOrder(mix_class, None, self._rep_draft(index, customer))
        cart = self._nue_draft(index, customer, _origin(mix_class, self.rng))
        if mix_class == "only_in_nue":
            return SeededOrder(mix_class, cart["id"], None)
        sf_order = self.builder.mirror(cart, customer.account)
        if mix_class == "header_differs":
            self._edit_header(cart, sf_order)
        elif mix_class == "lines_differ":
            self._edit_line(cart)
        elif mix_class == "activated_in_nue_only":
            self._checkouts.append(cart["id"])
        elif mix_class == "activated_in_salesforce_only":
            self.builder.sf.update("Order", sf_order, {"Status": "Activated"})
        return SeededOrder(mix_class, cart["id"], sf_order)

    def activate_in_nue(self) -> None:
        for order_id in self._checkouts:
            self.builder.nue.activate_order(order_id)

    # --- the two ways an order starts ------------------------------------------------------

    def _nue_draft(self, index: int, customer: _Customer, origin: str) -> dict[str, Any]:
        effective = self._effective_date()
        lines = []
        for product in self._products():
            line: dict[str, Any] = {"sku": product.sku, "quantity": self._quantity(product),
                                    "subscriptionStartDate": effective.isoformat()}
            if product.recurring:
                line["subscriptionTerm"] = self.rng.choice((12, 12, 24, 36))
            if self.rng.random() < 0.15:
                line["discount"] = self.rng.choice((5, 10, 15))
            if self.rng.random() < 0.2:
                line["priceTags"] = [self.rng.choice(catalog.PRICE_TAGS).code]
            lines.append(line)
        name = f"Self-service cart {index + 1:05d}" if origin == "Nue" else f"Rep order {index + 1:05d}"
        header: dict[str, Any] = {"billToContact": {"id": customer.nue_contact}, "effectiveDate": effective.isoformat(),
                                  **self.rng.choice(BILLING_CHOICES)}
        if origin == "Nue":
            header["description"] = "Created in the billing portal"
        return self.builder.nue_order(customer.nue_id, name, lines, origin=origin, **header)

    def _rep_draft(self, index: int, customer: _Customer) -> str:
        products = self._products()
        skus = [(product.sku, self._quantity(product)) for product in products]
        tags = {position: self.rng.choice(catalog.PRICE_TAGS).code
                for position in range(len(products)) if self.rng.random() < 0.2}
        billing = {_SF_BILLING[key]: value for key, value in self.rng.choice(BILLING_CHOICES).items()}
        return self.builder.salesforce_order(customer.account, f"Rep draft {index + 1:05d}", skus,
                                             effective=self._effective_date(), contact=customer.sf_contact,
                                             billing=billing, tags=tags)

    # --- edits since the last sync ---------------------------------------------------------

    def _edit_header(self, cart: dict[str, Any], sf_order: str) -> None:
        """Half the time the customer applies a promotion in Nue, otherwise a rep changes the payment term."""
        if self.rng.random() < 0.5:
            self.builder.nue.update_order(cart["id"], {"discount": 10})
        else:
            self.builder.sf.update("Order", sf_order, {"Nue_Payment_Term__c": "Net 60"})

    def _edit_line(self, cart: dict[str, Any]) -> None:
        """One line's quantity grows, in Nue (the customer) or in Salesforce (a rep)."""
        line = self.rng.choice(cart["orderProducts"])
        quantity = line["quantity"] + self.rng.randint(1, 5)
        if self.rng.random() < 0.5:
            self.builder.nue.update_order(cart["id"], {"orderProducts": [{"id": line["id"], "quantity": quantity}]})
        else:
            item = self.builder.nue.get_order(cart["id"])
            linked = next(p["salesforceId"] for p in item["orderProducts"] if p["id"] == line["id"])
            self.builder.sf.update("OrderItem", linked, {"Quantity": quantity})

    # --- random but reproducible content ---------------------------------------------------

    def _effective_date(self) -> dt.date:
        return _FIRST_DAY + dt.timedelta(days=self.rng.randrange(0, 330))

    def _products(self) -> list[catalog.Product]:
        """1–10 catalogue products; a product repeats only when the order has more lines than the catalogue."""
        count = self.rng.randint(1, MAX_LINES)
        picks = self.rng.sample(catalog.PRODUCTS, min(count, len(catalog.PRODUCTS)))
        return picks + [self.rng.choice(catalog.PRODUCTS) for _ in range(count - len(picks))]

    def _quantity(self, product: catalog.Product) -> int:
        return self.rng.randint(1, 50) if product.sku == "NUE-SEAT" else self.rng.randint(1, 5)
