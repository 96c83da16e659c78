"""Carry out a plan: batched, idempotent writes, links written back, then verification.

The order of writes is what makes a crash harmless. The receiver is written first, keyed by the
sender's ids (an external-id upsert in Salesforce, a lookup by `salesforceId` in Nue), so a
re-run finds what a dead run created instead of creating it again; the links are written back
to the sender afterwards, and a run that died in between is completed by the next one (the
one-way link still pairs the two records). Every order written is read back from both systems
and only counted a success when they now agree (rule 10 in docs/design.md).

After a push, each Nue order written gets the customer's billing-portal checkout link (from
`nue.checkout_url_template`, when set) on its Salesforce Order, in the same Collections call that
writes the links back: the link costs no request of its own.

A run can also be stopped part-way: an API goes away, the API budget is spent, or the user
presses Ctrl-C. The report then still holds every order's outcome — written, written but not
yet linked back, or not written — and carries the stop's exit code, so nothing half-written is
left unreported and the next run knows what to finish.

With customer creation asked for, the receiver's missing customers and then the orders' missing
bill-to contacts are written first, each keyed by the sender's id like the orders (a record
already carrying it is reused), and linked back on the sender where its link can be written: a
Nue customer's link (`externalId`) is Nue's own Salesforce sync's, so after a pull the Account's
Nue id alone pairs the two (`reconcile` pairs an order's customer by one link). After a push, a
new Nue customer cannot carry its Account's id, so a run that stops before linking it back says
which link to write by hand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from nuesync.adapters.base import OrderSystem, Outcome, WriteResult
from nuesync.config import checkout_url, template_placeholders
from nuesync.errors import ExitCode, NuesyncError, interruption
from nuesync.journal import Journal
from nuesync.model import ContactRef, Customer, DraftOrder, Links, System
from nuesync.outcome import WRITTEN, OrderOutcome, Result
from nuesync.plan import CUSTOMER_LINK_WRITABLE, ActionKind, OrderAction, Plan
from nuesync.progress import Progress, no_progress
from nuesync.reconcile import OrderClass, field_paths, reconcile

# The results a sync run reports (an activation has its own), counted in this order.
SYNC_RESULTS = (Result.CREATED, Result.UPDATED, Result.LINKED, Result.UNCHANGED, Result.SKIPPED, Result.BLOCKED,
                Result.FAILED)


@dataclass(frozen=True)
class Stop:
    """Why a run stopped before every planned write was done, and the exit code that says so."""

    reason: str
    exit_code: ExitCode


@dataclass(frozen=True)
class ApplyReport:
    plan: Plan
    outcomes: tuple[OrderOutcome, ...]
    stopped: Stop | None = None
    customers_created: int = 0  # on the receiver, even when an order of theirs failed afterwards
    checkout_urls: Mapping[str, str] = field(default_factory=dict)  # order key → billing-portal link written
    contacts_created: int = 0  # bill-to contacts on the receiver, like `customers_created`

    def counts(self) -> dict[str, int]:
        counted = {r.value: 0 for r in SYNC_RESULTS}
        for outcome in self.outcomes:
            counted[outcome.result.value] += 1
        return counted

    @property
    def written(self) -> bool:
        return (self.customers_created > 0 or self.contacts_created > 0
                or any(o.result in WRITTEN for o in self.outcomes))

    @property
    def exit_code(self) -> ExitCode:
        """A stopped run says why (7 API unavailable, 6 budget, 130 Ctrl-C, 143 SIGTERM); then
        failures: 4 when something was written too, 8 when nothing was; then blocked orders, which
        need a person's decision (5): a cron job must not report success while an order waits for
        someone to link a customer or fix a record."""
        if self.stopped is not None:
            return self.stopped.exit_code
        if any(o.result is Result.FAILED for o in self.outcomes):
            return ExitCode.PARTIAL_FAILURE if self.written else ExitCode.NOTHING_WRITTEN
        if any(o.result is Result.BLOCKED for o in self.outcomes):
            return ExitCode.CONFLICTS
        return ExitCode.OK

    @property
    def stopped_early(self) -> str | None:
        """Why the adapter stopped sending after a run of identical failures, if it did."""
        return next((o.message for o in self.outcomes if o.error_code == STOPPED_EARLY), None)




@dataclass
class _Work:
    """One order on its way through the steps; `failure` stops it, the others go on."""

    action: OrderAction
    sender: DraftOrder
    receiver_id: str | None = None
    line_ids: dict[str, str] = field(default_factory=dict)  # sender line id → receiver line id
    customer_id: str | None = None  # the customer's id on the receiver
    customer_created: str | None = None  # set when this run created that customer on the receiver
    contact_id: str | None = None  # the bill-to contact's id on the receiver
    contact_created: str | None = None  # set when this run created that contact on the receiver
    checkout_url: str | None = None  # the Nue order's billing-portal link, to write onto the Salesforce Order
    checkout_written: bool = False
    failure: tuple[str, str] | None = None
    result: Result = Result.UNCHANGED

    def fail(self, code: str | None, message: str | None) -> None:
        if self.failure is None:
            self.failure = (code or "FAILED", message or "failed")

    def contact_key(self, sender: System) -> str | None:
        """The bill-to contact's id in the sender (what its creation on the receiver is keyed by)."""
        contact = self.sender.bill_to_contact
        return contact.links.id_in(sender) if contact else None


