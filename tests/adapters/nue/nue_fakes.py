"""A scripted stand-in for Nue behind `httpx.MockTransport`: for the error paths the emulator cannot
produce on demand (malformed answers, dropped connections, a tenant without aggregates).

GraphQL requests are answered per root field from `tables` (with `<root>_aggregate` counts when
the query asks); REST routes answer from a per-route script whose last entry repeats.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx

Answer = httpx.Response | Callable[[httpx.Request], httpx.Response] | Exception

CATALOG_TABLES: dict[str, list[dict[str, Any]]] = {
    "Product": [
        {"sku": "NUE-PLAT-PRO", "priceBookEntries": [{"id": "01uPRO", "currencyIsoCode": "USD", "active": True}]},
        {"sku": "NUE-SEAT", "priceBookEntries": [{"id": "01uSEAT", "currencyIsoCode": "USD", "active": True}]},
    ],
    "PriceTag": [{"id": "tag-vol-1", "code": "VOLUME-TIER-1"}],
}


def nue_json(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body, default=str).encode(), headers=headers)


def created_order(request: httpx.Request) -> httpx.Response:
    """Echo a create the way Nue documents it: the order with ids for the order and each product."""
    body = json.loads(request.content, parse_float=Decimal)
    number = body["salesforceId"]
    lines = [{**line, "id": f"nue-{number}-{i}"} for i, line in enumerate(body["orderProducts"])]
    order = {**body, "id": f"nue-{number}", "status": "Draft", "orderProducts": lines}
    return nue_json(201, {"status": "success", "data": {"order": order}})


class ScriptedNue:
    def __init__(
        self,
        tables: dict[str, list[dict[str, Any]]] | None = None,
        *,
        aggregates: bool = True,
        clamp: int | None = None,
    ) -> None:
        self.tables = {**CATALOG_TABLES, **(tables or {})}
        self.aggregates = aggregates
        self.clamp = clamp
        self.routes: dict[str, list[Answer]] = {}
        self.requests: list[httpx.Request] = []

    def on(self, route: str, *answers: Answer) -> ScriptedNue:
        self.routes[route] = list(answers)
        return self

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)

    def count(self, route: str) -> int:
        return sum(1 for r in self.requests if f"{r.method} {r.url.path}" == route)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = f"{request.method} {request.url.path}"
        if route in self.routes:
            answers = self.routes[route]
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
            if isinstance(answer, Exception):
                raise answer
            return answer(request) if callable(answer) else answer
        if route == "POST /async/graphql":
            return self._graphql(json.loads(request.content))
        return nue_json(404, {"status": "error", "errorCode": "NOT_FOUND", "message": f"no route {route}"})

    def _graphql(self, body: dict[str, Any]) -> httpx.Response:
        query, variables = body["query"], body.get("variables") or {}
        data: dict[str, Any] = {}
        for root in re.findall(r"[{ ]([A-Z]\w*)\(where", query):
            if root.endswith("_aggregate"):
                if not self.aggregates:
                    message = f"Cannot query field '{root}' on type 'query_root'."
                    return nue_json(200, {"errors": [{"message": message}]})
                data[root] = {"aggregate": {"count": len(self.tables.get(root.removesuffix("_aggregate"), []))}}
                continue
            limit = min(variables.get("limit", 10**9), self.clamp or 10**9)
            offset = variables.get("offset", 0)
            data[root] = self.tables.get(root, [])[offset : offset + limit]
        return nue_json(200, {"data": data})
