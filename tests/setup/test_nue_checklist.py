"""`nuesync setup nue`: the tenant settings as data, with this config's values and no secret in them."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from nuesync.config import Settings
from nuesync.errors import UsageError
from nuesync.setup.nue import ChecklistItem, checklist_view, nue_checklist


def by_setting(items: list[ChecklistItem]) -> dict[str, ChecklistItem]:
    return {item.setting: item for item in items}


def test_the_checklist_names_every_setting_nuesync_needs() -> None:
    items = by_setting(nue_checklist(Settings(), "https://sync.acme.example/"))
    assert items["Sync Draft Orders"].value == "on"
    assert "Salesforce integration" in items["Sync Draft Orders"].where
    orders = items["Webhook subscription for order events"]
    assert orders.value == "https://sync.acme.example/webhooks/nue for order.created and order.activated"
    customers = items["Webhook subscription for customer events"]
    assert customers.optional and "customer.created" in customers.value
    assert "$NUESYNC_WEBHOOK_SECRET" in items["Webhook signing secret"].value
    assert "X-Nue-Signature" in items["Webhook signing secret"].why
    assert "$NUE_API_KEY" in items["API key"].value
    assert all(item.where and item.value and item.why for item in items.values())
    assert [item.optional for item in items.values()].count(True) == 1


def test_the_checklist_follows_the_config_and_never_holds_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_HOOK_SECRET", "s3cr3t-value")
    monkeypatch.setenv("ACME_NUE_KEY", "key-value")
    settings = Settings.model_validate({
        "nue": {"api_key_env": "ACME_NUE_KEY"},
        "listen": {"nue_secret_env": "ACME_HOOK_SECRET", "nue_signature_header": "X-Acme-Sig"},
    })
    items = nue_checklist(settings, None)
    text = repr([item.as_dict() for item in items])
    assert "$ACME_HOOK_SECRET" in text and "$ACME_NUE_KEY" in text and "X-Acme-Sig" in text
    assert "s3cr3t-value" not in text and "key-value" not in text
    assert "https://nuesync-listener.invalid/webhooks/nue" in text


def test_each_item_is_plain_data_for_json() -> None:
    item = nue_checklist(Settings(), None)[0]
    assert item.as_dict() == {"setting": "Sync Draft Orders", "where": item.where, "value": "on", "why": item.why,
                              "optional": False}


def test_the_view_shows_every_item_whole_at_80_columns() -> None:
    out = io.StringIO()
    Console(file=out, width=80, no_color=True).print(checklist_view(nue_checklist(Settings(), None)))
    shown = " ".join(out.getvalue().split())
    for item in nue_checklist(Settings(), None):
        assert item.setting in shown and " ".join(item.why.split()) in shown


def test_a_listen_url_that_is_not_one_is_refused() -> None:
    with pytest.raises(UsageError, match="absolute http"):
        nue_checklist(Settings(), "sync.acme.example")
