"""/wsapi/subscribeEvents (also /api/subscribeEvents, which the guide's ex3 page uses): real-time
TS-API events over a WebSocket (TS-API @0.3.0).

Each socket authenticates on its own (auth=, HTTP Basic, the session cookie or session=) and names
its topics. A refusal (bad credentials, an unknown or missing topic, a bad parameter, a missing
right) is an accepted socket closed at once with 1008 and the reason, with nothing sent before.
Rights: LPR needs LPR, object needs Playback, every topic needs Remote.

Otherwise the server sends {"subscriberId", "topics"}, then the current state of the stateful
topics (channelStatus, recordingStatus, motionChanges, parkingCount, in the order asked), then
every event of those topics as web/events/render.py renders it for this subscriber's view (ch,
verbose, lang, objectType, host): the bus renders and serialises an event once per distinct view
and hands the same text to every subscriber that has it. bodyTemperature and packing are accepted
and never sent (nothing produces them). A subscriber that falls behind by more than `ws_queue_size` events is closed
with 1013 (try again later); the others keep receiving. Keep-alive pings are uvicorn's.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from storage.events import SUBSCRIBABLE_TOPICS, SubscriberOverflow, Topic
from storage.users import Account
from web.core import auth
from web.core.context import Services, Subscription
from web.core.errors import ApiError
from web.core.params import Query
from web.core.urls import base_url
from web.core.websocket import (
    CLOSE_POLICY_VIOLATION,
    Refused,
    close,
    close_slow_client,
    forward_until_client_leaves,
    send,
)
from web.events.render import OBJECT_TYPES, EventRenderer, View

log = logging.getLogger("tsnvr.web")

TOPIC_RIGHTS = {Topic.LPR: "LPR", Topic.OBJECT: "Playback"}


@dataclass(frozen=True)
class SubscribeRequest:
    topics: list[Topic]
    view: View


def read_topics(query: Query) -> list[Topic]:
    asked = query.words("topics")
    if not asked:
        raise Refused(f"topics is required: one or more of {','.join(SUBSCRIBABLE_TOPICS)}")
    by_name = {t.lower(): t for t in SUBSCRIBABLE_TOPICS}
    topics: list[Topic] = []
    for word in asked:
        topic = by_name.get(word.lower())
        if topic is None:
            raise Refused(f"unsupported topic {word!r}")
        if topic not in topics:
            topics.append(topic)
    return topics


def read_object_types(query: Query) -> frozenset[str] | None:
    asked = query.words("objectType")
    if not asked:
        return None
    unknown = [w for w in asked if w.lower() not in OBJECT_TYPES]
    if unknown:
        raise Refused(f"unsupported objectType {unknown[0]!r}; supported: {','.join(OBJECT_TYPES)}")
    return frozenset(w.lower() for w in asked)


def read_request(ws: WebSocket, services: Services) -> SubscribeRequest:
    query = Query(ws)  # type: ignore[arg-type]  # Query reads only .query_params, which a WebSocket has
    topics = read_topics(query)
    chids = query.int_list("ch")
    view = View(
        base=base_url(ws),
        lang=query.lang(services.settings.language),
        verbose=query.flag("verbose"),
        ch=frozenset(chids) if chids is not None else None,
        object_types=read_object_types(query),
    )
    return SubscribeRequest(topics=topics, view=view)


def check_rights(account: Account, topics: list[Topic]) -> None:
    for topic in topics:
        right = TOPIC_RIGHTS.get(topic)
        if right and not account.has(right):
            raise Refused(f"user {account.uid!r} lacks the {right} right needed for {topic}")


async def forward_events(ws: WebSocket, sub: Subscription[str]) -> bool:
    """Send the rendered events until the bus drops this subscriber (returns True) or the client
    goes (False)."""
    while True:
        try:
            text = await sub.get()
        except SubscriberOverflow:
            return True
        try:
            await ws.send_text(text)
        except WebSocketDisconnect:
            return False


async def subscribe_events(ws: WebSocket) -> None:
    services: Services = ws.app.state.services
    await ws.accept()
    try:
        account = await run_in_threadpool(auth.require, ws)
        request = read_request(ws, services)
        check_rights(account, request.topics)
    except (ApiError, Refused) as exc:
        await close(ws, CLOSE_POLICY_VIOLATION, str(exc))
        return
    # Once per server, before the first subscription: the bus renders events (channel titles
    # included) as they are published, reading no database.
    await run_in_threadpool(services.titles.load)
    # Subscribe before reading the current state, so that no change falls between the two.
    renderer = EventRenderer(services, request.view)
    sub = services.bus.subscribe_view(frozenset(request.topics), services.settings.ws_queue_size,
                                      request.view, renderer.message)
    subscriber_id = str(uuid.uuid4())
    try:
        await send(ws, {"subscriberId": subscriber_id, "topics": request.topics})
        for topic in request.topics:
            state = await run_in_threadpool(renderer.current_state, topic)
            if state is not None:
                await send(ws, state)
        dropped = await forward_until_client_leaves(ws, lambda: forward_events(ws, sub))
    except WebSocketDisconnect:
        return
    finally:
        sub.close()
    if dropped:
        log.warning("slow subscriber dropped", extra={"fields": {
            "subscriber": subscriber_id, "uid": account.uid, "queue": services.settings.ws_queue_size}})
        await close_slow_client(ws, "too many events queued; reconnect")


routes = [
    WebSocketRoute("/wsapi/subscribeEvents", subscribe_events),
    WebSocketRoute("/api/subscribeEvents", subscribe_events),
]
