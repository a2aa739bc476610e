"""The ONVIF WSDLs shipped with onvif-zeep-async, loaded once per process for the simulator.

Two views of the same files: zeep's (each SOAP 1.2 binding's operations, to read a request body
into Python values and to write an answer from them) and lxml's XMLSchema (the xs:schema of each
WSDL's types, plus the WS-BaseNotification schema), which validates every request body strictly
(unknown elements, missing required ones, wrong types, values outside an enumeration: zeep's
reader lets several of these through) and every answer the simulator writes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import onvif
from lxml import etree
from zeep.settings import Settings
from zeep.transports import Transport
from zeep.wsdl import Document

WSDL_DIR = Path(onvif.__file__).parent / "wsdl"
XSD = "http://www.w3.org/2001/XMLSchema"

# service name -> (WSDL file, binding local names, namespace of the binding)
SERVICES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "device": ("devicemgmt.wsdl", ("DeviceBinding",), "http://www.onvif.org/ver10/device/wsdl"),
    "media": ("media.wsdl", ("MediaBinding",), "http://www.onvif.org/ver10/media/wsdl"),
    "ptz": ("ptz.wsdl", ("PTZBinding",), "http://www.onvif.org/ver20/ptz/wsdl"),
    "imaging": ("imaging.wsdl", ("ImagingBinding",), "http://www.onvif.org/ver20/imaging/wsdl"),
    "deviceio": ("deviceio.wsdl", ("DeviceIOBinding",), "http://www.onvif.org/ver10/deviceIO/wsdl"),
    "events": ("events.wsdl", ("EventBinding",), "http://www.onvif.org/ver10/events/wsdl"),
    # a pull-point subscription's own address: PullMessages... and Renew/Unsubscribe
    "pullpoint": (
        "events.wsdl",
        ("PullPointSubscriptionBinding", "SubscriptionManagerBinding"),
        "http://www.onvif.org/ver10/events/wsdl",
    ),
}


@dataclass(frozen=True)
class Operation:
    """One operation of a service: its name, zeep's operation object, and its binding's service."""

    service: str
    name: str
    zeep: Any  # zeep.wsdl.soap.SoapOperation (untyped library)
    types: Any  # zeep.xsd.Schema of the WSDL

    def read(self, body_element: etree._Element) -> Any:
        """The request's values: a zeep object with an attribute per element of the request."""
        return self.zeep.input.body.parse(body_element, self.types)

    def answer(self, values: dict[str, Any]) -> etree._Element:
        """The SOAP 1.2 envelope of the answer, written by zeep from the schema types."""
        return self.zeep.output.serialize(**values).content


@functools.cache
def _document(filename: str) -> Any:
    # zeep annotates transport as a class, but reads it as an instance
    return Document(str(WSDL_DIR / filename), Transport(), settings=Settings(strict=True))  # type: ignore[arg-type]


@functools.cache
def operations(service: str) -> dict[etree.QName, Operation]:
    """The service's operations by the qualified name of their request's body element."""
    filename, bindings, namespace = SERVICES[service]
    document = _document(filename)
    found: dict[etree.QName, Operation] = {}
    for binding_name in bindings:
        binding = document.bindings[f"{{{namespace}}}{binding_name}"]
        for name, operation in binding._operations.items():
            found[etree.QName(operation.input.body.qname)] = Operation(service, name, operation, document.types)
    return found


@functools.cache
def _validators() -> dict[str, etree.XMLSchema]:
    """An XMLSchema per target namespace: the services' own and WS-BaseNotification's."""
    found: dict[str, etree.XMLSchema] = {}
    for filename in sorted({entry[0] for entry in SERVICES.values()}):
        path = WSDL_DIR / filename
        for schema in etree.parse(str(path)).iter(f"{{{XSD}}}schema"):
            # re-parsed on its own, with the WSDL's address so ./onvif.xsd and friends resolve
            document = etree.fromstring(etree.tostring(schema), base_url=str(path))
            found[schema.get("targetNamespace", "")] = etree.XMLSchema(document)
    for filename in ("onvif.xsd", "b-2.xsd"):
        schema_tree = etree.parse(str(WSDL_DIR / filename))
        found[schema_tree.getroot().get("targetNamespace", "")] = etree.XMLSchema(schema_tree)
    return found


def validate(element: etree._Element) -> str | None:
    """None when the element is valid against its namespace's schema, else the first error."""
    namespace = etree.QName(element).namespace or ""
    validator = _validators().get(namespace)
    if validator is None:
        return f"no schema for namespace {namespace!r}"
    if validator.validate(element):
        return None
    error = validator.error_log.last_error
    return error.message if error is not None else "invalid"


def load_all() -> None:
    """Load every WSDL and schema now (the first simulator of a process pays ~0.5 s)."""
    for service in SERVICES:
        operations(service)
    _validators()