def apply_plan(plan: Plan, nue: OrderSystem, salesforce: OrderSystem, *, journal: Journal | None = None,
               run_id: int | None = None, progress: Progress | None = None,
               checkout_url_template: str | None = None) -> ApplyReport:
    """Write what `plan` says, verify it, journal it; per-order outcomes, never one failure for all.

    `checkout_url_template` (a push only) adds each written Nue order's checkout link to its Salesforce Order.
    """
    say = progress or no_progress
    systems = {System.NUE: nue, System.SALESFORCE: salesforce}
    sender, receiver = systems[plan.direction.sender], systems[plan.direction.receiver]
    work = [_Work(a, a.sender) for a in plan.writes if a.sender is not None]
    for item in work:
        item.receiver_id = item.action.receiver.links.id_in(receiver.system) if item.action.receiver else None
        item.customer_id = item.sender.customer.links.id_in(receiver.system)
        contact = item.sender.bill_to_contact
        item.contact_id = contact.links.id_in(receiver.system) if contact else None
        item.line_ids = _known_line_ids(item, sender.system, receiver.system)
    stopped: Stop | None = None
    verified: dict[int, str | None]
    try:
        _write(work, sender, receiver, say, checkout_url_template if receiver.system is System.NUE else None,
               journal)
    except (NuesyncError, KeyboardInterrupt) as exc:
        stopped = stop_for(exc)
        _mark_stopped(work, stopped.reason, sender.system)
    try:
        say("verifying both systems agree")
        verified = _verify(work, sender, receiver, journal)
    except (NuesyncError, KeyboardInterrupt) as exc:
        stopped = stopped or stop_for(exc)
        verified = {id(w): f"written, but not read back to verify it: {stopped.reason}" for w in work
                    if w.failure is None}
    outcomes = _outcomes(plan, work, verified)
    created = {w.customer_created for w in work if w.customer_created}
    contacts = {w.contact_created for w in work if w.contact_created}
    links = {w.action.key: w.checkout_url for w in work if w.checkout_url and w.checkout_written}
    report = ApplyReport(plan, outcomes, stopped, len(created), links, len(contacts))
    if journal is not None and run_id is not None:
        journal.record_actions(run_id, outcomes)
    return report


def _write(work: list[_Work], sender: OrderSystem, receiver: OrderSystem, say: Progress,
           checkout_url_template: str | None, journal: Journal | None) -> None:
    """The write steps, in the order that makes a crash harmless (see the module docstring)."""
    say("creating missing customers")
    _create_customers([w for w in work if w.action.create_customer], sender, receiver, journal)
    say("creating missing bill-to contacts")
    _create_contacts([w for w in work if w.failure is None and w.action.create_contact], sender, receiver)
    say("writing links the receiver is missing")
    _link(receiver, [w for w in work if w.failure is None and _receiver_lacks_links(w, sender.system)], sender.system,
          say)
    say(f"writing {len(work)} orders to {receiver.system.label}")
    _upsert([w for w in work if w.failure is None and w.action.kind is not ActionKind.LINK], receiver, say)
    if checkout_url_template:
        _checkout_links([w for w in work if w.failure is None and w.receiver_id], receiver, checkout_url_template)
    say(f"writing links back to {sender.system.label}")
    _link(sender, [w for w in work if w.failure is None and (w.checkout_url or _sender_lacks_links(w, sender.system))],
          sender.system, say)


