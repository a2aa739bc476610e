"""The Starlette application: routes of every TS-API area, CORS, body limit, JSON errors."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Lifespan

from web import (
    auth,
    channels_api,
    downloads,
    enums,
    events_ws,
    find,
    info,
    live_hls,
    live_ws,
    push,
    status,
    storage_files,
    system,
    vod,
    watch,
)
from web.auth import Authenticator
from web.context import Services
from web.errors import EXCEPTION_HANDLERS, DeclaredBodyLimit


def create_app(services: Services, lifespan: Lifespan | None = None) -> Starlette:
    settings = services.settings
    routes = [
        *auth.routes,
        *info.routes,
        *system.routes,
        *status.routes,
        *enums.routes,
        *push.routes,
        *channels_api.routes,
        *find.routes,
        *vod.routes,
        *downloads.routes,
        *storage_files.routes,
        *events_ws.routes,
        *watch.routes,
        *live_hls.routes,
        *live_ws.routes,
    ]
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
            allow_headers=["*"],
            allow_credentials=True,
            expose_headers=["Content-Disposition", "Content-Length", "Content-Range", "Accept-Ranges"],
            max_age=600,
        ),
        Middleware(DeclaredBodyLimit, max_body_size=settings.max_request_bytes),
        Middleware(RequestBodyLimitMiddleware, max_body_size=settings.max_request_bytes),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.auth = Authenticator(services)
    return app
