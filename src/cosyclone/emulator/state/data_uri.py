"""A sample sent inline: ``input.audio`` as ``data:audio/…;base64,…`` (contract §10.2), decoded for judging.

The emulator judges the decoded bytes exactly as it judges a downloaded sample. UNCERTAIN points and the choices
made here: the service's limit is "10 MB encoded", so the length of the whole URI is what is checked (over it:
400 ``Audio.FileSizeExceed``, as a too-large download); a URI that is not ``data:audio/<type>;base64,<payload>``
or whose payload is not base64 is a 400 ``InvalidParameter`` naming ``audio``; the MIME type is not trusted (the
real codec decides, as for a URL); what ``query_voice`` reports as ``resource_link`` for an inline sample is not
documented, so the emulator reports ``data:<type>;sha256=<hex>`` (never the bytes).

Imported by the backend's voices part only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cosyclone.emulator.errors import EmulatorApiError, invalid_parameter
from cosyclone.schema.enrollment import DATA_URI_MAX_CHARS, DATA_URI_PREFIX

_HEAD = re.compile(r"^data:(audio/[A-Za-z0-9.+-]+)(?:;[A-Za-z0-9=.-]+)*;base64$")


@dataclass(frozen=True)
class InlineSample:
    """The bytes of an inline sample, its declared MIME type, and the link the emulator reports for it."""

    data: bytes
    mime_type: str

    @property
    def name(self) -> str:
        return "inline." + self.mime_type.split("/", 1)[1].replace("mpeg", "mp3")

    @property
    def resource_link(self) -> str:
        return f"data:{self.mime_type};sha256={hashlib.sha256(self.data).hexdigest()}"


def is_data_uri(value: str) -> bool:
    return value.startswith(DATA_URI_PREFIX)


def decode_data_uri(uri: str) -> InlineSample:
    """The sample inside ``uri``.

    Raises:
        EmulatorApiError: 400 ``Audio.FileSizeExceed`` over 10 MB encoded; 400 ``InvalidParameter`` (``audio``)
            for a malformed URI.
    """
    if len(uri) > DATA_URI_MAX_CHARS:
        raise EmulatorApiError(
            400, "Audio.FileSizeExceed", "File too large", detail=f"data URI of {len(uri)} characters (max 10 MB)"
        )
    head, comma, payload = uri.partition(",")
    match = _HEAD.match(head)
    if not comma or match is None:
        raise invalid_parameter("audio", detail="expected data:audio/<type>;base64,<payload>")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_parameter("audio", detail="the data URI payload is not base64") from None
    if not data:
        raise invalid_parameter("audio", detail="the data URI holds no audio")
    return InlineSample(data, match.group(1).lower())
