"""`nuesync diff`: what differs between Nue and Salesforce drafts, field by field; writes nothing."""

from __future__ import annotations

from typing import Annotated

import typer

from nuesync.cli.context import app_context
from nuesync.cli.options import (
    ORDER_CLASSES,
    CustomerOpt,
    DiffSinceOpt,
    OrderOpt,
    completing,
    one_of,
    parse_since,
    scope_from,
)
from nuesync.errors import ExitCode

OnlyOpt = Annotated[
    list[str] | None,
    typer.Option("--only", help="Show only orders of this class (repeatable): " + ", ".join(ORDER_CLASSES) + ".",
                 metavar="CLASS", parser=one_of(ORDER_CLASSES, "an order class"),
                 autocompletion=completing(ORDER_CLASSES), show_default=False),
]
OlderThanOpt = Annotated[
    str | None,
    typer.Option("--older-than", help="Only orders not changed for longer than AGE (24h, 7d, 2w) or since a "
                                      "date: abandoned carts and forgotten drafts.",
                 metavar="AGE", show_default=False),
]
AllOpt = Annotated[bool, typer.Option("--all", help="Detail every order (at a terminal, each class shows its "
                                                    "first orders and says how many more there are).")]


def diff(
    ctx: typer.Context,
    order: OrderOpt = None,
    customer: CustomerOpt = None,
    since: DiffSinceOpt = None,
    only: OnlyOpt = None,
    older_than: OlderThanOpt = None,
    all_: AllOpt = False,
) -> int:
    """Compare draft orders in both systems. Exit 0 when in sync, 3 when anything differs.

    The summary comes first; then each class's orders, the first 25 of each unless --all or
    --only is given (--json always lists every order). Long output at a terminal goes through
    $NUESYNC_PAGER, $PAGER or less.

    \b
    Examples:
      nuesync diff
      nuesync diff --only only_in_nue --older-than 7d    # carts abandoned for a week
      nuesync diff --customer 001Hn00000AbCdE --all
      nuesync --json diff > diff.json                     # CI: exit 0 in sync, 3 not
    """
    from nuesync.diff import run_diff, unchanged_since
    from nuesync.reconcile import OrderClass
    from nuesync.render import DETAIL_LIMIT, diff_json, diff_renderables

    state = app_context(ctx)
    now = state.now()
    scope = scope_from(order, customer, since, now, last_run=False)
    cutoff = parse_since(older_than, now, "--older-than")
    settings = state.load_config().settings
    with state.progress() as progress:
        result = run_diff(settings, state.environ, scope, progress)
    if only:
        result = result.only(OrderClass(name) for name in only)
    if cutoff is not None:
        result = unchanged_since(result, cutoff)
    code = ExitCode.OK if result.in_sync else ExitCode.DIFFERENCES
    if state.json:
        state.emit_json(diff_json(result, now), code)
    else:
        with state.paged():
            state.print(*diff_renderables(result, now, limit=None if all_ or only else DETAIL_LIMIT).renderables)
    return code
