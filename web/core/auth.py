"""Who is asking: `auth=` (any request), `login=` (/api/auth), HTTP Basic, the session cookie, or
`session=` (WebSockets); and whether they hold the accessRights2 right an endpoint needs."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route

from storage import users
from storage.eventlog import EventType, PrivacyCode
from storage.sessions import SessionStore
from storage.settings import Settings
from storage.users import Account
from web.core.answers import ts_json
from web.core.base64_text import decode_base64_text
from web.core.context import Services
from web.core.errors import ApiError, bad_request
from web.core.throttle import SignInThrottle, Throttled, ThrottleLimits, Verdict

COOKIE = "tsnvr_session"
VERIFIED_FOR_S = 300.0  # how long a verified uid:password pair skips the (deliberately slow) argon2 check


def decode_credentials(value: str) -> tuple[str, str]:
    """base64("uid:password"), URL-encoded or raw (a raw '+' arrives as a space)."""
    try:
        decoded = decode_base64_text(value)
    except ValueError:
        raise bad_request("auth must be base64 of userid:password") from None
    uid, sep, password = decoded.partition(":")
    if not sep or not uid:
        raise bad_request("auth must be base64 of userid:password")
    return uid, password


def basic_credentials(conn: HTTPConnection) -> tuple[str, str] | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    return decode_credentials(value)


def client_address(conn: HTTPConnection) -> str:
    """The client's address: the peer's, or the one a trusted proxy (setting `trusted_proxies`) forwarded,
    which uvicorn's ProxyHeadersMiddleware has already put in the scope (tsnvr.server)."""
    return conn.client.host if conn.client else "unknown"


def throttle_limits(settings: Settings) -> ThrottleLimits:
    return ThrottleLimits(
        max_failures=settings.signin_max_failures, window=settings.signin_window_seconds,
        lockout=settings.signin_lockout_seconds, delay=settings.signin_delay_seconds,
        max_users=settings.signin_max_users,
    )


