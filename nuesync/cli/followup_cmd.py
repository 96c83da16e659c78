"""`nuesync followup`: the options; the run is `nuesync.followup.run.follow_up`."""

from __future__ import annotations

from typing import Annotated

import typer

from nuesync.cli.context import app_context
from nuesync.cli.options import DryRunOpt, YesOpt, parse_since

OlderThanOpt = Annotated[
    str | None,
    typer.Option("--older-than", help="Carts not changed for longer than AGE (24h, 7d, 2w) or since a date "
                                      "(default: followup.older_than in the config, 24h).",
                 metavar="AGE", show_default=False),
]


def followup(ctx: typer.Context, older_than: OlderThanOpt = None, dry_run: DryRunOpt = False,
             yes: YesOpt = False) -> int:
    """Give the Account's owner a Salesforce task for each abandoned self-service cart.

    A cart is a Nue draft that was pulled into Salesforce, is still a draft in both systems and
    has not changed for longer than AGE. Each gets one Task, related to the Order and due in
    followup.due_in_days, with the cart's total and lines; never a second one (the task holds the
    cart's Nue id), and none for a cart checked out in the meantime (read again before writing).
    Exits 3 on a dry run that would create tasks, 5 when an Account has no active owner and
    followup.owner_fallback is not set, 4 or 8 when tasks could not be created.

    \b
    Examples:
      nuesync followup --dry-run                  # the carts, and the task each would get
      nuesync followup --older-than 3d --yes
      nuesync --quiet followup --yes              # from cron
      nuesync --json followup --yes > followup.json
    """
    from nuesync.followup.render import followup_json, plan_view, report_view
    from nuesync.followup.rules import FollowupPlan
    from nuesync.followup.run import FollowupRequest, follow_up
    from nuesync.terminal import printable

    state = app_context(ctx)
    settings = state.load_config().settings
    now = state.now()
    age = older_than or settings.followup.older_than
    cutoff = parse_since(older_than, now, "--older-than") or now - settings.followup.age
    if not dry_run:
        state.require_confirmation_possible(yes, "create tasks")

    def show(plan: FollowupPlan) -> None:
        if not state.json:
            state.print(plan_view(plan, age))

    def confirm(plan: FollowupPlan) -> bool:
        return state.confirm(f"Create {len(plan.creates)} task(s) in Salesforce?")

    with state.progress() as progress:
        report = follow_up(settings, state.environ, FollowupRequest(age, cutoff, now, dry_run=dry_run, yes=yes),
                           progress=progress, show=show, confirm=confirm)
    if state.json:
        state.emit_json(followup_json(report, age), report.exit_code)
    elif report.declined:
        state.err_console().print("No task created.")
    elif not report.dry_run and report.outcomes:
        state.print(report_view(report))
    if report.stopped is not None:
        state.err_console().print(printable(f"stopped: {report.stopped.reason}; run the same command again to "
                                            "finish"))
    return report.exit_code
