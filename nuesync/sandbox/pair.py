"""Both emulators together, served on loopback: what `nuesync sandbox serve`, the demo and the
end-to-end tests run against.

The config it writes holds no secret, like any nuesync config: it names environment variables,
and `environ()` gives their values for this run (the sandbox's throwaway session id, API key and
the webhook secret it signs with). `send_webhooks_to` / `send_outbound_to` point the tenant's
webhooks and the org's Sync Order Outbound Messages at a running `nuesync listen`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nuesync.config import Settings
from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.nue.webhooks import SIGNATURE_HEADER, WebhookSender
from nuesync.sandbox.org_mix import seed_org_mix
from nuesync.sandbox.salesforce import SalesforceSandbox
from nuesync.sandbox.salesforce.outbound import TRIGGER_FIELD, OutboundMessenger
from nuesync.sandbox.server import RunningServer
from nuesync.sandbox.story import DEMO_CUSTOM_FIELD, seed_story

SF_SESSION_ENV = "NUESYNC_SANDBOX_SF_SESSION_ID"
NUE_KEY_ENV = "NUESYNC_SANDBOX_NUE_API_KEY"
LISTEN_SECRET_ENV = "NUESYNC_SANDBOX_WEBHOOK_SECRET"
API_VERSION = "62.0"


@dataclass
class RunningSandbox:
    salesforce: SalesforceSandbox
    nue: NueSandbox
    salesforce_server: RunningServer
    nue_server: RunningServer
    listen_secret: str = field(default_factory=lambda: secrets.token_hex(24))
    _senders: ExitStack = field(default_factory=ExitStack)

    def environ(self) -> dict[str, str]:
        """The environment variables the written config names, with this run's values."""
        return {SF_SESSION_ENV: self.salesforce.session_id, NUE_KEY_ENV: self.nue.api_key,
                LISTEN_SECRET_ENV: self.listen_secret}

    def send_webhooks_to(self, url: str) -> WebhookSender:
        """The tenant's webhook subscription (order and customer events), signed with `listen_secret`."""
        sender = self.nue.send_webhooks(url, self.listen_secret)
        self._senders.callback(sender.close)
        return sender

    def send_outbound_to(self, url: str) -> OutboundMessenger:
        """The org's Sync Order Flow: an Order whose trigger checkbox becomes true is sent to `url`."""
        messenger = self.salesforce.send_outbound_messages(url, self.salesforce_server.url)
        self._senders.callback(messenger.close)
        return messenger

    def close_senders(self) -> None:
        self._senders.close()

    def config(self, state_path: Path | None = None) -> dict[str, Any]:
        """A ready nuesync.toml document (for tomli-w) pointing at both emulators."""
        document: dict[str, Any] = {
            "nue": {"base_url": self.nue_server.url, "api_key_env": NUE_KEY_ENV, "timeout_seconds": 30.0},
            "salesforce": {
                "auth": "session",
                "instance_url": self.salesforce_server.url,
                "api_version": API_VERSION,
                "session_id_env": SF_SESSION_ENV,
                "ca_bundle": str(self.salesforce_server.ca_file),
            },
            "sync": {"draft_sync": True, "create_missing_customers": False, "activated_status": "Activated"},
            "mapping": {"custom_fields": [dict(DEMO_CUSTOM_FIELD)]},
            "listen": {"nue_secret_env": LISTEN_SECRET_ENV, "nue_signature_header": SIGNATURE_HEADER,
                       "trigger_field": TRIGGER_FIELD},
        }
        if state_path is not None:
            document["sync"]["state_path"] = str(state_path)
        return document

    def settings(self, state_path: Path | None = None) -> Settings:
        return Settings.model_validate(self.config(state_path))

    def info(self) -> dict[str, Any]:
        """What scripts need to talk to the emulators directly (`--info-file`)."""
        return {
            "salesforce": {
                "instance_url": self.salesforce_server.url,
                "session_id": self.salesforce.session_id,
                "ca_file": str(self.salesforce_server.ca_file),
                "api_version": API_VERSION,
            },
            "nue": {"base_url": self.nue_server.url, "api_key": self.nue.api_key},
            "env": self.environ(),
        }


def seed_pair(salesforce: SalesforceSandbox, nue: NueSandbox, seed: str) -> None:
    """`empty` (catalogues only), `demo` (the story in `nuesync.sandbox.story`), or N orders mixed like a
    live pair (`nuesync.sandbox.org_mix`; `mix_counts(N)` gives the figures per class)."""
    salesforce.seed_catalog()
    nue.seed_catalog()
    if seed == "empty":
        return
    if seed == "demo":
        seed_story(salesforce, nue)
        return
    seed_org_mix(salesforce, nue, int(seed))


@contextmanager
def running_sandbox(seed: str = "empty", *, port: int = 0, latency_ms: int = 0, webhook_url: str | None = None,
                    outbound_url: str | None = None) -> Iterator[RunningSandbox]:
    """Seed and serve both emulators until the block ends (Salesforce on `port`, Nue on the next);
    with `webhook_url` / `outbound_url`, the tenant's events and the org's Sync Order messages go there."""
    salesforce = SalesforceSandbox(api_version=API_VERSION, latency_ms=latency_ms)
    nue = NueSandbox(latency_ms=latency_ms)
    seed_pair(salesforce, nue, seed)
    with ExitStack() as stack:
        sf_server = stack.enter_context(salesforce.serve(port=port))
        nue_server = stack.enter_context(nue.serve(port=port + 1 if port else 0))
        running = RunningSandbox(salesforce, nue, sf_server, nue_server)
        stack.callback(running.close_senders)
        if webhook_url:
            running.send_webhooks_to(webhook_url)
        if outbound_url:
            running.send_outbound_to(outbound_url)
        yield running
