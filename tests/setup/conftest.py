"""A config with an override, a package field and a custom field: the cases the generator must follow."""

from __future__ import annotations

from pathlib import Path

import pytest

from nuesync.config import Settings, load_config

CONFIG = """\
[listen]
trigger_field = "Sync_To_Nue__c"

[mapping.salesforce.order]
"billing.payment_term" = "Payment_Terms__c"
origin = "Ruby__Origin__c"

[[mapping.custom_fields]]
object = "line"
name = "seats_cap"
salesforce = "Seats_Cap__c"
nue = "seatsCap"
type = "number"

[[mapping.custom_fields]]
object = "order"
name = "region"
salesforce = "Region__c"
nue = "region"
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "nuesync.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


@pytest.fixture
def custom_settings(config_path: Path) -> Settings:
    return load_config(config_path).settings
