"""The GE2E speaker encoder's weights: the packaged ``.npz``, and the one-off conversion that made it.

The weights are resemblyzer 0.1.4's ``pretrained.pt`` (Apache-2.0, Copyright 2019 Resemble.AI; a 3-layer LSTM,
40 mel bands in, 256-d embedding out). They ship inside cosyclone as ``cosyclone/data/ge2e/ge2e_encoder.npz``
with the licence and a NOTICE beside it, so ``pip install cosyclone`` alone gives a working speaker model: no
resemblyzer, no torch, no ``--no-deps`` step.

The file holds float16 arrays (2.9 MB instead of 5.7 MB). Measured on the 16 fixture clips (English and
Mandarin, 5–15 s): embeddings from float16 weights against float32 ones differ by at most 2e-4 in cosine, far below
the 0.04 between the bands and any pair's distance to them; see ``docs/quality.md``. They are widened to
float32 on load (the forward pass runs in float32).

The conversion (``python -m cosyclone.audio.speaker_weights PRETRAINED.pt OUT.npz [--float32]``) reads PyTorch's
legacy serialisation — a sequence of pickles followed by raw little-endian storages — with a restricted
unpickler that knows only the three globals the file uses, so it needs neither torch nor resemblyzer's code;
only the ``.pt`` file (``pip download resemblyzer==0.1.4 --no-deps``, then unzip).

Who may import it: :mod:`cosyclone.audio.speaker` (loading). Imports nothing of ours but ``cosyclone._exceptions``.
"""

from __future__ import annotations

import argparse
import importlib.resources
import io
import os
import pickle
import struct
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt

from cosyclone._exceptions import CosycloneError

__all__ = ["LSTM_LAYERS", "SpeakerModelMissingError", "load_state", "main", "read_legacy_state", "weights_resource"]

FloatArray = npt.NDArray[np.float32]

LSTM_LAYERS = 3
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_FILE_NAME = "ge2e_encoder.npz"


class SpeakerModelMissingError(CosycloneError):
    """The packaged speaker-embedding weights are missing or damaged."""

    hint = "reinstall cosyclone (the weights ship inside it: cosyclone/data/ge2e/ge2e_encoder.npz)"


def weights_resource() -> Path:
    """Where the packaged ``ge2e_encoder.npz`` is (inside the installed package)."""
    return Path(str(importlib.resources.files("cosyclone") / "data" / "ge2e" / _FILE_NAME))


def load_state() -> dict[str, FloatArray]:
    """The packaged weights, by PyTorch parameter name, as float32 arrays."""
    path = weights_resource()
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {name: np.asarray(archive[name], dtype=np.float32) for name in archive.files}
    except FileNotFoundError:
        raise SpeakerModelMissingError(f"the speaker-embedding weights are missing: {path}") from None
    except (OSError, ValueError) as error:
        raise SpeakerModelMissingError(f"the speaker-embedding weights at {path} cannot be read: {error}") from None


# ---------------------------------------------------------------------------------------------------- conversion


@dataclass(frozen=True)
class _TensorRef:
    storage_key: str
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


class _FloatStorage:
    """Stands for ``torch.FloatStorage`` in the pickle: only its name is needed."""


def _rebuild_tensor(storage: str, offset: int, size: tuple[int, ...], stride: tuple[int, ...], *_: Any) -> _TensorRef:
    return _TensorRef(storage, offset, tuple(size), tuple(stride))


class _RestrictedUnpickler(pickle.Unpickler):
    """Knows only the globals of a legacy PyTorch state dict of float tensors; refuses anything else."""

    _ALLOWED: dict[tuple[str, str], Any] = {  # noqa: RUF012
        ("collections", "OrderedDict"): OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch", "FloatStorage"): _FloatStorage,
    }

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from the weights file") from None

    def persistent_load(self, pid: Any) -> Any:
        # ('storage', storage_type, key, location, numel, view_metadata)
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage" and pid[1] is _FloatStorage):
            raise pickle.UnpicklingError(f"unexpected persistent id in the weights file: {pid!r:.80}")
        return str(pid[2])


def read_legacy_state(stream: IO[bytes]) -> dict[str, FloatArray]:
    """Read a legacy (pre-zip) ``torch.save`` file of float tensors into numpy arrays, without torch."""
    # Every pickle in the file, headers included, goes through the restricted unpickler.
    if _RestrictedUnpickler(stream).load() != _LEGACY_MAGIC:
        raise SpeakerModelMissingError("the speaker-embedding weights file is not in the expected format")
    _RestrictedUnpickler(stream).load()  # protocol version
    _RestrictedUnpickler(stream).load()  # system info (endianness, type sizes)
    checkpoint = _RestrictedUnpickler(stream).load()
    keys = _RestrictedUnpickler(stream).load()  # storage keys, in the order their bytes follow
    storages: dict[str, FloatArray] = {}
    for key in keys:
        (count,) = struct.unpack("<q", stream.read(8))
        storages[str(key)] = np.frombuffer(stream.read(4 * count), dtype="<f4")
    state: dict[str, FloatArray] = {}
    for name, ref in checkpoint["model_state"].items():
        base = storages[ref.storage_key]
        view = np.lib.stride_tricks.as_strided(
            base[ref.offset :], shape=ref.size, strides=tuple(4 * s for s in ref.stride), writeable=False
        )
        state[name] = np.ascontiguousarray(view, dtype=np.float32)
    return state


def convert(source: Path, target: Path, *, dtype: str = "float16") -> dict[str, tuple[int, ...]]:
    """Write ``source`` (``pretrained.pt``) as an ``.npz`` of ``dtype`` arrays at ``target`` (``.part`` + rename;
    an existing target is not replaced). Returns the parameter shapes."""
    if target.exists():
        raise FileExistsError(f"{target} exists; remove it first")
    with source.open("rb") as stream:
        state = read_legacy_state(stream)
    buffer = io.BytesIO()
    arrays: dict[str, Any] = {name: array.astype(dtype) for name, array in state.items()}
    np.savez_compressed(buffer, **arrays)
    part = target.with_name(target.name + ".part")
    part.write_bytes(buffer.getvalue())
    os.replace(part, target)
    return {name: array.shape for name, array in state.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Convert resemblyzer's pretrained.pt to cosyclone's .npz.")
    parser.add_argument("source", type=Path, help="pretrained.pt from the resemblyzer 0.1.4 wheel")
    parser.add_argument("target", type=Path, help="the .npz to write")
    parser.add_argument("--float32", action="store_true", help="keep float32 (default: float16)")
    args = parser.parse_args(argv)
    shapes = convert(args.source, args.target, dtype="float32" if args.float32 else "float16")
    for name, shape in shapes.items():
        print(f"{name}: {shape}")
    print(f"wrote {args.target} ({args.target.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
