"""The event service (events.wsdl), pull-point only: CreatePullPointSubscription, then at the
subscription's own address PullMessages (a long poll up to its Timeout), Renew, Unsubscribe and
SetSynchronizationPoint. Notifications are tt:Message elements the test triggers through the
simulator (trigger_motion, trigger_tamper): property events, so a new subscription and a
synchronization point first get each property's current state ("Initialized")."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lxml import etree

from .. import soap

if TYPE_CHECKING:
    from ..server import OnvifSimulator

TT = "http://www.onvif.org/ver10/schema"
TNS1 = "http://www.onvif.org/ver10/topics"
WSNT = "http://docs.oasis-open.org/wsn/b-2"
TEV = "http://www.onvif.org/ver10/events/wsdl"
WSTOP = "http://docs.oasis-open.org/wsn/t-1"
CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
MOTION_TOPIC = "tns1:RuleEngine/CellMotionDetector/Motion"
TAMPER_TOPIC = "tns1:VideoSource/GlobalSceneChange/ImagingService"
MAX_PULL_WAIT = 60.0  # seconds a PullMessages may wait for a message
DEFAULT_TERMINATION = dt.timedelta(seconds=60)
_ids = itertools.count(1)


@dataclass(frozen=True)
class Notification:
    """One tt:Message: its topic (with the tns1 prefix), source and data items, time and operation."""

    topic: str
    source: tuple[tuple[str, str], ...]
    data: tuple[tuple[str, str], ...]
    utc_time: dt.datetime
    operation: str = "Changed"  # Initialized, Changed, Deleted

    def message(self) -> etree._Element:
        element = etree.Element(f"{{{TT}}}Message", nsmap={"tt": TT})
        element.set("UtcTime", self.utc_time.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
        element.set("PropertyOperation", self.operation)
        for part, items in (("Source", self.source), ("Data", self.data)):
            holder = etree.SubElement(element, f"{{{TT}}}{part}")
            for name, value in items:
                etree.SubElement(holder, f"{{{TT}}}SimpleItem", Name=name, Value=value)
        return element


@dataclass
class Subscription:
    id: str
    termination: dt.datetime  # camera clock
    topics: tuple[str, ...] | None  # the filter's topic expressions; None: every topic
    queue: deque[Notification] = field(default_factory=deque)

    def wants(self, topic: str) -> bool:
        return self.topics is None or any(_topic_matches(expression, topic) for expression in self.topics)


def _topic_matches(expression: str, topic: str) -> bool:
    """ConcreteSet expressions (a topic, or a parent with //. for its subtree); prefixes ignored."""
    def path(text: str) -> list[str]:
        return [part.split(":")[-1] for part in text.strip().split("/") if part and part != "."]

    subtree = expression.strip().endswith("//.")
    wanted, got = path(expression.replace("//.", "")), path(topic)
    return got[: len(wanted)] == wanted if subtree else got == wanted


def motion(sim: OnvifSimulator, active: bool, operation: str = "Changed") -> Notification:
    return Notification(
        MOTION_TOPIC,
        (("VideoSourceConfigurationToken", "vsc0"), ("VideoAnalyticsConfigurationToken", "vac0"),
         ("Rule", "MyMotionDetectorRule")),
        (("IsMotion", "true" if active else "false"),),
        sim.now(), operation,
    )


def tamper(sim: OnvifSimulator, active: bool, operation: str = "Changed") -> Notification:
    return Notification(TAMPER_TOPIC, (("Source", "vs0"),), (("State", "true" if active else "false"),),
                        sim.now(), operation)


def publish(sim: OnvifSimulator, notification: Notification) -> None:
    with sim.changed:
        for subscription in sim.subscriptions.values():
            if subscription.wants(notification.topic):
                subscription.queue.append(notification)
        sim.changed.notify_all()


def _initial_state(sim: OnvifSimulator, subscription: Subscription) -> None:
    for notification in (motion(sim, sim.motion_active, "Initialized"),
                         tamper(sim, sim.tamper_active, "Initialized")):
        if subscription.wants(notification.topic):
            subscription.queue.append(notification)


def _termination(sim: OnvifSimulator, value: Any, default: dt.timedelta | None) -> dt.datetime:
    """wsnt:AbsoluteOrRelativeTimeType: a duration (PT60S) or a date and time."""
    now = sim.now()
    if value is None or value == "":
        return now + (default or DEFAULT_TERMINATION)
    if isinstance(value, dt.timedelta):
        return now + value
    text = str(value).strip()
    if text.startswith(("P", "-P")):
        seconds = _duration_seconds(text)
        return now + dt.timedelta(seconds=seconds)
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise soap.sender("InvalidArgVal", "UnacceptableTerminationTime",
                          reason=f"termination time {text!r} is neither a duration nor a date and time") from None
    when = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
    if when <= now:
        raise soap.sender("InvalidArgVal", "UnacceptableTerminationTime",
                          reason=f"termination time {text} is not after the device's time")
    return when


def _duration_seconds(text: str) -> float:
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?", text)
    if match is None or text in ("P", "PT"):
        raise soap.sender("InvalidArgVal", "UnacceptableTerminationTime", reason=f"bad duration {text!r}")
    days, hours, minutes, seconds = (float(group) if group else 0.0 for group in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def _naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _subscription(sim: OnvifSimulator, path: str) -> Subscription:
    subscription_id = path.rsplit("/", 1)[-1]
    subscription = sim.subscriptions.get(subscription_id)
    if subscription is None or subscription.termination <= sim.now():
        sim.subscriptions.pop(subscription_id, None)
        raise soap.sender("InvalidArgVal", "ResourceUnknown", reason=f"no subscription {subscription_id!r}")
    return subscription


def get_service_capabilities(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {"Capabilities": {
        "WSSubscriptionPolicySupport": False, "WSPullPointSupport": True,
        "WSPausableSubscriptionManagerInterfaceSupport": False, "MaxNotificationProducers": 0,
        "MaxPullPoints": 8, "PersistentNotificationStorage": False,
    }}


def _topic_set() -> etree._Element:
    """wstop:TopicSet content: the two topics, each with its tt:MessageDescription."""
    holder = etree.Element(f"{{{WSTOP}}}TopicSet", nsmap={"tns1": TNS1, "wstop": WSTOP, "tt": TT})
    for topic, source, data in (
        (MOTION_TOPIC, (("VideoSourceConfigurationToken", "tt:ReferenceToken"),
                        ("VideoAnalyticsConfigurationToken", "tt:ReferenceToken"), ("Rule", "xs:string")),
         ("IsMotion", "xs:boolean")),
        (TAMPER_TOPIC, (("Source", "tt:ReferenceToken"),), ("State", "xs:boolean")),
    ):
        parent = holder
        for name in topic.removeprefix("tns1:").split("/"):
            found = parent.find(f"{{{TNS1}}}{name}")
            parent = found if found is not None else etree.SubElement(parent, f"{{{TNS1}}}{name}")
        parent.set(f"{{{WSTOP}}}topic", "true")
        description = etree.SubElement(parent, f"{{{TT}}}MessageDescription", IsProperty="true")
        for part, items in (("Source", source), ("Data", (data,))):
            element = etree.SubElement(description, f"{{{TT}}}{part}")
            for name, kind in items:
                etree.SubElement(element, f"{{{TT}}}SimpleItemDescription", Name=name, Type=kind)
    return holder


def get_event_properties(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    return {
        "TopicNamespaceLocation": ["http://www.onvif.org/onvif/ver10/topics/topicns.xml"],
        "FixedTopicSet": True,
        "TopicSet": {"_value_1": list(_topic_set())},
        "TopicExpressionDialect": [CONCRETE_SET, "http://docs.oasis-open.org/wsn/t-1/TopicExpression/Concrete"],
        "MessageContentFilterDialect": ["http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter"],
        "MessageContentSchemaLocation": ["http://www.onvif.org/onvif/ver10/schema/onvif.xsd"],
    }


def create_pull_point_subscription(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    expressions = request.element.findall(f"{{{TEV}}}Filter/{{{WSNT}}}TopicExpression")
    if any(expression.get("Dialect") != CONCRETE_SET for expression in expressions):
        raise soap.sender("InvalidArgVal", "InvalidFilterFault",
                          reason=f"topic expressions must use the dialect {CONCRETE_SET}")
    topics = tuple(part for expression in expressions for part in (expression.text or "").split("|")) or None
    with sim.lock:
        termination = _termination(sim, request.InitialTerminationTime, None)
        subscription = Subscription(str(next(_ids)), termination, topics)
        _initial_state(sim, subscription)
        sim.subscriptions[subscription.id] = subscription
        now = sim.now()
    return {
        "SubscriptionReference": {"Address": {"_value_1": sim.pullpoint_address(subscription.id)}},
        "CurrentTime": _naive(now),
        "TerminationTime": _naive(subscription.termination),
    }


def pull_messages(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    limit = request.MessageLimit
    if limit < 1:
        raise soap.sender("InvalidArgVal", reason=f"MessageLimit {limit} must be at least 1")
    wait = min(request.Timeout.total_seconds(), MAX_PULL_WAIT)
    deadline = time.monotonic() + wait
    with sim.changed:
        subscription = _subscription(sim, request.path)
        while not subscription.queue and not sim.stopping:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            sim.changed.wait(left)
        taken = [subscription.queue.popleft() for _ in range(min(limit, len(subscription.queue)))]
        now = sim.now()
    return {
        "CurrentTime": _naive(now),
        "TerminationTime": _naive(subscription.termination),
        "NotificationMessage": [
            {"Topic": {"_value_1": notification.topic, "Dialect": CONCRETE_SET},
             "Message": {"_value_1": notification.message()}}
            for notification in taken
        ],
    }


def renew(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    with sim.lock:
        subscription = _subscription(sim, request.path)
        subscription.termination = _termination(sim, request.TerminationTime, DEFAULT_TERMINATION)
        now = sim.now()
    return {"TerminationTime": _naive(subscription.termination), "CurrentTime": _naive(now)}


def unsubscribe(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    with sim.lock:
        subscription = _subscription(sim, request.path)
        del sim.subscriptions[subscription.id]
    return {}


def set_synchronization_point(sim: OnvifSimulator, request: Any) -> dict[str, Any]:
    with sim.changed:
        _initial_state(sim, _subscription(sim, request.path))
        sim.changed.notify_all()
    return {}


def declare_topic_prefix(answer: etree._Element) -> etree._Element:
    """Topics are written tns1:...: each wsnt:Topic is rebuilt declaring that prefix (zeep writes
    the text but not the namespace it names)."""
    for topic in list(answer.iter(f"{{{WSNT}}}Topic")):
        fixed = etree.Element(topic.tag, attrib=dict(topic.attrib), nsmap={"tns1": TNS1})
        fixed.text = topic.text
        topic.getparent().replace(topic, fixed)
    return answer


HANDLERS = {
    "GetServiceCapabilities": get_service_capabilities,
    "CreatePullPointSubscription": create_pull_point_subscription,
    "GetEventProperties": get_event_properties,
}
PULLPOINT_HANDLERS = {
    "PullMessages": pull_messages,
    "Renew": renew,
    "Unsubscribe": unsubscribe,
    "SetSynchronizationPoint": set_synchronization_point,
}
