"""/api/info: apiVersion, siteName, timezone, product, license, whoAmI, all."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from storage.clock import now_ms
from storage.users import RIGHTS, Account
from web.core.answers import ts_json
from web.core.auth import identify
from web.core.context import Services
from web.core.errors import ApiError
from web.core.timefmt import utc_offset

API_VERSION = "TS-API@0.9.20"
EXTENSIONS = ["lprExt", "emergencyCall", "objectDetection"]
PUBLIC_ITEMS = ("apiVersion", "siteName", "timezone", "product", "license")


def product_version() -> str:
    try:
        version = metadata.version("tsnvr")
    except metadata.PackageNotFoundError:
        version = "0.0.0"
    bits = "64-bit" if platform.architecture()[0] == "64bit" else "32-bit"
    return f"v{version} ({bits})"


def public_item(services: Services, name: str) -> Any:
    settings = services.settings
    if name == "apiVersion":
        return API_VERSION
    if name == "siteName":
        return quote(settings.site_name, safe="")
    if name == "timezone":
        tz = services.tz
        return {"name": tz.key, "bias": utc_offset(tz, now_ms())}
    if name == "product":
        return {"name": settings.product_name, "version": product_version()}
    if name == "license":
        return {
            "type": "genuine",
            "maxChannels": settings.max_channels,
            "nLprZone": settings.max_channels,
            "nDevEmCall": 256,
            "nChObjDetection": settings.max_channels,
            "mediaType": "Software",
            "extension": EXTENSIONS,
        }
    raise KeyError(name)


def who_am_i(account: Account) -> dict[str, Any]:
    return {
        "uid": account.uid,
        "name": account.name,
        "accessRights2": {right: account.has(right) for right in RIGHTS},
        "accessRights": account.rights_names,
    }


def info_endpoint(request: Request) -> Response:
    services: Services = request.app.state.services
    asked = [k for k in request.query_params if k in (*PUBLIC_ITEMS, "whoAmI", "all")]
    everything = not asked or "all" in asked
    names = [k for k in PUBLIC_ITEMS if everything or k in asked]
    body = {name: public_item(services, name) for name in names}
    if everything or "whoAmI" in asked:
        account = identify(request)
        if account is None:
            if not everything:
                raise ApiError(401, "whoAmI needs a signed-in session, auth= or HTTP Basic credentials")
            return ts_json(request, body, status=401)
        if not account.has("Remote"):
            raise ApiError(403, f"user {account.uid!r} has no Remote access right")
        body["whoAmI"] = who_am_i(account)
    return ts_json(request, body)


routes = [Route("/api/info", info_endpoint)]
