"""The OpenID Connect protocol with Ciudadanía Digital (AGETIC), through Authlib: the discovery
document (endpoints and keys are read from the issuer at run time, never written here), the
authorization URL with PKCE (S256), ``state`` and ``nonce``, the code exchange, the ID token's
checks (signature against the published keys, issuer, audience, expiry, nonce) and the userinfo
endpoint. No database and no Flask session here: ``app.accounts.oidc`` decides what a sign-in
does, ``oidc_routes`` keeps the pending request in the session.

Every failure is an :class:`OIDCFailure` with a reason code (what the person is told) and a
detail for the log that never holds a token, a code or a claim value."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from flask import current_app
from joserfc import jwt
from joserfc.errors import BadSignatureError, ClaimError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

#: What Ciudadanía Digital offers and we need: the subject, the name and identity document
#: (``profile``) and the email address. ``celular``, ``fecha_nacimiento`` and
#: ``offline_access`` are not asked for.
SCOPES = "openid profile email"
#: Asymmetric signatures only (Ciudadanía Digital signs with PS256); never "none" or HMAC.
SIGNING_ALGORITHMS = ("PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "ES256", "ES384")
#: Seconds of clock difference with the provider tolerated on exp/iat.
LEEWAY = 60
#: How long the discovery document and the keys are kept before being read again (a key the
#: cache does not know is fetched at once).
CACHE_SECONDS = 3600

_cache: dict[str, tuple[float, dict[str, Any]]] = {}


class OIDCFailure(Exception):
    """A sign-in that cannot go on. ``reason`` is one of: ``unavailable`` (the provider does not
    answer), ``denied`` (the person refused, or cancelled), ``provider`` (the provider answered
    with an error), ``state`` (a callback that does not belong to this browser's request),
    ``token`` (an ID token that fails a check), ``claims`` (the identity lacks what we need)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Settings:
    issuer: str
    client_id: str
    client_secret: str
    timeout: int


def settings() -> Settings | None:
    """The provider's settings, or None when sign-in with it is not configured."""
    config = current_app.config
    issuer = (config.get("OIDC_ISSUER") or "").strip().rstrip("/")
    client_id = (config.get("OIDC_CLIENT_ID") or "").strip()
    secret = config.get("OIDC_CLIENT_SECRET") or ""
    if not (issuer and client_id and secret):
        return None
    return Settings(issuer, client_id, secret, int(config.get("OIDC_TIMEOUT_SECONDS") or 10))


def now() -> int:
    """The clock the ID token's times are checked against (tests move it)."""
    return int(time.time())


def _get_json(url: str, what: str, timeout: int, **kwargs: Any) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=timeout, **kwargs)
    except requests.RequestException as error:
        raise OIDCFailure("unavailable", f"{what}: {type(error).__name__}") from error
    if response.status_code != 200:
        raise OIDCFailure("provider", f"{what}: HTTP {response.status_code}")
    try:
        document = response.json()
    except ValueError as error:
        raise OIDCFailure("provider", f"{what}: not JSON") from error
    if not isinstance(document, dict):
        raise OIDCFailure("provider", f"{what}: not a JSON object")
    return document


def _cached(key: str, load: Any, force: bool = False) -> dict[str, Any]:
    found = _cache.get(key)
    if found is not None and not force and time.monotonic() - found[0] < CACHE_SECONDS:
        return found[1]
    document: dict[str, Any] = load()
    _cache[key] = (time.monotonic(), document)
    return document


def metadata(config: Settings) -> dict[str, Any]:
    """The issuer's discovery document, checked: it names the configured issuer and the
    endpoints the code flow needs; in production every one of them is HTTPS."""

    def load() -> dict[str, Any]:
        url = f"{config.issuer}/.well-known/openid-configuration"
        document = _get_json(url, "discovery", config.timeout)
        if str(document.get("issuer", "")).rstrip("/") != config.issuer:
            raise OIDCFailure("provider", "discovery: the document names another issuer")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(name), str):
                raise OIDCFailure("provider", f"discovery: no {name}")
        if current_app.config["ENV_NAME"] == "production":
            for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if urlsplit(str(document[name])).scheme != "https":
                    raise OIDCFailure("provider", f"discovery: {name} is not HTTPS")
        return document

    return _cached(f"discovery {config.issuer}", load)


def _keys(config: Settings, document: dict[str, Any], force: bool = False) -> KeySet:
    uri = str(document["jwks_uri"])
    jwks = _cached(f"jwks {uri}", lambda: _get_json(uri, "jwks", config.timeout), force)
    try:
        return KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise OIDCFailure("provider", f"jwks: unusable ({type(error).__name__})") from error


