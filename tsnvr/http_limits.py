"""Bounds on what a client may send before its request reaches the app: the size and number of
header fields, and the time it may take to send them.

uvicorn's httptools protocol has none of these: it keeps every header a client sends, however
large or many, and waits for the end of the headers forever (its keep-alive timeout starts only
after a response). This subclass counts while parsing and answers, then closes the connection:
- 414 when the request target alone is over MAX_HEAD_BYTES,
- 431 when the request line and header fields are over MAX_HEAD_BYTES, or there are more than
  MAX_HEADER_FIELDS fields,
- 408 when a request's line and headers are not complete HEAD_TIMEOUT_S after the connection
  opened (or after the request's first byte, on a kept-alive connection).

The count is exact for the request target and for complete fields. A field still arriving is
buffered by httptools until it ends, so it is counted by the chunks read while the request is
still in its head: the count never exceeds what was sent, and a field that never ends is refused
at most one read (256 KiB) past the limit.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

MAX_HEAD_BYTES = 64 * 1024  # request line and header fields together
MAX_HEADER_FIELDS = 100  # Apache's LimitRequestFields; browsers send about 20
HEAD_TIMEOUT_S = 5.0  # a real client sends its whole head in one packet
LINGER_S = 1.0  # after a refusal, how long what the client still sends is read and dropped


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with MAX_HEAD_BYTES, MAX_HEADER_FIELDS and HEAD_TIMEOUT_S."""

    head_timeout_s = HEAD_TIMEOUT_S  # a class attribute, so a test can build a subclass with another

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_head = False  # between a request's first byte and the end of its header fields
        self.message_number = 0
        self.target_bytes = 0
        self.head_bytes = 0  # exact: the request target and the complete fields
        self.head_chunk_bytes = 0  # the reads that were all head, the field in progress included
        self.header_fields = 0
        self.head_timer: asyncio.TimerHandle | None = None
        self.refused = False
        self.linger_timer: asyncio.TimerHandle | None = None

    # connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        if self.linger_timer is not None:
            self.linger_timer.cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        message, was_in_head = self.message_number, self.in_head
        super().data_received(data)
        if not self.refused and self.in_head and was_in_head and message == self.message_number:
            self.head_chunk_bytes += len(data)
            if self.head_chunk_bytes > MAX_HEAD_BYTES:
                self._refuse(431, f"the request's header fields are larger than {MAX_HEAD_BYTES} bytes")

    def send_400_response(self, msg: str) -> None:
        if not self.refused:
            self._stop_head_timer()
            super().send_400_response(msg)

    # parser callbacks

    def on_message_begin(self) -> None:
        if self.refused:
            return
        super().on_message_begin()
        self.in_head = True
        self.message_number += 1
        self.target_bytes = self.head_bytes = self.head_chunk_bytes = self.header_fields = 0
        if self.head_timer is None:
            self._start_head_timer()

    def on_url(self, url: bytes) -> None:
        if self.refused:
            return
        self.target_bytes += len(url)
        self.head_bytes += len(url)
        if self.target_bytes > MAX_HEAD_BYTES:
            self._refuse(414, f"the request target is longer than {MAX_HEAD_BYTES} bytes")
            return
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.refused:
            return
        self.header_fields += 1
        self.head_bytes += len(name) + len(value) + 4  # ": " and CRLF
        if self.header_fields > MAX_HEADER_FIELDS:
            self._refuse(431, f"the request has more than {MAX_HEADER_FIELDS} header fields")
        elif self.head_bytes > MAX_HEAD_BYTES:
            self._refuse(431, f"the request's header fields are larger than {MAX_HEAD_BYTES} bytes")
        else:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self.refused:
            return
        self.in_head = False
        self._stop_head_timer()
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self.refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self.refused:
            super().on_message_complete()

    # the limits

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self.head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.transport.is_closing():
            return
        if self.message_number == 0 or self.in_head:
            self._refuse(408, f"the request's header fields were not complete within {self.head_timeout_s:g} s")

    def _refuse(self, status: int, message: str) -> None:
        """Answer `status` with the usual JSON error and close; nothing more is parsed."""
        self.refused = True
        self._stop_head_timer()
        body = json.dumps({"code": status, "message": message}).encode()
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [b"content-type: application/json\r\ncontent-length: ", str(len(body)).encode(),
                 b"\r\nconnection: close\r\n\r\n"]
        if self.transport.is_closing():
            return
        self.transport.write(b"".join(head) + body)
        # A close with unread data would reset the connection, and the client, still sending, could
        # lose the answer: end our side instead, read and drop what still comes for LINGER_S, then close.
        self.transport.write_eof()
        self.flow.resume_reading()
        self.linger_timer = self.loop.call_later(LINGER_S, self.transport.close)
