"""Long steps report how far along they are: rows read of the total each API announces, and records
written of those sent, as the requests answer."""

from __future__ import annotations

from nuesync.activate import complete_activations
from nuesync.adapters import open_systems
from nuesync.config import load_config
from nuesync.fetch import Scope, fetch_snapshot
from nuesync.reconcile import Direction, reconcile
from nuesync.sandbox import story
from nuesync.sync import RunOptions, SyncRun
from tests.e2e.conftest import World
from tests.e2e.test_volume import LINES_PER_ORDER, seed_nue_carts, seed_salesforce_drafts
from tests.helpers import HeardProgress


def test_reads_report_rows_read_of_the_totals_the_apis_announce(demo: World) -> None:
    heard = HeardProgress()

    settings = load_config(demo.config).settings
    with open_systems(settings, demo.sandbox.environ()) as (nue, salesforce):
        snapshot = fetch_snapshot(nue, salesforce, Scope(), heard)
    counted = {message: (done, total) for message, done, total in heard.heard if total is not None}
    salesforce_drafts = [o for o in demo.sandbox.salesforce.records("Order") if o["StatusCode"] == "Draft"]
    nue_drafts = [o for o in demo.sandbox.nue.orders() if str(o["status"]).lower() == "draft"]
    assert counted["reading Salesforce drafts"] == (len(salesforce_drafts), len(salesforce_drafts))
    assert counted["reading Nue drafts"] == (len(nue_drafts), len(nue_drafts))
    assert len(snapshot.salesforce) >= len(salesforce_drafts)


def synced(world: World, direction: Direction, heard: HeardProgress) -> None:
    settings = load_config(world.config).settings
    with SyncRun(settings, world.sandbox.environ(), RunOptions(direction.value, {}), heard) as run:
        run.apply(run.plan(direction, Scope()))


def test_a_pull_reports_each_write_step_counting_up_to_what_it_sent(empty: World) -> None:
    carts = 210  # more than one Collections call of headers
    seed_nue_carts(empty.sandbox, carts)
    heard = HeardProgress()

    synced(empty, Direction.PULL, heard)

    assert heard.finished("writing order headers to Salesforce") == (carts, carts)
    assert heard.finished("writing order lines to Salesforce") == (carts * LINES_PER_ORDER, carts * LINES_PER_ORDER)
    assert heard.finished("writing links onto Nue orders") == (carts, carts)
    steps = [message for message, _, _ in heard.heard]
    assert steps.index(f"writing {carts} orders to Salesforce") < steps.index("writing order headers to Salesforce")
    assert steps.index("writing links back to Nue") < steps.index("writing links onto Nue orders")


def test_a_push_reports_each_write_step_counting_up_to_what_it_sent(empty: World) -> None:
    drafts = 12
    seed_salesforce_drafts(empty.sandbox, drafts)
    heard = HeardProgress()

    synced(empty, Direction.PUSH, heard)

    assert heard.finished("writing orders to Nue") == (drafts, drafts)
    links = drafts * (1 + LINES_PER_ORDER)  # each Order and its lines
    assert heard.finished("writing links onto Salesforce orders and lines") == (links, links)


def test_an_activation_reports_the_orders_activated(demo: World) -> None:
    heard = HeardProgress()

    settings = demo.sandbox.settings(demo.config.parent / "journal.sqlite3")
    with SyncRun(settings, demo.sandbox.environ(), RunOptions("activate", {}), heard) as run:
        snapshot = fetch_snapshot(run.nue, run.salesforce, Scope())
        (outcome,) = complete_activations(run, reconcile(snapshot.nue, snapshot.salesforce).orders)

    assert outcome.name == story.PORTAL_CHECKOUT
    assert heard.finished("activating orders in Salesforce") == (1, 1)
