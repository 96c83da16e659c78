"""Reading every draft with its products through GraphQL takes few requests, even for thousands."""

from __future__ import annotations

import httpx

from nuesync.sandbox.nue import NueSandbox

PAGE = """query($offset: Int!, $limit: Int!) {
  Order(where: {status: {_eq: "Draft"}}, order_by: {id: asc}, limit: $limit, offset: $offset) {
    id salesforceId lastModifiedDate customer { id externalId }
    orderProducts { id productSku quantity listPrice subscriptionStartDate subscriptionTerm priceTags { code } }
  }
}"""


def read_all(client: httpx.Client, limit: int) -> tuple[list[dict[str, object]], int]:
    """Offset paging until a page comes back short: the pattern the adapter uses."""
    rows: list[dict[str, object]] = []
    requests = 0
    while True:
        variables = {"offset": len(rows), "limit": limit}
        response = client.post("/async/graphql", json={"query": PAGE, "variables": variables})
        requests += 1
        page = response.json()["data"]["Order"]
        rows.extend(page)
        if len(page) < limit:
            return rows, requests


def test_all_drafts_and_products_in_pages(nue: NueSandbox, client: httpx.Client) -> None:
    nue.seed_synthetic(2500, lines_per_order=3)
    nue.reset_counters()
    rows, requests = read_all(client, limit=500)
    assert requests == 6 == nue.counters["POST /async/graphql"] == nue.request_count()
    assert len({row["id"] for row in rows}) == 2500
    assert sum(len(row["orderProducts"]) for row in rows) == 7500  # type: ignore[arg-type]