def _checkout_links(work: list[_Work], nue: OrderSystem, template: str) -> None:
    """Each written Nue order's billing-portal link. A template naming `{order_number}` needs the numbers
    Nue gave the orders just created: one batched read of those, only then."""
    numbers = {w.receiver_id: w.action.receiver.order_number for w in work if w.action.receiver}
    unnumbered = [str(w.receiver_id) for w in work if not numbers.get(w.receiver_id)]
    if unnumbered and "order_number" in template_placeholders(template):
        numbers |= {o.links.nue_id: o.order_number
                    for o in nue.fetch_orders(ids=unnumbered, include_activated=True).orders}
    for item in work:
        number = numbers.get(item.receiver_id)
        item.checkout_url = checkout_url(template, order_id=item.receiver_id, order_number=number,
                                         customer_id=item.customer_id)


def stop_for(exc: NuesyncError | KeyboardInterrupt) -> Stop:
    """How a run that had to stop says why: what `apply` and `followup` report instead of raising."""
    if isinstance(exc, KeyboardInterrupt):
        return Stop(*interruption(exc))
    return Stop(exc.message, exc.exit_code)


def _mark_stopped(work: list[_Work], reason: str, sender: System) -> None:
    """Every order the stop caught mid-way says how far it got; the next run finishes it."""
    receiver = sender.other
    for item in work:
        if item.failure is not None or _finished(item, sender):
            continue
        if item.result in _WRITTEN:
            item.fail("RUN_STOPPED", f"written to {receiver.label} ({item.receiver_id}) but not linked back in "
                                     f"{sender.label}: the run stopped: {reason}; the next run links it")
        elif item.action.kind is ActionKind.LINK:
            item.fail("RUN_STOPPED", f"links not written: the run stopped: {reason}")
        else:
            item.fail("RUN_STOPPED", f"not (or not confirmed) written to {receiver.label}: the run stopped: {reason}; "
                                     "the next run completes it")


_WRITTEN = frozenset({Result.CREATED, Result.UPDATED})
STOPPED_EARLY = "STOPPED_EARLY"  # the adapters' code for records not sent after identical failures


def _finished(item: _Work, sender: System) -> bool:
    """Whether no later step would have touched this order: its write and every link are done."""
    wanted = {Result.LINKED} if item.action.kind is ActionKind.LINK else _WRITTEN
    return item.result in wanted and not _sender_lacks_links(item, sender)


def _known_line_ids(item: _Work, sender: System, receiver: System) -> dict[str, str]:
    """Sender line id → receiver line id, from whichever side holds the link (after a crash
    between writing the receiver and linking back, only the receiver's lines do)."""
    receiver_lines = item.action.receiver.lines if item.action.receiver else []
    known: dict[str, str] = {}
    for line in [*item.sender.lines, *receiver_lines]:
        sender_id, receiver_id = line.links.id_in(sender), line.links.id_in(receiver)
        if sender_id and receiver_id:
            known.setdefault(sender_id, receiver_id)
    return known


