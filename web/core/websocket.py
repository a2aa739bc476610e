"""What every TS-API WebSocket shares: refusing a socket, closing it, and forwarding to it while
watching for the client to leave."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from starlette.websockets import WebSocket, WebSocketDisconnect

from web.core.answers import dumps

CLOSE_POLICY_VIOLATION = 1008
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_WAIT_S = 10.0  # how long a dropped client's full socket may take to take the close frame
MAX_REASON_BYTES = 123  # RFC 6455: a close frame's reason


class Refused(Exception):
    """The socket cannot be served; the message is the close reason."""


async def close(ws: WebSocket, code: int, reason: str) -> None:
    reason = reason.encode()[:MAX_REASON_BYTES].decode(errors="ignore")
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        await ws.close(code, reason)


async def close_slow_client(ws: WebSocket, reason: str) -> None:
    """1013 (try again later), waiting at most CLOSE_WAIT_S for a full socket to take it."""
    with anyio.move_on_after(CLOSE_WAIT_S):
        await close(ws, CLOSE_TRY_AGAIN_LATER, reason)


async def send(ws: WebSocket, message: dict[str, Any]) -> None:
    await ws.send_text(dumps(message))


async def wait_for_client_to_leave(ws: WebSocket) -> None:
    # These sockets only send; whatever the client says is ignored.
    while (await ws.receive())["type"] != "websocket.disconnect":
        pass


async def forward_until_client_leaves(ws: WebSocket, forward: Callable[[], Awaitable[bool]]) -> bool:
    """Run `forward` while watching for the client to leave; `forward`'s answer (True: the client
    was dropped for falling behind), or False when the client left first."""
    dropped = False

    async def forwarding(scope: anyio.CancelScope) -> None:
        nonlocal dropped
        dropped = await forward()
        scope.cancel()

    async def listening(scope: anyio.CancelScope) -> None:
        await wait_for_client_to_leave(ws)
        scope.cancel()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(forwarding, tasks.cancel_scope)
        tasks.start_soon(listening, tasks.cancel_scope)
    return dropped
