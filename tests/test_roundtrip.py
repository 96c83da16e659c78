"""Property: an order written through either adapter's mapping and read back diffs as in sync."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings

from nuesync.adapters.nue_wire import NueWire
from nuesync.adapters.salesforce_wire import order_from_wire
from nuesync.mapping import FieldMapping
from nuesync.model import DraftOrder
from nuesync.reconcile import OrderClass, reconcile
from tests.adapters.salesforce.test_salesforce_wire import stored
from tests.test_model import orders
from tests.test_reconcile import _linked

MAPPING = FieldMapping.build()
NUE = NueWire(MAPPING, "customFields")


def through_salesforce(order: DraftOrder) -> DraftOrder:
    return order_from_wire(stored(order, MAPPING), MAPPING)


def through_nue(order: DraftOrder) -> DraftOrder:
    wire = json.loads(json.dumps(NUE.order_to_wire(order), default=str), parse_float=Decimal)
    return NUE.order_from_wire(wire)


@given(orders)
@settings(max_examples=60, deadline=None)
def test_both_round_trips_reconcile_as_in_sync(order: DraftOrder) -> None:
    order = _linked(order).model_copy(update={"custom_fields": {}, "last_modified": datetime(2026, 11, 27, tzinfo=UTC)})
    (comparison,) = reconcile([through_nue(order)], [through_salesforce(order)]).orders
    assert comparison.cls is OrderClass.IN_SYNC, comparison