def _create_customers(work: list[_Work], sender: OrderSystem, receiver: OrderSystem,
                      journal: Journal | None) -> None:
    """Create each missing customer once on the receiver, then link it back on the sender (Nue answers
    `unchanged` without a request: its customer link is its own Salesforce sync's).

    A receiver that keys a new customer by the sender's id (Salesforce) makes a rerun after a crash
    find it. One that cannot hold that id (Nue) has the journal instead: each creation is recorded
    the moment it is answered, and a later run updates and links the customer it remembers rather
    than creating a second one.
    """
    by_sender_id: dict[str, Customer] = {}
    for item in work:
        customer = item.action.create_customer
        if customer is not None and customer.links.id_in(sender.system):
            by_sender_id.setdefault(str(customer.links.id_in(sender.system)), customer)
    if not by_sender_id:
        return
    ledger = None if CUSTOMER_LINK_WRITABLE[receiver.system] else journal
    remembered = ledger.created_customers(receiver.system, by_sender_id) if ledger else {}
    wanted = [_with_link(customer, receiver.system, remembered.get(sender_id))
              for sender_id, customer in by_sender_id.items()]
    created = {r.key: r for r in receiver.upsert_customers(wanted)}
    if ledger:
        ledger.remember_created_customers(receiver.system, {key: str(r.record_id) for key, r in created.items()
                                                            if r.outcome is Outcome.CREATED and r.record_id})
    for item in work:
        result = created.get(str(item.sender.customer.links.id_in(sender.system)))
        if result is not None and result.ok:
            item.customer_created = result.record_id or result.key
    linked_back = []
    for sender_id, customer in by_sender_id.items():
        result = created.get(sender_id)
        if result and result.ok and result.record_id:
            own = {sender.system.value + "_id": sender_id, receiver.system.value + "_id": result.record_id}
            linked_back.append(customer.model_copy(update={"links": Links(**own)}))
    try:
        back = {r.key: r for r in sender.link_customers(linked_back)} if linked_back else {}
    except (NuesyncError, KeyboardInterrupt) as exc:
        for item in work:
            result = created.get(str(item.sender.customer.links.id_in(sender.system)))
            if result is not None and result.ok and result.record_id:
                item.fail("RUN_STOPPED", _unlinked("customer", str(item.sender.customer.links.id_in(sender.system)),
                                                   result, sender.system, f"the run stopped: {stop_for(exc).reason}"))
        raise
    for item in work:
        sender_id = str(item.sender.customer.links.id_in(sender.system))
        result = created.get(sender_id)
        record_id = _created_and_linked(item, "customer", sender_id, result, back.get(sender_id), sender.system)
        if record_id is not None:
            item.customer_id = record_id


def _with_link(customer: Customer, system: System, record_id: str | None) -> Customer:
    """The customer with its id in `system` (one an earlier run created there), when known."""
    if record_id is None:
        return customer
    return customer.model_copy(update={"links": customer.links.model_copy(update={f"{system.value}_id": record_id})})


def _created_and_linked(item: _Work, what: str, sender_id: str, result: WriteResult | None,
                        link: WriteResult | None, sender: System) -> str | None:
    """The receiver's id of the `what` (customer, bill-to contact) created for the order and linked back
    on the sender; None once the order is failed with the step that went wrong, as its write needs both."""
    code = what.split()[-1].upper()
    if result is None or not result.ok or not result.record_id:
        item.fail(result.error_code if result else f"{code}_NOT_CREATED",
                  f"{what} {sender_id} could not be created in {sender.other.label}: "
                  f"{result.message if result else 'no answer'}")
        return None
    if link is None or not link.ok:
        item.fail(link.error_code if link else f"{code}_NOT_LINKED",
                  _unlinked(what, sender_id, result, sender, link.message if link else "no answer"))
        return None
    return result.record_id


def _unlinked(what: str, sender_id: str, created: WriteResult, sender: System, why: str) -> str:
    """A record created on the receiver but not linked back on the sender; the next run links it (found by
    the sender's id, or, where the receiver cannot hold that id, from the journal)."""
    return (f"{what} {sender_id} was created in {sender.other.label} ({created.record_id}) but its link was not "
            f"written back in {sender.label}: {why}; the next run links it")


def _create_contacts(work: list[_Work], sender: OrderSystem, receiver: OrderSystem) -> None:
    """Create each missing bill-to contact once on the receiver, under its order's customer there (read
    from the sender first: the order knows a contact by name and links only), then link it back on the
    sender."""
    customers: dict[str, str | None] = {}  # sender contact id → the receiver customer it goes under
    for item in work:
        customers.setdefault(str(item.contact_key(sender.system)), item.customer_id)
    details = {d.links.id_in(sender.system): d for d in sender.fetch_contacts(list(customers))}
    wanted = [replace(details[i], customer_id=customer) for i, customer in customers.items() if i in details]
    created = {r.key: r for r in receiver.upsert_contacts(wanted)} if wanted else {}
    linked_back = [
        ContactRef(links=Links(**{f"{sender.system.value}_id": sender_id,
                                  f"{receiver.system.value}_id": result.record_id}))
        for sender_id, result in created.items() if result.ok and result.record_id
    ]
    linked = {r.key: r for r in sender.link_contacts(linked_back)} if linked_back else {}
    for item in work:
        sender_id = str(item.contact_key(sender.system))
        result = created.get(sender_id)
        if sender_id not in details:
            item.fail("CONTACT_NOT_FOUND", f"bill-to contact {sender_id} was not found in {sender.system.label} to "
                                           f"copy to {receiver.system.label}")
        elif (record_id := _created_and_linked(item, "bill-to contact", sender_id, result, linked.get(sender_id),
                                               sender.system)) is not None:
            item.contact_id = record_id
            item.contact_created = record_id if result and result.outcome is Outcome.CREATED else None


