"""The Starlette application: routes of every TS-API area, CORS, body limit, JSON errors."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import Lifespan

from web import channels, enums, info, status
from web.control import routes as control
from web.core import auth
from web.core.auth import Authenticator
from web.core.context import Services
from web.core.errors import EXCEPTION_HANDLERS, DeclaredBodyLimit
from web.events import push, subscribe
from web.export import downloads as export_downloads
from web.export import event_storage, event_trigger
from web.export import socket as export_socket
from web.find import downloads
from web.find import routes as find
from web.host import system
from web.video import live_hls, live_ws, storage_files, vod, watch


def create_app(services: Services, lifespan: Lifespan | None = None) -> Starlette:
    settings = services.settings
    routes = [
        *auth.routes,
        *info.routes,
        *system.routes,
        *status.routes,
        *enums.routes,
        *push.routes,
        *channels.routes,
        *control.routes,
        *find.routes,
        *vod.routes,
        *export_downloads.routes,  # /download/{task}/{file}, before the find exports' /download/{name}
        *downloads.routes,
        *event_trigger.routes,
        *event_storage.routes,
        *storage_files.routes,
        *subscribe.routes,
        *watch.routes,
        *live_hls.routes,
        *live_ws.routes,
        *export_socket.routes,
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
