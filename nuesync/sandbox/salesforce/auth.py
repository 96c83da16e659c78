"""Logging in to the emulated org: OAuth 2.0 token endpoint, SOAP `login`, and sessions.

The token endpoint answers the password and client-credentials grants (form-encoded, client
credentials in the body or as HTTP Basic) with Salesforce's JSON, including `signature`, the
base64 HMAC-SHA256 of `id` + `issued_at` keyed by the client secret. The SOAP login returns the
partner-API envelope simple-salesforce reads; its `serverUrl` points back at the emulator's
own host:port (taken from the request's Host header) so the client's next calls land here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from nuesync.sandbox.salesforce.http import Request, Response
from nuesync.sandbox.salesforce.ids import random_id

_PARTNER_NS = "urn:partner.soap.sforce.com"
_LOGIN_FAULT = "Invalid username, password, security token; or user locked out."


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    security_token: str
    client_id: str
    client_secret: str
    org_id: str
    user_id: str

    @classmethod
    def generate(cls) -> Credentials:
        return cls(
            username="integration@nuesync-sandbox.example.com",
            password=secrets.token_urlsafe(12),
            security_token=secrets.token_hex(12).upper(),
            client_id="3MVG9" + secrets.token_urlsafe(60)[:80],
            client_secret=str(secrets.randbelow(10**19)).zfill(19),
            org_id=random_id("00D"),
            user_id=random_id("005"),
        )

    def password_matches(self, password: str) -> bool:
        """Password plus security token, or the bare password (a trusted IP range)."""
        return password in (self.password + self.security_token, self.password)


class Sessions:
    """Valid access tokens; expiring them all forces every client to log in again."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self._lock = threading.Lock()
        self._valid: set[str] = set()
        self._primary = self.new_session()

    def new_session(self) -> str:
        token = f"{self.credentials.org_id[:15]}!AQ{secrets.token_urlsafe(72)}"
        with self._lock:
            self._valid.add(token)
        return token

    @property
    def primary(self) -> str:
        with self._lock:
            if self._primary in self._valid:
                return self._primary
        self._primary = self.new_session()
        return self._primary

    def is_valid(self, token: str) -> bool:
        with self._lock:
            return token in self._valid

    def expire_all(self) -> None:
        with self._lock:
            self._valid.clear()


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() in ("bearer", "oauth") and token.strip() else None


def instance_url(request: Request) -> str:
    return f"https://{request.host}"


def oauth_token(request: Request, sessions: Sessions) -> Response:
    form = {k: v[-1] for k, v in parse_qs(request.body.decode("utf-8"), keep_blank_values=True).items()}
    creds = sessions.credentials
    client_id, client_secret = _client_credentials(request, form)
    grant = form.get("grant_type", "")
    if grant not in ("password", "client_credentials"):
        return _oauth_error("unsupported_grant_type", "grant type not supported")
    if client_id != creds.client_id:
        return _oauth_error("invalid_client_id", "client identifier invalid")
    if client_secret != creds.client_secret:
        return _oauth_error("invalid_client", "invalid client credentials")
    if grant == "password" and (form.get("username") != creds.username
                                or not creds.password_matches(form.get("password", ""))):
        return _oauth_error("invalid_grant", "authentication failure")
    identity = f"{instance_url(request)}/id/{creds.org_id}/{creds.user_id}"
    issued_at = str(int(time.time() * 1000))
    digest = hmac.new(creds.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256).digest()
    return Response(200, {
        "access_token": sessions.new_session(),
        "instance_url": instance_url(request),
        "id": identity,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": base64.b64encode(digest).decode(),
    })


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (ValueError, UnicodeError):
            return None, None
        client_id, _, client_secret = decoded.partition(":")
        return client_id, client_secret
    return form.get("client_id"), form.get("client_secret")


def _oauth_error(code: str, description: str) -> Response:
    return Response(400, {"error": code, "error_description": description})


def soap_login(request: Request, sessions: Sessions, version: str) -> Response:
    creds = sessions.credentials
    try:
        root = ET.fromstring(request.body)
    except ET.ParseError:
        return _soap_fault("sf:INVALID_REQUEST", "INVALID_REQUEST", "The request body is not a SOAP envelope")
    username = _element_text(root, "username")
    password = _element_text(root, "password")
    if username != creds.username or password is None or not creds.password_matches(password):
        return _soap_fault("sf:INVALID_LOGIN", "INVALID_LOGIN", _LOGIN_FAULT, fault_type="LoginFault")
    base = instance_url(request)
    org15 = creds.org_id[:15]
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns="{_PARTNER_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><loginResponse><result>"
        f"<metadataServerUrl>{base}/services/Soap/m/{version}/{org15}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>true</sandbox>"
        f"<serverUrl>{base}/services/Soap/u/{version}/{org15}</serverUrl>"
        f"<sessionId>{escape(sessions.new_session())}</sessionId>"
        f"<userId>{creds.user_id}</userId>"
        "<userInfo>"
        "<currencySymbol>$</currencySymbol><orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>"
        "<orgDefaultCurrencyIsoCode>USD</orgDefaultCurrencyIsoCode><orgHasPersonAccounts>false</orgHasPersonAccounts>"
        f"<organizationId>{creds.org_id}</organizationId><organizationMultiCurrency>true</organizationMultiCurrency>"
        "<organizationName>nuesync sandbox</organizationName>"
        f"<userEmail>{escape(creds.username)}</userEmail><userFullName>Integration User</userFullName>"
        f"<userId>{creds.user_id}</userId><userLanguage>en_US</userLanguage><userLocale>en_US</userLocale>"
        f"<userName>{escape(creds.username)}</userName><userTimeZone>UTC</userTimeZone><userType>Standard</userType>"
        "</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response(200, content_type="text/xml; charset=utf-8", raw=body.encode("utf-8"))


def _element_text(root: ET.Element, local_name: str) -> str | None:
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == local_name:
            return element.text or ""
    return None


def _soap_fault(faultcode: str, code: str, message: str, fault_type: str = "UnexpectedErrorFault") -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body><soapenv:Fault><faultcode>{faultcode}</faultcode>"
        f"<faultstring>{code}: {escape(message)}</faultstring><detail>"
        f'<sf:{fault_type} xsi:type="sf:{fault_type}"><sf:exceptionCode>{code}</sf:exceptionCode>'
        f"<sf:exceptionMessage>{escape(message)}</sf:exceptionMessage></sf:{fault_type}>"
        "</detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(500, content_type="text/xml; charset=utf-8", raw=body.encode("utf-8"))
