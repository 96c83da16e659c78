"""Who the session belongs to: the integration user's `User` record and the OpenID Connect userinfo endpoint.

Salesforce's UserInfo endpoint (`/services/oauth2/userinfo`, GET or POST) answers for the user of
the access token, sent as `Authorization: Bearer` or as the `oauth_token` parameter, in JSON: the
OpenID Connect Basic Client Profile claims (`sub`, `name`, `email`, …) plus the Salesforce user
and org ids, profile and photo URLs, and the org's API endpoints under `urls`, whose `{version}`
placeholder the client fills in. A missing token is a 403 `Missing_OAuth_Token`, a token that is
not a live session a 403 `Bad_OAuth_Token`, as the identity service documents. The `sf` CLI logs
in with an access token by reading this endpoint and then the user's `User` record.
"""

from __future__ import annotations

from typing import Any

from nuesync.sandbox.salesforce.auth import Credentials, Sessions, bearer_token, instance_url
from nuesync.sandbox.salesforce.http import Request, Response
from nuesync.sandbox.salesforce.store import Store

USERINFO_PATH = "/services/oauth2/userinfo"

# The integration user as the org holds it (Username and Id come from the sandbox's credentials).
INTEGRATION_USER: dict[str, Any] = {
    "FirstName": "Integration", "LastName": "User", "Alias": "integ", "CommunityNickname": "integration",
    "IsActive": True, "UserType": "Standard", "TimeZoneSidKey": "GMT", "LocaleSidKey": "en_US",
    "LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8",
}

# The API endpoints `urls` lists, relative to the instance; `{version}` stays for the client to fill.
_SOAP_URLS = {"enterprise": "services/Soap/c/{version}/{org}", "metadata": "services/Soap/m/{version}/{org}",
              "partner": "services/Soap/u/{version}/{org}", "tooling_soap": "services/Soap/T/{version}/{org}"}
_REST_URLS = {"rest": "", "sobjects": "sobjects/", "search": "search/", "query": "query/", "recent": "recent/",
              "tooling_rest": "tooling/", "feeds": "chatter/feeds", "groups": "chatter/groups",
              "users": "chatter/users", "feed_items": "chatter/feed-items", "feed_elements": "chatter/feed-elements"}


def integration_user(credentials: Credentials) -> dict[str, Any]:
    """The stored fields of the integration user's `User` record (system fields added by the caller)."""
    return {"Id": credentials.user_id, "Username": credentials.username, "Email": credentials.username,
            **INTEGRATION_USER}


def userinfo(request: Request, sessions: Sessions, store: Store) -> Response:
    token = bearer_token(request) or request.query.get("oauth_token")
    if not token:
        return _forbidden("Missing_OAuth_Token")
    if not sessions.is_valid(token):
        return _forbidden("Bad_OAuth_Token")
    creds = sessions.credentials
    with store.lock:
        user = store.row("User", creds.user_id) or {}
    return Response(200, claims(instance_url(request), creds, user))


def claims(base: str, creds: Credentials, user: dict[str, Any]) -> dict[str, Any]:
    """The userinfo JSON for `user` in the org of `creds`, with every URL on `base`."""
    org15 = creds.org_id[:15]
    urls = {name: f"{base}/{path.format(version='{version}', org=org15)}" for name, path in _SOAP_URLS.items()}
    urls |= {name: f"{base}/services/data/v{{version}}/{path}" for name, path in _REST_URLS.items()}
    urls |= {"profile": f"{base}/{creds.user_id}", "custom_domain": base}
    photo = f"{base}/profilephoto/005/F"
    name = " ".join(part for part in (user.get("FirstName"), user.get("LastName")) if part)
    modified = user.get("LastModifiedDate")
    return {
        "sub": f"{base}/id/{creds.org_id}/{creds.user_id}",
        "user_id": creds.user_id,
        "organization_id": creds.org_id,
        "preferred_username": user.get("Username", creds.username),
        "nickname": user.get("CommunityNickname"),
        "name": name,
        "email": user.get("Email", creds.username),
        "email_verified": True,
        "given_name": user.get("FirstName"),
        "family_name": user.get("LastName"),
        "zoneinfo": user.get("TimeZoneSidKey"),
        "photos": {"picture": photo, "thumbnail": f"{base}/profilephoto/005/T"},
        "profile": urls["profile"],
        "picture": photo,
        "address": {},
        "is_salesforce_integration_user": False,
        "urls": urls,
        "active": bool(user.get("IsActive", True)),
        "user_type": "STANDARD",
        "language": user.get("LanguageLocaleKey"),
        "locale": user.get("LocaleSidKey"),
        "utcOffset": 0,
        "updated_at": modified.strftime("%Y-%m-%dT%H:%M:%SZ") if modified else None,
        "is_app_installed": True,
    }


def _forbidden(code: str) -> Response:
    return Response(403, content_type="text/plain;charset=UTF-8", raw=code.encode())