def _receiver_lacks_links(item: _Work, sender: System) -> bool:
    receiver_order = item.action.receiver
    if receiver_order is None:
        return False
    if receiver_order.links.id_in(sender) is None:
        return True
    return any(line.links.id_in(sender) is None and line.links.id_in(sender.other) in item.line_ids.values()
               for line in receiver_order.lines)


def _sender_lacks_links(item: _Work, sender: System) -> bool:
    order = item.sender
    receiver = sender.other
    return (order.links.id_in(receiver) != item.receiver_id or order.origin is None
            or any(line.links.id_in(receiver) != item.line_ids.get(line.links.id_in(sender) or "")
                   for line in order.lines))


def _linked_order(item: _Work, sender: System) -> DraftOrder:
    """The sender's order carrying both systems' ids for itself, its customer and its lines."""
    receiver = sender.other
    order_links = {f"{sender.value}_id": item.sender.links.id_in(sender), f"{receiver.value}_id": item.receiver_id}
    customer_links = {f"{sender.value}_id": item.sender.customer.links.id_in(sender),
                      f"{receiver.value}_id": item.customer_id}
    lines = [
        line.model_copy(update={"links": {f"{sender.value}_id": line.links.id_in(sender),
                                          f"{receiver.value}_id": item.line_ids.get(line.links.id_in(sender) or "")}})
        for line in item.sender.lines
    ]
    contact = item.sender.bill_to_contact
    contact_links = {f"{sender.value}_id": contact.links.id_in(sender), f"{receiver.value}_id": item.contact_id} \
        if contact else None
    return item.sender.model_copy(update={
        "links": order_links,
        "origin": item.sender.origin or sender,
        "customer": item.sender.customer.model_copy(update={"links": customer_links}),
        "bill_to_contact": contact.model_copy(update={"links": contact_links}) if contact else None,
        "lines": lines,
    })


def _upsert(work: list[_Work], receiver: OrderSystem, say: Progress) -> None:
    """Write the orders to the receiver; `say` hears the adapter count its records as they are written."""
    if not work:
        return
    sender = receiver.system.other
    orders = [_linked_order(item, sender) for item in work]
    try:
        results = _by_key(receiver.upsert_orders(orders, progress=say))
    except NuesyncError as exc:
        written = _by_key(getattr(exc, "partial_results", ()))  # what the adapter did before it had to stop
        _take_upserts([w for w in work if str(w.sender.links.id_in(sender)) in written], written, sender)
        raise
    _take_upserts(work, results, sender)


def _take_upserts(work: list[_Work], results: Mapping[str, WriteResult], sender: System) -> None:
    for item in work:
        result = results.get(str(item.sender.links.id_in(sender)))
        if result is None or not result.ok:
            item.fail(result.error_code if result else "NO_RESULT", result.message if result else "no answer")
            continue
        item.receiver_id = result.record_id or item.receiver_id
        item.line_ids.update(result.line_ids)
        item.result = Result.CREATED if result.outcome is Outcome.CREATED else Result.UPDATED


def _link(system: OrderSystem, work: list[_Work], sender: System, say: Progress) -> None:
    """Write the other system's ids onto `system`'s records (orders and lines), batched; onto a Salesforce
    Order, its checkout link too. `say` hears the records written as they are."""
    if not work:
        return
    orders = [_linked_order(item, sender) for item in work]
    if system.system is sender:  # an order whose links are all in place is here for its checkout link alone
        orders = [order if _sender_lacks_links(item, sender) else order.model_copy(update={"lines": []})
                  for item, order in zip(work, orders, strict=True)]
    links = {str(order.links.salesforce_id): item.checkout_url for item, order in zip(work, orders, strict=True)
             if item.checkout_url and system.system is System.SALESFORCE}
    written = system.set_links(orders, links, progress=say) if links else system.set_links(orders, progress=say)
    results = _by_key(written)
    for item, order in zip(work, orders, strict=True):
        result = results.get(str(order.links.id_in(system.system)))
        if result is None or not result.ok:
            item.fail(result.error_code if result else "NO_RESULT",
                      f"the link in {system.system.label} was not written: {result.message if result else 'no answer'}")
        else:
            item.checkout_written = str(order.links.salesforce_id) in links
            if item.result is Result.UNCHANGED:
                item.result = Result.LINKED


