"""Recordings a front end receives (the studio's browser uploads), kept in the user's home:
``$COSYCLONE_HOME/studio/``.

- ``samples/`` and ``consent/``: each upload, named by kind and the SHA-256 of what is kept. A file in a format the
  service takes (WAV, MP3, M4A) is kept byte for byte, so the preflight judges exactly what a clone sends; anything
  else (the browser's WebM/Opus or Ogg/Opus recordings) is decoded and written as 16-bit PCM WAV with the
  project's audio code (:mod:`cosyclone.audio.io`, PyAV).
- ``pictures/``: preflight pictures; ``speech/``: what a voice said.

Never a temporary folder that is cleaned behind the user's back; every file is written as ``name.part`` and renamed.
Names a page sends back are checked against :data:`NAME` (no path ever comes from the page).

Who may import it: the front ends (``studio/``) and the library layer.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cosyclone._config import cosyclone_home
from cosyclone._exceptions import InvalidRequestError, Problem

Kind = Literal["sample", "consent"]
Folder = Literal["samples", "consent", "pictures", "speech"]

#: What a file the page names may look like: kind, 16 hex digits of its SHA-256, an extension.
NAME = re.compile(r"^(sample|consent|picture|speech)-[0-9a-f]{16,32}\.(wav|mp3|m4a|png|opus)$")
_KEPT_AS_IS = {"wav": ".wav", "mp3": ".mp3", "mp4": ".m4a"}
_FOLDERS: dict[Kind, Folder] = {"sample": "samples", "consent": "consent"}
_WHERE: dict[str, Folder] = {"sample": "samples", "consent": "consent", "picture": "pictures", "speech": "speech"}


def studio_home() -> Path:
    return cosyclone_home() / "studio"


def folder(name: Folder) -> Path:
    path = studio_home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_new(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` (``.part`` then rename); an existing file of that name already holds it."""
    if not path.exists():
        part = path.with_name(path.name + ".part")
        part.write_bytes(data)
        os.replace(part, path)
    return path


@dataclass(frozen=True)
class KeptAudio:
    """An upload as kept: its name (what the page refers to), path, and the container it arrived in."""

    name: str
    path: Path
    arrived_as: str | None
    converted: bool


def keep_upload(data: bytes, kind: Kind) -> KeptAudio:
    """Keep an uploaded recording (converted to 16-bit PCM WAV unless the service takes its format).

    Raises:
        InvalidRequestError: empty, or not audio that can be decoded.
    """
    from cosyclone.audio.io import AudioDecodeError, decode, encode, sniff_container

    if not data:
        raise InvalidRequestError([Problem(kind, "", "the upload is empty: record or choose the file again")])
    container = sniff_container(data[:64])
    converted = container not in _KEPT_AS_IS
    suffix = _KEPT_AS_IS.get(container or "", ".wav")
    if converted:
        try:
            decoded = decode(data)
        except AudioDecodeError as error:
            raise InvalidRequestError([Problem(kind, container or "unknown", error.message)]) from None
        data = encode(decoded.samples, decoded.sample_rate, "wav")
    name = f"{kind}-{hashlib.sha256(data).hexdigest()[:32]}{suffix}"
    path = write_new(folder(_FOLDERS[kind]) / name, data)
    return KeptAudio(name=name, path=path, arrived_as=container, converted=converted)


def find(name: str, kind: str | None = None) -> Path:
    """The kept file the page names (of ``kind`` when given), or InvalidRequestError (a name of another kind, a
    path, a missing file)."""
    match = NAME.match(name or "")
    kind = kind or (match.group(1) if match else "file")
    if match is None or match.group(1) != kind:
        raise InvalidRequestError([Problem(kind, name, f"is not the name of a {kind} the studio keeps")])
    path = folder(_WHERE[kind]) / name
    if not path.is_file():
        raise InvalidRequestError([Problem(kind, name, "no such file in the studio: record or choose it again")])
    return path
