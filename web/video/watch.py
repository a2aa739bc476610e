"""GET /watch: the embeddable player page (guide: "Video display"), and /static for its scripts.

/watch?ch=N[&when=ISO|now|today|yesterday][&lang=][&showTitle=][&showPlayTime=][&transport=]
Answers are HTML pages, never JSON, so that an <iframe> always shows something readable:
- 200 the player (live, or recorded from `when`);
- 400 a bad ch=, when=, showTitle=, ... ; 404 no such channel (told only to a signed-in user);
- 401 the sign-in form (no or wrong credentials), 403 the form with "not allowed" (a user
  without Remote, or without Playback for recorded video), 429 the form while sign-ins from the
  address are throttled.
Credentials that came with the request (auth=, login=, HTTP Basic) are handed to the page as
auth=, because its own requests (/api/vod, /storage, /wsapi/live, HLS, /api/channel/ptz) carry no
cookie then. A user with the Control right gets PTZ controls over live video when the channel's
camera can move (web/video/static/watch-ptz.js asks /api/channel/info?caps)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from storage.channels import get_channel
from storage.clock import now_ms
from storage.users import Account
from web.core import i18n
from web.core.auth import authenticator, basic_credentials
from web.core.channel_view import display_name
from web.core.context import Services
from web.core.errors import ApiError, bad_request
from web.core.params import Query
from web.core.timefmt import TimeFormatError, parse
from web.core.urls import base_url
from web.video import watch_page

STATIC = Path(__file__).parent / "static"
CREDENTIAL_PARAMS = ("auth", "login", "session")
TRANSPORTS = ("auto", "ws", "hls")
NOT_SIGNED_IN = "sign in to watch"


def resolve_when(text: str | None, tz: ZoneInfo, now: int) -> int | None:
    """Epoch ms of `when`: None for live (absent or `now`), server-local midnight for today and
    yesterday, else an ISO 8601 date-time."""
    if text is None or text.strip().lower() in ("", "now"):
        return None
    word = text.strip().lower()
    if word in ("today", "yesterday"):
        day = datetime.fromtimestamp(now / 1000, tz).date() - timedelta(days=1 if word == "yesterday" else 0)
        return int(datetime.combine(day, time(), tz).timestamp() * 1000)
    try:
        return parse(text, tz).ms
    except TimeFormatError as exc:
        raise bad_request(f"when: {exc}") from None


def share_url(request: Request) -> str:
    """The page's URL without credentials: what "Copy video URL" copies (the guide leaves auth= out)."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in CREDENTIAL_PARAMS]
    url = base_url(request) + request.url.path
    return f"{url}?{urlencode(kept)}" if kept else url


def passed_credentials(request: Request) -> str | None:
    """The base64 uid:password the page's requests repeat as auth=, when the request brought one."""
    for name in ("auth", "login"):
        value = request.query_params.get(name)
        if value:
            return value
    if basic_credentials(request):
        return request.headers["authorization"].partition(" ")[2].strip()
    return None


def sign_in_account(request: Request, rights: tuple[str, ...]) -> Account:
    """The account allowed to watch, or ApiError 401/403/429 (shown by `watch` as the form)."""
    auth = authenticator(request)
    creds = auth.explicit_credentials(request, allow_login=True)
    account = auth.check_password(request, *creds) if creds is not None else auth.identify(request)
    if account is None:
        raise ApiError(401, NOT_SIGNED_IN)
    if not account.has("Remote") or any(not account.has(right) for right in rights):
        raise ApiError(403, "not allowed")
    return account


def html(body: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})})


def watch(request: Request) -> Response:
    services: Services = request.app.state.services
    lang = i18n.resolve(request.query_params.get("lang"), services.settings.language)
    query = Query(request)
    try:
        chid = query.integer("ch", low=1, high=100_000)
        if chid is None:
            raise bad_request("ch= is required: the channel number, such as ch=1")
        when_ms = resolve_when(query.text("when", max_length=64), services.tz, now_ms())
        show_title = query.flag("showTitle", True)
        show_play_time = query.flag("showPlayTime", True)
        transport = query.choice("transport", TRANSPORTS, "auto") or "auto"
    except ApiError as exc:
        return html(watch_page.message(lang, i18n.text(lang, "watch.error.badRequest"), exc.message), exc.status)
    try:
        account = sign_in_account(request, () if when_ms is None else ("Playback",))
    except ApiError as exc:
        return html(sign_in_form(lang, exc), exc.status, exc.headers)
    channel = get_channel(services.db, chid)
    if channel is None:
        return html(watch_page.message(lang, i18n.text(lang, "watch.error.noChannel", ch=chid)), 404)
    page = watch_page.PlayerPage(
        chid=chid, title=display_name(chid, channel.name), lang=lang, when_ms=when_ms,
        auth=passed_credentials(request), show_title=show_title, show_play_time=show_play_time,
        transport=transport, share_url=share_url(request), timezone=services.tz.key,
        control=account.has("Control"),
    )
    return html(watch_page.player(page))


def sign_in_form(lang: str, exc: ApiError) -> str:
    error = {400: "watch.signIn.failed", 401: "watch.signIn.failed", 403: "watch.error.forbidden",
             429: "watch.signIn.throttled"}.get(exc.status, "")
    if exc.message == NOT_SIGNED_IN:
        error = ""  # no credentials came: just the form
    return watch_page.sign_in(lang, i18n.text(lang, error) if error else "")


routes = [
    Route("/watch", watch, methods=["GET", "HEAD"]),
    Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
]
