"""Wire models of the DashScope CosyVoice APIs (pydantic), and nothing else: no I/O, no imports of ours.

Both the client and the emulator build and parse every message through these models, which is what keeps
them from drifting apart. Requests forbid unknown fields (a typo is an error, not a silent no-op);
responses tolerate new ones (the service may add fields at any time).

Importing the package loads no pydantic: the plain constants (:mod:`~cosyclone.schema.error_codes`,
:mod:`~cosyclone.schema.model_names`, :mod:`~cosyclone.schema.endpoints`) are importable on their own, so that
``import cosyclone`` and ``cosyclone --help`` stay fast; the base models load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cosyclone.schema.base import RequestModel, ResponseModel

_LAZY = {"RequestModel": "cosyclone.schema.base", "ResponseModel": "cosyclone.schema.base"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'cosyclone.schema' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = ["RequestModel", "ResponseModel"]
