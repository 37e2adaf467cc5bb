"""Settings of one emulator instance: what the CLI flags and ``EmulatorServer(**config)`` set.

Imported by the backend, the server runner and the CLI. Plain data, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

#: The service's voice cap per account (contract §3.7).
DEFAULT_VOICE_QUOTA = 1000
#: The documented 10 MB sample limit plus slack: the fetcher stops reading beyond this; the preflight judges
#: the exact limit.
MAX_SAMPLE_FETCH_BYTES = 11 * 1024 * 1024
SAMPLE_FETCH_TIMEOUT_S = 10.0
#: ``oss://`` URLs live 48 h, upload policies 300 s (contract §7).
UPLOAD_TTL_S = 48 * 3600.0
POLICY_TTL_S = 300
UPLOAD_MAX_FILE_SIZE_MB = 100
UPLOAD_CAPACITY_LIMIT_MB = 999_999_999
#: Synthesized audio is downloadable for 24 h (contract §6).
RESULT_TTL_S = 24 * 3600.0
#: The largest ``page_size`` accepted by ``list_voice`` (undocumented; third parties use up to 1000).
MAX_PAGE_SIZE = 1000


@dataclass
class EmulatorConfig:
    """Everything configurable at start-up. The *runtime* knobs (``ready_delay_s``, ``voice_quota``,
    ``idle_timeout_s``, ``sentence_latency_s``) can also be changed later through the control plane; a reset
    puts them back to the values given here."""

    #: Where state (voices, uploads) is kept across restarts; None keeps everything in memory.
    data_dir: Path | None = None
    #: API keys accepted; None accepts any key that starts with ``sk-``.
    keys: frozenset[str] | None = None
    #: Seconds a new or updated voice stays DEPLOYING before it becomes OK (or UNDEPLOYED).
    ready_delay_s: float = 0.0
    #: Allow sample URLs that resolve to private (10/8, 172.16/12, 192.168/16) or link-local addresses.
    allow_private_urls: bool = False
    voice_quota: int = DEFAULT_VOICE_QUOTA
    idle_timeout_s: float = 23.0
    sentence_latency_s: float = 0.0
    sample_fetch_timeout_s: float = SAMPLE_FETCH_TIMEOUT_S
    max_sample_fetch_bytes: int = MAX_SAMPLE_FETCH_BYTES
    upload_ttl_s: float = UPLOAD_TTL_S
    policy_ttl_s: int = POLICY_TTL_S
    result_ttl_s: float = RESULT_TTL_S
    max_page_size: int = MAX_PAGE_SIZE
    #: ``speech`` or ``formant``; None: ``$COSYCLONE_VOICE_ENGINE``, else speech when installed
    #: (see :mod:`cosyclone.emulator.voice.engine_choice`).
    voice_engine: str | None = None

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> EmulatorConfig:
        """Build from keyword arguments, refusing unknown names (a typo in a test must not pass silently)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(f"unknown emulator setting(s): {', '.join(unknown)}")
        if kwargs.get("data_dir") is not None:
            kwargs["data_dir"] = Path(kwargs["data_dir"])
        if kwargs.get("keys") is not None and not isinstance(kwargs["keys"], frozenset):
            kwargs["keys"] = frozenset(kwargs["keys"])
        return cls(**kwargs)
