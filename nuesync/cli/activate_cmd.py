"""`nuesync activate ORDER…`: the options; the run is in `activate_flow`."""

from __future__ import annotations

from typing import Annotated

import typer

from nuesync.cli.context import app_context
from nuesync.cli.options import CustomerOpt, DryRunOpt, YesOpt
from nuesync.errors import UsageError

OrdersArg = Annotated[list[str] | None, typer.Argument(metavar="ORDER", hidden=True, show_default=False)]
SyncFirstOpt = Annotated[bool, typer.Option(
    "--sync-first", help="Sync a differing order from its origin first (sender wins), then activate it.")]


def activate(ctx: typer.Context, orders: OrdersArg = None, customer: CustomerOpt = None,
             sync_first: SyncFirstOpt = False, dry_run: DryRunOpt = False, yes: YesOpt = False) -> int:
    """Activate orders in the system where they were created, then in the other one.

    ORDER is a Nue order id, a Nue order number (O-…) or a Salesforce Order id. An order must be
    the same on both sides (or use --sync-first). An order activated on one side only (a portal
    checkout, or a run that stopped half way) is completed; one activated on both is left alone.
    --customer takes the customer's ready drafts: linked and in sync. Exits 5 when an order is
    refused (the sides differ) or its records contradict each other, 4 when an activation failed
    (run again to complete it).

    \b
    Examples:
      nuesync activate O-00000123 --dry-run
      nuesync activate 801Hn000000000RIAQ --yes
      nuesync activate 801Hn000000000RIAQ --sync-first --yes
      nuesync activate --customer 001Hn00000AbCdE --yes
    """
    from nuesync.cli.activate_flow import activate_orders

    state = app_context(ctx)
    if not orders and not customer:
        raise UsageError("name the orders to activate (Nue order id or number, Salesforce Order id) or use --customer")
    return activate_orders(state, orders or (), customer or (), sync_first=sync_first, dry_run=dry_run, yes=yes)
