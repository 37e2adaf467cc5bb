"""The names of the models every layer defaults to, as plain constants (no pydantic, no imports of ours).

:mod:`cosyclone.catalog`, the CLI's option defaults and the wire models (:mod:`cosyclone.schema.clone`,
:mod:`cosyclone.schema.enrollment`) all read them from here, so that they are declared once and importable
without loading pydantic (``cosyclone --help`` stays fast). Who may import it: anyone.
"""

from __future__ import annotations

#: The model a new voice is cloned for when the caller names none (contract §3.3).
DEFAULT_TARGET_MODEL = "cosyvoice-v3.5-plus"
#: The fixed model of the voice-enrollment service (contract §3).
ENROLLMENT_MODEL = "voice-enrollment"

__all__ = ["DEFAULT_TARGET_MODEL", "ENROLLMENT_MODEL"]
