"""SOAP 1.2 as an ONVIF device speaks it: the envelope's shape, faults, WS-Security digests.

A fault is raised as SoapFault anywhere in the simulator and written by fault_envelope; its HTTP
status follows SOAP 1.2's HTTP binding, as the ONVIF core specification asks: 400 for a Sender
fault (the client's mistake: bad arguments, not authorized), 500 for the others (Receiver,
VersionMismatch, MustUnderstand). Subcodes are ONVIF's (ter:InvalidArgVal, ter:ActionNotSupported,
ter:NotAuthorized...).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from lxml import etree

ENV = "http://www.w3.org/2003/05/soap-envelope"
SOAP11_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TER = "http://www.onvif.org/ver10/error"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
PASSWORD_DIGEST = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
)
PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
)
XML_NS = "http://www.w3.org/XML/1998/namespace"

PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_blank_text=False
)


class SoapFault(Exception):
    """A SOAP fault: code (Sender, Receiver, VersionMismatch, MustUnderstand), ONVIF subcodes."""

    def __init__(self, code: str, subcodes: tuple[str, ...], reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.subcodes = subcodes
        self.reason = reason

    @property
    def http_status(self) -> int:
        return 400 if self.code == "Sender" else 500


def sender(*subcodes: str, reason: str) -> SoapFault:
    return SoapFault("Sender", subcodes, reason)


def receiver(*subcodes: str, reason: str) -> SoapFault:
    return SoapFault("Receiver", subcodes, reason)


def fault_envelope(fault: SoapFault) -> bytes:
    nsmap = {"env": ENV, "ter": TER}
    envelope = etree.Element(f"{{{ENV}}}Envelope", nsmap=nsmap)
    body = etree.SubElement(envelope, f"{{{ENV}}}Body")
    element = etree.SubElement(body, f"{{{ENV}}}Fault")
    code = etree.SubElement(element, f"{{{ENV}}}Code")
    etree.SubElement(code, f"{{{ENV}}}Value").text = f"env:{fault.code}"
    parent = code
    for subcode in fault.subcodes:
        parent = etree.SubElement(parent, f"{{{ENV}}}Subcode")
        etree.SubElement(parent, f"{{{ENV}}}Value").text = f"ter:{subcode}"
    reason = etree.SubElement(element, f"{{{ENV}}}Reason")
    text = etree.SubElement(reason, f"{{{ENV}}}Text")
    text.set(f"{{{XML_NS}}}lang", "en")
    text.text = fault.reason
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


@dataclass(frozen=True)
class Envelope:
    root: etree._Element
    header: etree._Element | None
    body_element: etree._Element  # the one child of env:Body: the request


def parse_envelope(data: bytes) -> Envelope:
    """The request's envelope, refused unless it is well-formed SOAP 1.2 with one body element."""
    if b"<!DOCTYPE" in data[:1024].upper():
        raise sender("WellFormed", reason="a SOAP message must not contain a document type declaration")
    try:
        root = etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as error:
        raise sender("WellFormed", reason=f"not well-formed XML: {error}") from None
    if root.tag == f"{{{SOAP11_ENV}}}Envelope":
        raise SoapFault("VersionMismatch", (), "SOAP 1.1 envelope: this device speaks SOAP 1.2")
    if root.tag != f"{{{ENV}}}Envelope":
        raise SoapFault("VersionMismatch", (), f"not a SOAP 1.2 envelope: {root.tag}")
    children = [child for child in root if isinstance(child.tag, str)]
    names = [etree.QName(child).localname if etree.QName(child).namespace == ENV else child.tag
             for child in children]
    if names not in (["Body"], ["Header", "Body"]):
        raise sender("TagMismatch", reason=f"an envelope holds an optional Header then a Body, not {names}")
    header = children[0] if len(children) == 2 else None
    body = children[-1]
    requests = [child for child in body if isinstance(child.tag, str)]
    if len(requests) != 1:
        raise sender("Tag", reason=f"the Body must hold exactly one request element, not {len(requests)}")
    if (body.text or "").strip() or any((child.tail or "").strip() for child in requests):
        raise sender("TagMismatch", reason="text outside the request element in the Body")
    if header is not None:
        _check_must_understand(header)
    return Envelope(root, header, requests[0])


