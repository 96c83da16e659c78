"""Composite: up to 25 subrequests in one call, later ones referring to earlier results.

References are `@{referenceId.path}` in a subrequest's URL or body, where the path walks the
earlier response body (`@{newOrder.id}`, `@{lines.records[0].Id}`). The call answers HTTP 200
with one `compositeResponse` item per subrequest. With `allOrNone`, the first failure rolls back
everything: that subrequest keeps its error, every other one reports `PROCESSING_HALTED`. The
whole call counts once against the API limit, as Salesforce counts it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from nuesync.sandbox.salesforce.errors import ApiError
from nuesync.sandbox.salesforce.http import Request, Response
from nuesync.sandbox.salesforce.rest import Context

MAX_SUBREQUESTS = 25
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}")
_STEP = re.compile(r"\.([A-Za-z0-9_]+)|\[(\d+)\]")
_ROLLED_BACK = "The transaction was rolled back since another operation in the same transaction failed."

Dispatch = Callable[[Context], Response]


class _Unresolved(Exception):
    def __init__(self, expression: str, reference_id: str) -> None:
        super().__init__(expression)
        self.expression = expression
        self.reference_id = reference_id


def composite(ctx: Context, dispatch: Callable[[Request], tuple[Response, str]]) -> Response:
    """Run the subrequests; `dispatch` routes one synthetic request as if it came over HTTP."""
    body = ctx.body()
    subrequests = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(subrequests, list) or not subrequests:
        raise ApiError(400, "JSON_PARSER_ERROR", "The request body must contain a compositeRequest array")
    if len(subrequests) > MAX_SUBREQUESTS:
        raise ApiError(400, "LIMIT_EXCEEDED", f"Too many subrequests: {len(subrequests)}. The composite resource "
                       f"accepts at most {MAX_SUBREQUESTS} subrequests.")
    all_or_none = bool(body.get("allOrNone", False))
    store = ctx.store
    start = store.savepoint()
    results: dict[str, Any] = {}
    responses: list[dict[str, Any]] = []
    halted = False
    for sub in subrequests:
        reference_id = str(sub.get("referenceId", ""))
        if halted:
            responses.append(_halted(reference_id))
            continue
        savepoint = store.savepoint()
        response = _run_one(ctx, sub, results, dispatch)
        responses.append({"body": response.body, "httpHeaders": response.headers,
                          "httpStatusCode": response.status, "referenceId": reference_id})
        if response.status < 300:
            results[reference_id] = response.body
            continue
        store.rollback_to(savepoint)
        if all_or_none:
            store.rollback_to(start)
            halted = True
            responses = [r if r is responses[-1] else _halted(r["referenceId"]) for r in responses]
    return Response(200, {"compositeResponse": responses})


def _run_one(ctx: Context, sub: dict[str, Any], results: dict[str, Any],
             dispatch: Callable[[Request], tuple[Response, str]]) -> Response:
    try:
        url = _resolve_text(str(sub.get("url", "")), results)
        body = _resolve(sub.get("body"), results)
    except _Unresolved as missing:
        return Response(400, [{
            "errorCode": "PROCESSING_HALTED",
            "message": f"Invalid reference specified. No value for {missing.expression} found in "
                       f"{missing.reference_id}. Provided referenceId ('{missing.reference_id}') must match a "
                       "previously processed subrequest.",
        }])
    method = str(sub.get("method", "GET")).upper()
    parts = urlsplit(url)
    query = dict(pair.split("=", 1) if "=" in pair else (pair, "") for pair in parts.query.split("&") if pair)
    request = Request(
        method, unquote_plus(parts.path), {k: unquote_plus(v) for k, v in query.items()},
        {k.lower(): str(v) for k, v in (sub.get("httpHeaders") or {}).items()},
        b"", ctx.request.host, parsed=body,
    )
    response, _endpoint = dispatch(request)
    if response.status == 201 and isinstance(response.body, dict) and "id" in response.body:
        obj = parts.path.rstrip("/").split("/")[-1] if method == "POST" else None
        if obj:
            response.headers = {"Location": ctx.record_url(obj, response.body["id"])}
    return response


def _halted(reference_id: str) -> dict[str, Any]:
    return {"body": [{"errorCode": "PROCESSING_HALTED", "message": _ROLLED_BACK}], "httpHeaders": {},
            "httpStatusCode": 400, "referenceId": reference_id}


def _resolve(value: Any, results: dict[str, Any]) -> Any:
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        return _lookup(whole, results) if whole else _resolve_text(value, results)
    if isinstance(value, dict):
        return {k: _resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, results) for v in value]
    return value


def _resolve_text(text: str, results: dict[str, Any]) -> str:
    return _REFERENCE.sub(lambda m: str(_lookup(m, results)), text)


def _lookup(match: re.Match[str], results: dict[str, Any]) -> Any:
    reference_id, path = match.group(1), match.group(2)
    expression = match.group(0)[2:-1]
    if reference_id not in results:
        raise _Unresolved(expression, reference_id)
    value: Any = results[reference_id]
    for name, index in _STEP.findall(path):
        try:
            value = value[int(index)] if index else value[name]
        except (KeyError, IndexError, TypeError):
            raise _Unresolved(expression, reference_id) from None
    return value