class Authenticator:
    def __init__(self, services: Services) -> None:
        self.services = services
        settings = services.settings
        self.sessions = SessionStore(services.db, settings.session_idle_hours)
        self.throttle = SignInThrottle(throttle_limits(settings))
        # Passwords are named in memory only by an HMAC under a key that dies with the process.
        self._password_key = secrets.token_bytes(32)
        self._verified: dict[bytes, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def explicit_credentials(self, conn: HTTPConnection, allow_login: bool = False) -> tuple[str, str] | None:
        for name in ("auth", "login") if allow_login else ("auth",):
            value = conn.query_params.get(name)
            if value:
                return decode_credentials(value)
        return basic_credentials(conn)

    def password_key(self, uid: str, password: str) -> bytes:
        # uid holds no ':' (decode_credentials splits at the first), so uid:password is unambiguous
        return hmac.new(self._password_key, f"{uid}:{password}".encode(), hashlib.sha256).digest()

    def check_password(self, conn: HTTPConnection, uid: str, password: str) -> Account:
        """The account for uid:password, or ApiError 401 (429 while that user id, or the address, is
        throttled: web.core.throttle)."""
        address = client_address(conn)
        key = self.password_key(uid, password)
        try:
            verdict = self.throttle.check(address, uid, key)
        except Throttled as exc:
            wait = str(math.ceil(exc.retry_after))
            raise ApiError(429, exc.message, {"Retry-After": wait}) from None
        if verdict is Verdict.KNOWN_WRONG:
            raise ApiError(401, "wrong user id or password")
        try:
            account = self._verify(uid, password, key)
        except BaseException:
            self.throttle.release(address, uid)
            raise
        if account is not None:
            self.throttle.succeeded(address, uid)
            return account
        failure = self.throttle.failed(address, uid, key)
        log = self.services.eventlog
        log.record(EventType.PRIVACY, PrivacyCode.SIGN_IN_FAILED, {"uid": uid, "address": address})
        seconds = int(self.throttle.limits.lockout)
        if failure.user_locked:
            log.record(EventType.PRIVACY, PrivacyCode.SIGN_IN_THROTTLED,
                       {"uid": uid, "address": address, "seconds": seconds}, comment=f"{uid}: {address}")
        if failure.address_locked:
            log.record(EventType.PRIVACY, PrivacyCode.SIGN_IN_THROTTLED,
                       {"address": address, "users": failure.users, "seconds": seconds},
                       comment=f"{address}: {failure.users} user ids")
        raise ApiError(401, "wrong user id or password")

    def _verify(self, uid: str, password: str, key: bytes) -> Account | None:
        """The account when the password is right; a pair that checked out lately skips argon2."""
        account = users.get(self.services.db, uid)
        if account is None:
            return None
        with self._lock:
            cached = self._verified.get(key)
        if cached and cached[0] == account.password_hash and cached[1] > time.monotonic():
            return account
        if not users.verify(account, password):
            return None
        with self._lock:
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified[key] = (account.password_hash, time.monotonic() + VERIFIED_FOR_S)
        return account

    def session_token(self, conn: HTTPConnection) -> str | None:
        return conn.cookies.get(COOKIE) or (
            conn.query_params.get("session") if conn.scope["type"] == "websocket" else None
        )

    def identify(self, conn: HTTPConnection) -> Account | None:
        """The signed-in account, None when the request carries no credentials at all."""
        creds = self.explicit_credentials(conn)
        if creds is not None:
            return self.check_password(conn, *creds)
        token = self.session_token(conn)
        if token:
            uid = self.sessions.lookup(token)
            if uid:
                return users.get(self.services.db, uid)
        return None

    def require(self, conn: HTTPConnection, *rights: str) -> Account:
        account = self.identify(conn)
        if account is None:
            raise ApiError(401, "authentication required: sign in, or pass auth= or HTTP Basic credentials")
        if not account.has("Remote"):
            raise ApiError(403, f"user {account.uid!r} has no Remote access right")
        for right in rights:
            if not account.has(right):
                raise ApiError(403, f"user {account.uid!r} lacks the {right} right")
        return account


BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="tsnvr"'}


def require_for_file(conn: HTTPConnection, *rights: str) -> Account:
    """`require` for file links opened directly by a browser: a 401 asks for HTTP Basic credentials."""
    try:
        return require(conn, *rights)
    except ApiError as exc:
        if exc.status == 401:
            raise ApiError(401, exc.message, {**(exc.headers or {}), **BASIC_CHALLENGE}) from None
        raise


def authenticator(conn: HTTPConnection) -> Authenticator:
    return conn.app.state.auth


def require(conn: HTTPConnection, *rights: str) -> Account:
    return authenticator(conn).require(conn, *rights)


def identify(conn: HTTPConnection) -> Account | None:
    return authenticator(conn).identify(conn)


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/")


def sign_in(request: Request, account: Account) -> str:
    auth = authenticator(request)
    address = client_address(request)
    token = auth.sessions.create(account.uid, address)
    auth.services.eventlog.record(EventType.PRIVACY, PrivacyCode.SIGN_IN, {"uid": account.uid, "address": address},
                                  comment=f"{account.uid}: {address}")
    return token


def auth_endpoint(request: Request) -> Response:
    """GET /api/auth?login=|auth= signs in (cookie session); ?logout ends the session."""
    auth = authenticator(request)
    if "logout" in request.query_params:
        token = request.cookies.get(COOKIE)
        uid = auth.sessions.end(token) if token else None
        if uid:
            auth.services.eventlog.record(EventType.PRIVACY, PrivacyCode.SIGN_OUT,
                                          {"uid": uid, "address": client_address(request)},
                                          comment=f"{uid}: {client_address(request)}")
        response = ts_json(request, {"code": 0, "message": "Success"})
        response.delete_cookie(COOKIE, path="/")
        return response
    creds = auth.explicit_credentials(request, allow_login=True)
    if creds is None:
        account = auth.require(request)  # no credentials: answers whether the session is alive
        return ts_json(request, {"code": 0, "message": "Success", "uid": account.uid})
    account = auth.check_password(request, *creds)
    if not account.has("Remote"):
        raise ApiError(403, f"user {account.uid!r} has no Remote access right")
    response = ts_json(request, {"code": 0, "message": "Success", "uid": account.uid})
    set_session_cookie(response, sign_in(request, account))
    return response


routes = [Route("/api/auth", auth_endpoint, methods=["GET", "POST"])]
