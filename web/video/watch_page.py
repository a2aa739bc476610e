"""The HTML of /watch: the player page, the sign-in form, and the page that says what went wrong.

The player's settings travel as JSON in a <script type="application/json"> element that
web/video/static/watch.js reads; every text the scripts show comes translated in it too."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Any

from web.core import i18n

# Texts watch.js needs, by the name it uses -> catalogue key.
SCRIPT_TEXTS = {
    "copyUrl": "watch.menu.copyUrl",
    "copyEmbed": "watch.menu.copyEmbed",
    "copied": "watch.menu.copied",
    "copyFailed": "watch.menu.copyFailed",
    "connecting": "watch.status.connecting",
    "noRecording": "watch.status.noRecording",
    "endOfRecording": "watch.status.endOfRecording",
    "cannotPlay": "watch.status.cannotPlay",
    "back60": "watch.seek.back60",
    "back10": "watch.seek.back10",
    "forward10": "watch.seek.forward10",
    "forward60": "watch.seek.forward60",
    "signInFailed": "watch.signIn.failed",
    "signInThrottled": "watch.signIn.throttled",
    "signInForbidden": "watch.error.forbidden",
    "ptzUp": "watch.ptz.up",
    "ptzDown": "watch.ptz.down",
    "ptzLeft": "watch.ptz.left",
    "ptzRight": "watch.ptz.right",
    "ptzZoomIn": "watch.ptz.zoomIn",
    "ptzZoomOut": "watch.ptz.zoomOut",
    "ptzHome": "watch.ptz.home",
    "ptzPresets": "watch.ptz.presets",
}

# watch.js first: the others use it
PLAYER_SCRIPTS = ("watch.js", "watch-live.js", "watch-recorded.js", "watch-ptz.js")
SEEK_BUTTONS = (("back60", -60), ("back10", -10), ("forward10", 10), ("forward60", 60))


@dataclass(frozen=True)
class PlayerPage:
    chid: int
    title: str
    lang: str
    when_ms: int | None  # None: live
    auth: str | None  # the auth= value the page's own requests carry, None with a cookie session
    show_title: bool
    show_play_time: bool
    transport: str  # auto, ws, hls
    share_url: str  # this page's URL without credentials, for "Copy video URL"
    timezone: str  # IANA name: the wall clock shows the server's local time
    control: bool = False  # the user has the Control right: live video may offer the camera's PTZ


def script_json(data: Any) -> str:
    """JSON safe inside a <script> element (no '</script>' or '<!--' can appear)."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def texts(lang: str) -> dict[str, str]:
    return {name: i18n.text(lang, key) for name, key in SCRIPT_TEXTS.items()}


def document(lang: str, title: str, body: str, config: dict[str, Any]) -> str:
    names = PLAYER_SCRIPTS if config["page"] == "player" else PLAYER_SCRIPTS[:1]
    scripts = "\n".join(f'<script src="/static/{name}"></script>' for name in names)
    return f"""<!DOCTYPE html>
<html lang="{escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/watch.css">
<link rel="stylesheet" href="/static/watch-ptz.css">
</head>
<body>
{body}
<script type="application/json" id="watch-config">{script_json(config)}</script>
{scripts}
</body>
</html>
"""


def player(page: PlayerPage) -> str:
    lang = page.lang
    config = {
        "page": "player",
        "ch": page.chid,
        "title": page.title,
        "lang": lang,
        "mode": "live" if page.when_ms is None else "recorded",
        "whenMs": page.when_ms,
        "auth": page.auth,
        "showTitle": page.show_title,
        "showPlayTime": page.show_play_time,
        "transport": page.transport,
        "shareUrl": page.share_url,
        "timezone": page.timezone,
        "control": page.control and page.when_ms is None,
        "text": texts(lang),
    }
    seek = ""
    if page.when_ms is not None:
        buttons = "".join(
            f'<button type="button" data-seek="{seconds}">{escape(i18n.text(lang, SCRIPT_TEXTS[name]))}</button>'
            for name, seconds in SEEK_BUTTONS)
        seek = f'<div class="seek" id="seek">{buttons}</div>'
    copy_url = escape(i18n.text(lang, SCRIPT_TEXTS["copyUrl"]))
    copy_embed = escape(i18n.text(lang, SCRIPT_TEXTS["copyEmbed"]))
    body = f"""<div class="player" id="player">
<video id="video" muted autoplay playsinline controls></video>
<div class="overlay">
<div class="title" id="title"{"" if page.show_title else " hidden"}>{escape(page.title)}</div>
<div class="clock" id="clock"{"" if page.show_play_time else " hidden"}></div>
</div>
<div class="status" id="status" hidden></div>
{seek}
<ul class="menu" id="menu" role="menu" hidden>
<li role="menuitem" tabindex="-1" data-copy="url">{copy_url}</li>
<li role="menuitem" tabindex="-1" data-copy="embed">{copy_embed}</li>
</ul>
<div class="toast" id="toast" hidden></div>
</div>"""
    return document(lang, page.title, body, config)


def sign_in(lang: str, error: str = "") -> str:
    """The form that signs in through /api/auth (a cookie session), then reloads the page."""
    def t(key: str) -> str:
        return escape(i18n.text(lang, key))

    body = f"""<form class="signin" id="signin" autocomplete="on">
<h1>{t("watch.signIn.title")}</h1>
<p>{t("watch.signIn.prompt")}</p>
<label>{t("watch.signIn.uid")}<input name="uid" autocomplete="username" required></label>
<label>{t("watch.signIn.password")}<input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">{t("watch.signIn.submit")}</button>
<p class="error" id="signin-error" role="alert">{escape(error)}</p>
</form>"""
    config = {"page": "signIn", "lang": lang, "text": texts(lang)}
    return document(lang, i18n.text(lang, "watch.signIn.title"), body, config)


def message(lang: str, text: str, detail: str = "") -> str:
    """A page that only says why there is no video (bad request, no such channel, no right)."""
    extra = f'<p class="detail">{escape(detail)}</p>' if detail else ""
    body = f'<div class="message" id="message"><p>{escape(text)}</p>{extra}</div>'
    return document(lang, text, body, {"page": "message", "lang": lang, "text": texts(lang)})