def _by_key(results: Iterable[WriteResult]) -> dict[str, WriteResult]:
    return {r.key: r for r in results}


def _verify(work: list[_Work], sender: OrderSystem, receiver: OrderSystem,
            journal: Journal | None) -> dict[int, str | None]:
    """Re-read every written order from both systems (batched) and compare; None means they agree."""
    done = [w for w in work if w.failure is None]
    if not done:
        return {}
    sender_ids = [str(w.sender.links.id_in(sender.system)) for w in done]
    receiver_ids = [w.receiver_id for w in done if w.receiver_id]
    sender_read = sender.fetch_orders(ids=sender_ids, include_activated=True)
    receiver_read = receiver.fetch_orders(ids=receiver_ids, include_activated=True)
    sides = {sender.system: sender_read.orders, receiver.system: receiver_read.orders}
    result = reconcile(sides[System.NUE], sides[System.SALESFORCE])
    by_sender_id = {
        c.side(sender.system).links.id_in(sender.system): c for c in result.orders if c.side(sender.system)
    }
    verdicts: dict[int, str | None] = {}
    hashes: dict[System, dict[str, str]] = {System.NUE: {}, System.SALESFORCE: {}}
    for item in done:
        comparison = by_sender_id.get(item.sender.links.id_in(sender.system))
        if comparison is None or comparison.side(receiver.system) is None:
            verdicts[id(item)] = f"not found in {receiver.system.label} when read back"
        elif comparison.cls is not OrderClass.IN_SYNC:
            paths = ", ".join(field_paths(comparison)) or comparison.cls.value
            verdicts[id(item)] = f"read back, the systems still differ: {paths}"
        else:
            verdicts[id(item)] = None
            for system in System:
                order = comparison.side(system)
                if order is not None and order.links.id_in(system):
                    hashes[system][str(order.links.id_in(system))] = order.content_hash()
    if journal is not None:
        for system, saved in hashes.items():
            journal.save_hashes(system, saved)
    return verdicts


def _outcomes(plan: Plan, work: list[_Work], verdicts: Mapping[int, str | None]) -> tuple[OrderOutcome, ...]:
    by_action = {id(w.action): w for w in work}
    outcomes = []
    for action in plan.actions:
        ids = _ids(action)
        item = by_action.get(id(action))
        fields = tuple(change.field for change in action.changes)
        if item is None:
            kind = Result.BLOCKED if action.kind is ActionKind.BLOCK or plan.refused else Result.SKIPPED
            reason = plan.refused if plan.refused and action.writes else action.reason
            outcomes.append(OrderOutcome(action.key, action.kind, kind, *ids, message=reason, fields=fields))
            continue
        ids = _written_ids(item, plan.direction.sender)
        problem = item.failure or (("NOT_VERIFIED", verdicts[id(item)]) if verdicts.get(id(item)) else None)
        if problem:
            outcomes.append(OrderOutcome(action.key, action.kind, Result.FAILED, *ids, *problem, fields=fields))
        else:
            outcomes.append(OrderOutcome(action.key, action.kind, item.result, *ids, fields=fields))
    return tuple(outcomes)


def _written_ids(item: _Work, sender: System) -> tuple[str | None, str | None]:
    """Both ids of an order after its writes (the receiver's id may be new)."""
    own = item.sender.links.id_in(sender)
    return (own, item.receiver_id) if sender is System.NUE else (item.receiver_id, own)


def _ids(action: OrderAction) -> tuple[str | None, str | None]:
    orders = [o for o in (action.sender, action.receiver) if o is not None]
    nue = next((o.links.nue_id for o in orders if o.links.nue_id), None)
    sf = next((o.links.salesforce_id for o in orders if o.links.salesforce_id), None)
    return nue, sf

