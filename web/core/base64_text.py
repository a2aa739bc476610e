"""Text sent as base64 in a query parameter (auth=, the export's password=)."""

from __future__ import annotations

import base64
import binascii


def decode_base64_text(value: str) -> str:
    """The UTF-8 text `value` encodes, in standard or URL-safe base64, padded or not, URL-encoded or
    raw (a raw '+' arrives as a space); ValueError when it is not that."""
    text = value.strip().replace(" ", "+")
    text += "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(text, altchars=b"-_" if ("-" in text or "_" in text) else None, validate=True)
        return raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("not base64 of UTF-8 text") from exc
