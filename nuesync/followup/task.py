"""The two records a follow-up passes to and from Salesforce, kept free of heavy imports: the adapter
builds its wire records from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class AccountOwner:
    """Who owns an Account, and whether that user can still be given a task (Salesforce refuses a task
    for an inactive user with INACTIVE_OWNER_OR_USER). `integration` says the owner is the user nuesync
    itself logs in as: an Account a pull created is owned by it, and no rep would see its task."""

    user_id: str | None
    active: bool
    integration: bool = False


@dataclass(frozen=True)
class FollowUpTask:
    """One Task to create: related to the cart's Salesforce Order (`WhatId`), keyed by its Nue id."""

    cart_id: str  # the cart's Nue order id, written to `[followup] cart_field`
    order_id: str  # the Salesforce Order (WhatId)
    owner_id: str
    subject: str
    description: str
    due: date
    status: str
    priority: str
    contact_id: str | None = None  # the order's bill-to contact (WhoId), when it has one
