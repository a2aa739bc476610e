"""/api/system: info (default), health, hddsmart, restart, reboot."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from storage.clock import now_ms
from web.core import i18n
from web.core.answers import ts_json
from web.core.auth import require
from web.core.context import Services
from web.core.errors import ApiError, bad_request
from web.core.params import Query
from web.core.timefmt import format_ms
from web.host import disks as block_devices
from web.host import health as host_health
from web.host import info as host_info
from web.host import smart

ACTIONS = ("info", "health", "hddsmart", "restart", "reboot")


def requested_items(query: Query, name: str, supported: list[str], aliases: dict[str, str]) -> list[str] | None:
    """The item names asked for by `name=a,b`; None for `name=supported`; every item for `name`
    alone or `name=all`."""
    words = query.words(name) or ["all"]
    if words == ["supported"]:
        return None
    items = []
    for word in words:
        item = aliases.get(word, word)
        if item not in supported:
            raise bad_request(f"{name}: unknown item {word!r}; the items are {', '.join(supported)}")
        items.append(item)
    return [s for s in supported if s != "all"] if "all" in items else items


def info(request: Request, services: Services, query: Query) -> Response:
    names = requested_items(query, "info", host_info.SUPPORTED, host_info.ALIASES)
    if names is None:
        return ts_json(request, host_info.SUPPORTED)
    body: dict[str, Any] = {"lastUpdate": format_ms(now_ms(), services.tz)}
    body.update(host_info.gather(names))
    return ts_json(request, body)


def health(request: Request, services: Services, query: Query) -> Response:
    names = requested_items(query, "health", host_health.SUPPORTED, {})
    if names is None:
        return ts_json(request, host_health.SUPPORTED)
    body: dict[str, Any] = {"lastUpdate": format_ms(now_ms(), services.tz)}
    body.update(host_health.gather(names, services))
    return ts_json(request, body)


def hddsmart(request: Request, services: Services, query: Query) -> Response:
    disks = block_devices.disks()
    if not disks and query.words("hddsmart"):
        raise bad_request("hddsmart: this server has no disks to number")
    wanted = query.int_list("hddsmart", low=1, high=max(1, len(disks)))
    chosen = [disks[n - 1] for n in wanted] if wanted else disks
    lang = query.lang(services.settings.language)
    return ts_json(request, [smart.run_smartctl(d.device_path, d.model).as_json(lang) for d in chosen])


def require_admin(request: Request, what: str) -> None:
    account = require(request)
    if not account.is_admin:
        raise ApiError(403, f"{what} needs administrator rights (the Settings right); user {account.uid!r} lacks them")


def restart(request: Request, services: Services, query: Query) -> Response:
    require_admin(request, "restarting the server")
    lang = query.lang(services.settings.language)
    response = ts_json(request, {"code": 0, "message": i18n.text(lang, "system.restart")})
    services.request_restart()  # stops the server half a second later, after this answer has left
    return response


def reboot(request: Request, services: Services, query: Query) -> Response:
    require_admin(request, "rebooting the system")
    if not services.settings.allow_reboot:
        raise ApiError(403, "rebooting the system is switched off on this server; "
                            "set allow_reboot = true in settings.toml to allow it")
    lang = query.lang(services.settings.language)
    response = ts_json(request, {"code": 0, "message": i18n.text(lang, "system.reboot")})
    services.request_reboot()  # runs settings.reboot_command a second later
    return response


HANDLERS = {"info": info, "health": health, "hddsmart": hddsmart, "restart": restart, "reboot": reboot}


def system_endpoint(request: Request) -> Response:
    services: Services = request.app.state.services
    query = Query(request)
    asked = [name for name in ACTIONS if query.has(name)]
    if len(asked) > 1:
        raise bad_request(f"ask for one of {', '.join(ACTIONS)} at a time, not {', '.join(asked)}")
    action = asked[0] if asked else "info"
    if action in ("info", "health", "hddsmart"):
        require(request)
    return HANDLERS[action](request, services, query)


routes = [Route("/api/system", system_endpoint)]