def _client(config: Settings, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(
        client_id=config.client_id,
        client_secret=config.client_secret,
        scope=SCOPES,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        default_timeout=config.timeout,
    )


def begin(config: Settings, redirect_uri: str) -> tuple[str, dict[str, str]]:
    """The URL that sends the person to the provider, and what the callback will need (state,
    nonce, the PKCE verifier: kept in the session, never logged)."""
    document = metadata(config)
    pending = {
        "state": secrets.token_urlsafe(32),
        "nonce": secrets.token_urlsafe(32),
        "verifier": secrets.token_urlsafe(64),
    }
    with _client(config, redirect_uri) as client:
        url, _state = client.create_authorization_url(
            document["authorization_endpoint"],
            state=pending["state"],
            nonce=pending["nonce"],
            code_verifier=pending["verifier"],
        )
    return url, pending


def _refusal(args: dict[str, str]) -> OIDCFailure:
    error = args.get("error", "")
    # Only the provider's error code is logged (a fixed vocabulary), not its free text.
    code = error if error.replace("_", "").isalnum() and len(error) <= 40 else "unknown"
    if error in ("access_denied", "consent_required", "login_required"):
        return OIDCFailure("denied", f"authorization: {code}")
    return OIDCFailure("provider", f"authorization: {code}")


def finish(
    config: Settings, pending: dict[str, str], args: dict[str, str], redirect_uri: str
) -> dict[str, Any]:
    """Check the callback's ``args`` against ``pending``, exchange the code and return the
    person's claims (the ID token's, completed by the userinfo endpoint's)."""
    if not all(
        isinstance(pending.get(k), str) and pending[k] for k in ("state", "nonce", "verifier")
    ):
        raise OIDCFailure("state", "callback: this browser's request is incomplete")
    if not hmac.compare_digest(args.get("state", "").encode(), pending["state"].encode()):
        raise OIDCFailure("state", "callback: the state is not this browser's")
    if "iss" in args and args["iss"].rstrip("/") != config.issuer:
        # RFC 9207: an answer from another provider (mix-up attack).
        raise OIDCFailure("state", "callback: another issuer answered")
    if args.get("error"):
        raise _refusal(args)
    code = args.get("code", "")
    if not code:
        raise OIDCFailure("provider", "callback: no code")
    document = metadata(config)
    with _client(config, redirect_uri) as client:
        try:
            token = client.fetch_token(
                document["token_endpoint"], code=code, code_verifier=pending["verifier"]
            )
        except requests.RequestException as error:
            raise OIDCFailure("unavailable", f"token: {type(error).__name__}") from error
        except OAuthError as error:
            raise OIDCFailure("provider", f"token: {error.error}") from error
        except (ValueError, KeyError) as error:
            raise OIDCFailure("provider", f"token: {type(error).__name__}") from error
    if not token.get("id_token") or not token.get("access_token"):
        raise OIDCFailure("token", "token: no id_token or access_token")
    claims = _id_token_claims(config, document, token, pending["nonce"])
    if document.get("userinfo_endpoint"):
        info = _get_json(
            str(document["userinfo_endpoint"]),
            "userinfo",
            config.timeout,
            headers={"Authorization": f"Bearer {token['access_token']}"},
        )
        if info.get("sub") != claims["sub"]:
            raise OIDCFailure("token", "userinfo: another subject")
        claims = {**claims, **info}
    return claims


def _id_token_claims(
    config: Settings, document: dict[str, Any], token: dict[str, Any], nonce: str
) -> dict[str, Any]:
    """The ID token's claims once its signature, issuer, audience, times, nonce and access
    token hash are checked."""
    offered = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    algorithms = [a for a in SIGNING_ALGORITHMS if a in offered]
    if not algorithms:
        # An empty list would let joserfc fall back to its defaults (HMAC among them).
        raise OIDCFailure("provider", "discovery: no asymmetric ID token signature offered")
    # Header fields of the provider's own (e.g. x5t#S256) are no reason to refuse; "crit"
    # ones still are.
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    raw = str(token["id_token"])
    try:
        try:
            decoded = jwt.decode(raw, _keys(config, document), registry=registry)
        except (InvalidKeyIdError, BadSignatureError):
            # The provider may have rotated its keys since we read them: read them once more.
            decoded = jwt.decode(raw, _keys(config, document, force=True), registry=registry)
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": str(document["issuer"])},
                "aud": {"essential": True, "value": config.client_id},
            },
            {
                "nonce": nonce,
                "client_id": config.client_id,
                "access_token": token["access_token"],
            },
        )
        claims.validate(now=now(), leeway=LEEWAY)
    except JoseError as error:
        # The error code and the claim's name only: never the claim's value or the token.
        claim = f" {error.claim}" if isinstance(error, ClaimError) else ""
        raise OIDCFailure("token", f"id_token: {error.error}{claim}") from error
    except (ValueError, TypeError, KeyError) as error:
        raise OIDCFailure("token", f"id_token: {type(error).__name__}") from error
    return dict(claims)


def end_session_url(config: Settings, post_logout_redirect_uri: str) -> str | None:
    """RP-initiated logout: where to send the browser so the provider's session ends too, then
    comes back to ``post_logout_redirect_uri`` (None when the provider offers no logout or does
    not answer). No ID token is kept to hint with, so the client id says who asks."""
    try:
        document = metadata(config)
    except OIDCFailure as failure:
        current_app.logger.warning(
            "ciudadania digital logout skipped",
            extra={"data": {"reason": failure.reason, "detail": failure.detail}},
        )
        return None
    endpoint = document.get("end_session_endpoint")
    if not isinstance(endpoint, str):
        return None
    query = urlencode(
        {"client_id": config.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
