"""The product catalogue both sandboxes share, so a SKU means the same thing on each side.

Products are matched across systems by SKU (Salesforce `Product2.ProductCode`, Nue
`productSku`) and pricing dimensions by code; seeding both emulators from this one table is
what lets the demo's orders line up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    list_price: Decimal
    recurring: bool = True


@dataclass(frozen=True)
class PriceTag:
    code: str
    name: str
    kind: str  # "price" (a price dimension) or "discount" (a discount tag)


PRODUCTS: tuple[Product, ...] = (
    Product("NUE-PLAT-STD", "Platform Standard", Decimal("49.00")),
    Product("NUE-PLAT-PRO", "Platform Professional", Decimal("99.00")),
    Product("NUE-PLAT-ENT", "Platform Enterprise", Decimal("249.00")),
    Product("NUE-SEAT", "Additional Seat", Decimal("12.50")),
    Product("NUE-API-10K", "API Calls (10k block)", Decimal("20.00")),
    Product("NUE-STORAGE-100", "Storage 100 GB", Decimal("15.00")),
    Product("NUE-SUPPORT-PREM", "Premium Support", Decimal("150.00")),
    Product("NUE-ONBOARD", "Onboarding Package", Decimal("1500.00"), recurring=False),
)

PRICE_TAGS: tuple[PriceTag, ...] = (
    PriceTag("VOLUME-TIER-1", "Volume tier 1 (1-99 units)", "price"),
    PriceTag("VOLUME-TIER-2", "Volume tier 2 (100+ units)", "price"),
    PriceTag("REGION-EU", "EU regional price", "price"),
    PriceTag("PROMO-LAUNCH", "Launch promotion 10%", "discount"),
    PriceTag("NONPROFIT", "Nonprofit discount", "discount"),
)

CURRENCY = "USD"
PRICE_BOOK_NAME = "Standard Price Book"
