"""Authentication by the `nue-api-key` header, and how unknown routes and methods are answered."""

from __future__ import annotations

import httpx
import pytest

from nuesync.sandbox.nue import NueSandbox
from nuesync.sandbox.server import RunningServer

from .scenarios import error_of

PROTECTED = [
    ("GET", "/orders?customerIds=[]"),
    ("POST", "/orders"),
    ("GET", "/catalog/products"),
    ("POST", "/async/graphql"),
    ("GET", "/settings/sync"),
    ("POST", "/customers"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_a_request_without_the_key_is_401_with_nue_envelope(running: RunningServer, method: str, path: str) -> None:
    response = httpx.request(method, running.url + path, json={})
    body = error_of(response, 401)
    assert body["errorCode"] == "UNAUTHORIZED"
    assert "nue-api-key" in body["message"]


def test_a_wrong_key_is_401_and_neither_key_is_echoed(nue: NueSandbox, running: RunningServer) -> None:
    response = httpx.get(running.url + "/catalog/products", headers={"nue-api-key": "sandbox-key-wrong"})
    body = error_of(response, 401)
    assert body == {"status": "error", "errorCode": "UNAUTHORIZED", "message": "Invalid API key"}
    assert nue.api_key not in response.text
    assert "sandbox-key-wrong" not in response.text


def test_the_sandbox_key_opens_the_api(client: httpx.Client) -> None:
    assert client.get("/catalog/products").status_code == 200


def test_a_given_api_key_is_the_one_accepted() -> None:
    nue = NueSandbox(api_key="sandbox-key-fixed")
    with nue.serve() as running:
        response = httpx.get(running.url + "/settings/sync", headers={"nue-api-key": "sandbox-key-fixed"})
        assert response.status_code == 200
    assert nue.api_key == "sandbox-key-fixed"
    assert "sandbox-key-fixed" not in repr(nue)


def test_generated_keys_differ_between_sandboxes() -> None:
    first, second = NueSandbox(), NueSandbox()
    assert first.api_key.startswith("sandbox-key-")
    assert first.api_key != second.api_key


def test_an_unknown_route_is_404_in_the_envelope(client: httpx.Client) -> None:
    body = error_of(client.get("/invoices/123"), 404)
    assert body["errorCode"] == "NOT_FOUND"


def test_a_known_route_with_another_method_is_405_with_allow(client: httpx.Client) -> None:
    response = client.delete("/orders/some-id")
    assert error_of(response, 405)["errorCode"] == "METHOD_NOT_ALLOWED"
    assert set(response.headers["allow"].split(", ")) == {"GET", "POST", "PATCH"}


def test_a_body_that_is_not_json_is_400(client: httpx.Client) -> None:
    response = client.post("/orders", content=b"{not json", headers={"content-type": "application/json"})
    assert error_of(response, 400)["errorCode"] == "INVALID_REQUEST"
