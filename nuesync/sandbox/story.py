"""The demo story (`--seed demo`): both emulators seeded with one of every situation `diff` knows.

Records are written through each emulator's own calls (its rules still apply), the way each
system would hold them after some history: orders synced earlier carry each other's ids, a cart
was abandoned in Nue, a rep left a draft in Salesforce, a customer checked out in the portal.
Linked pairs are built by `nuesync.sandbox.linked.PairBuilder`, like every seeded pair.
"""

from __future__ import annotations

from nuesync.sandbox.linked import PairBuilder
from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.salesforce import SalesforceSandbox

DEMO_CUSTOM_FIELD = {"object": "order", "name": "region", "salesforce": "Region__c", "nue": "region",
                     "type": "string"}

# The names tests and the demo narration use for each order of the story.
ABANDONED_CART = "Self-service cart (abandoned)"
REP_DRAFT = "Rep draft: Initech expansion"
DIVERGED = "Acme seats top-up"
IN_SYNC = "Acme platform renewal"
PORTAL_CHECKOUT = "Initech support upgrade"
UNLINKED_CUSTOMER = "Globex starter cart"
CUSTOM_FIELDS = "Acme EU rollout"


def seed_story(salesforce: SalesforceSandbox, nue: NueSandbox) -> None:
    """Seed both emulators with the demo story (see the module docstring)."""
    story = PairBuilder(salesforce, nue)
    acme_nue, acme_sf = story.linked_customer("Acme Corp", "billing@acme.example")
    initech_nue, initech_sf = story.linked_customer("Initech", "ap@initech.example")
    globex_nue = nue.insert_customer({"name": "Globex", "recordType": "Business", "email": "ops@globex.example"})

    in_sync = story.nue_order(acme_nue, IN_SYNC, [{"sku": "NUE-PLAT-PRO", "quantity": 1, "subscriptionTerm": 12},
                                                  {"sku": "NUE-SEAT", "quantity": 25, "subscriptionTerm": 12}])
    story.mirror(in_sync, acme_sf)

    diverged = story.nue_order(acme_nue, DIVERGED, [{"sku": "NUE-SEAT", "quantity": 10, "subscriptionTerm": 12}])
    story.mirror(diverged, acme_sf)
    (seat,) = nue.get_order(diverged["id"])["orderProducts"]
    nue.update_order(diverged["id"], {"discount": 10, "orderProducts": [{"id": seat["id"], "quantity": 15}]})

    story.nue_order(initech_nue, ABANDONED_CART, [{"sku": "NUE-PLAT-STD", "quantity": 1, "subscriptionTerm": 12},
                                                  {"sku": "NUE-STORAGE-100", "quantity": 2, "subscriptionTerm": 12}])

    story.salesforce_order(initech_sf, REP_DRAFT, [("NUE-PLAT-ENT", 1), ("NUE-SEAT", 50)])

    checkout = story.nue_order(initech_nue, PORTAL_CHECKOUT, [{"sku": "NUE-SUPPORT-PREM", "quantity": 1,
                                                               "subscriptionTerm": 12}], origin="Salesforce")
    story.mirror(checkout, initech_sf)
    nue.activate_order(checkout["id"])

    story.nue_order(globex_nue, UNLINKED_CUSTOMER, [{"sku": "NUE-PLAT-STD", "quantity": 1, "subscriptionTerm": 12}])

    eu = story.nue_order(acme_nue, CUSTOM_FIELDS, [{"sku": "NUE-API-10K", "quantity": 3, "subscriptionTerm": 12,
                                                    "priceTags": ["REGION-EU", "VOLUME-TIER-1"]}],
                         customFields={"region": "EU"})
    story.mirror(eu, acme_sf, Region__c="EMEA")
