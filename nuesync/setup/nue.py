"""`nuesync setup nue`: the Nue tenant settings nuesync needs, as a checklist.

Nue documents no API for these settings (nuesync reads back only Sync Draft Orders, through an
assumed endpoint, for `doctor`), so they cannot be applied for the admin: this says what to set,
where, to which value and why, with the values this config implies (its listener URL, its env var names — never a
secret's value). The menu paths are where the tenant's Settings usually keep them; a tenant's
navigation may name them slightly differently.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from nuesync.config import Settings
from nuesync.errors import UsageError
from nuesync.listen.inbound import NOTED_EVENTS, ORDER_ACTIVATED, ORDER_CREATED
from nuesync.setup import listener
from nuesync.terminal import printable


@dataclass(frozen=True)
class ChecklistItem:
    """One tenant setting: what to set, where, to what, and why nuesync needs it."""

    setting: str
    where: str
    value: str
    why: str
    optional: bool = False

    def as_dict(self) -> dict[str, str | bool]:
        return asdict(self)


def nue_checklist(settings: Settings, listen_url: str | None) -> list[ChecklistItem]:
    """The checklist for this config; `listen_url` is the listener's public base URL (a placeholder without it)."""
    if listen_url and (problem := listener.listen_url_problem(listen_url)):
        raise UsageError(f"setup nue: {problem}")
    url = listener.endpoint(listen_url, listener.NUE_PATH)
    listen = settings.listen
    return [
        ChecklistItem(
            "Sync Draft Orders", "Nue: Settings → Salesforce integration", "on",
            "pull and push write drafts only while it is on (and sync.draft_sync = true); `nuesync doctor` checks it"),
        ChecklistItem(
            "Webhook subscription for order events", "Nue: Settings → Webhooks",
            f"{url} for {ORDER_CREATED} and {ORDER_ACTIVATED}",
            "the listener pulls a new draft within seconds, and completes an activation (a portal checkout) in the "
            "order's origin"),
        ChecklistItem(
            "Webhook subscription for customer events", "Nue: Settings → Webhooks",
            f"{url} for {' and '.join(sorted(NOTED_EVENTS))}",
            "recorded in the journal only: customers are synced with their orders", optional=True),
        ChecklistItem(
            "Webhook signing secret", "Nue: the webhook subscription's secret",
            f"the same secret as ${listen.nue_secret_env} (listen.nue_secret_env) where `nuesync listen` runs",
            f"the listener accepts only deliveries signed with it (HMAC-SHA256 of the body, hex, in the "
            f"{listen.nue_signature_header} header); a tenant that cannot sign uses {url}/<secret> as the URL instead"),
        ChecklistItem(
            "API key", "Nue: Settings → API Keys",
            f"a key exported as ${settings.nue.api_key_env} (nue.api_key_env) where nuesync runs",
            f"every nuesync call to the Nue API ({settings.nue.base_url}) authenticates with it"),
    ]


def checklist_view(items: list[ChecklistItem]) -> Group:
    """The checklist for a person: one numbered block per setting, its lines indented under it. The `why`
    lines are prose a table would squeeze or drop at 80 columns; here they wrap in their own column."""
    blocks: list[RenderableType] = [Text("Nue tenant settings for nuesync", style="bold")]
    for number, item in enumerate(items, start=1):
        heading = Text(f"\n{number}. {printable(item.setting)}", style="bold")
        heading.append(" (optional)" if item.optional else "")
        lines = Table.grid(padding=(0, 1))
        lines.add_column(width=8, justify="right")
        lines.add_column(overflow="fold")
        for label, value in (("where", item.where), ("set", item.value), ("why", item.why)):
            lines.add_row(Text(f"{label}:"), Text(printable(value)))
        blocks += [heading, lines]
    return Group(*blocks)