def _check_must_understand(header: etree._Element) -> None:
    understood = {f"{{{WSSE}}}Security"}
    for block in header:
        if not isinstance(block.tag, str):
            continue
        flag = block.get(f"{{{ENV}}}mustUnderstand", "false")
        if flag in ("true", "1") and block.tag not in understood and _addressing(block.tag) is False:
            raise SoapFault("MustUnderstand", (), f"header block {block.tag} not understood")


def _addressing(tag: str) -> bool:
    """WS-Addressing headers (Action, To, MessageID...) are understood: they only name things."""
    return etree.QName(tag).namespace == "http://www.w3.org/2005/08/addressing"


@dataclass(frozen=True)
class UsernameToken:
    username: str
    password: str
    password_type: str
    nonce: bytes
    created: str


def username_token(header: etree._Element | None) -> UsernameToken | None:
    """The WS-Security UsernameToken of the header, None when there is none; malformed: NotAuthorized."""
    if header is None:
        return None
    token = header.find(f"{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
    if token is None:
        return None
    username = token.findtext(f"{{{WSSE}}}Username")
    password = token.find(f"{{{WSSE}}}Password")
    nonce_text = token.findtext(f"{{{WSSE}}}Nonce")
    created = token.findtext(f"{{{WSU}}}Created")
    if username is None or password is None:
        raise not_authorized("UsernameToken without Username or Password")
    password_type = password.get("Type", PASSWORD_TEXT)
    nonce = b""
    if nonce_text is not None:
        try:
            nonce = base64.b64decode(nonce_text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise not_authorized("the Nonce is not base64") from None
    return UsernameToken(username.strip(), password.text or "", password_type, nonce, (created or "").strip())


def not_authorized(reason: str) -> SoapFault:
    return sender("NotAuthorized", reason=f"Sender not Authorized: {reason}")


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """WS-Security UsernameToken Profile: Base64(SHA-1(nonce + created + password))."""
    return base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest()).decode()


def parse_created(text: str) -> dt.datetime:
    """xs:dateTime as WS-Security's Created carries it (UTC, 'Z' or an offset), timezone-aware."""
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise not_authorized(f"Created is not a date and time: {text!r}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def check_token(
    token: UsernameToken, users: dict[str, str], camera_now: dt.datetime, max_skew: float,
    accept_password_text: bool,
) -> None:
    """Raises NotAuthorized unless the token names a user with the right password digest and a
    Created within max_skew seconds of the camera's clock."""
    expected = users.get(token.username)
    if expected is None:
        raise not_authorized(f"unknown user {token.username!r}")
    if token.password_type == PASSWORD_DIGEST:
        if not token.nonce or not token.created:
            raise not_authorized("a PasswordDigest needs a Nonce and a Created")
        if not hmac.compare_digest(token.password, password_digest(token.nonce, token.created, expected)):
            raise not_authorized("wrong password digest")
    elif token.password_type == PASSWORD_TEXT and accept_password_text:
        if not hmac.compare_digest(token.password.encode(), expected.encode()):
            raise not_authorized("wrong password")
    else:
        raise not_authorized(f"password type {token.password_type!r} not accepted")
    if token.created:
        # whole seconds on both sides: Created usually has no fraction
        skew = abs((parse_created(token.created) - camera_now.replace(microsecond=0)).total_seconds())
        if skew > max_skew:
            raise not_authorized(
                f"Created {token.created} is {int(skew)} s from the device's clock "
                f"({camera_now.strftime('%Y-%m-%dT%H:%M:%SZ')})"
            )
