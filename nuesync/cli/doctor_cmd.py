"""`nuesync doctor`: is this deployment ready to sync? One line per check; reads only."""

from __future__ import annotations

import typer

from nuesync.cli.context import app_context


def doctor(ctx: typer.Context) -> int:
    """Check that a deployment is ready to sync: config, both APIs, the Salesforce API budget, every
    mapped Salesforce field (exists, type, writable, link fields External IDs), the Sync Draft Orders
    setting, the activated Order status, and that open drafts' customers are linked both ways.
    Reads only.

    \b
    Exit codes (warnings never fail):
      0  nothing failed
      7  an API could not be reached or refused the credentials
      6  the Salesforce API budget is spent
      2  any other failed check: config, missing secret, mapping, an org or Nue setting

    \b
    Examples:
      nuesync doctor
      nuesync --config prod.toml doctor
      nuesync --json doctor | jq '.checks[] | select(.status != "ok")'
    """
    from nuesync.doctor import diagnose, exit_code
    from nuesync.render_reports import doctor_json, doctor_view

    state = app_context(ctx)
    with state.progress() as progress:
        checks = diagnose(state.load_config, state.environ, progress)
    code = exit_code(checks)
    if state.json:
        state.emit_json(doctor_json(checks), code)
    else:
        state.print(doctor_view(checks))
    return int(code)
