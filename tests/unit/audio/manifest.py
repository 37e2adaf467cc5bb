"""The fixture manifest and, per fixture, the finding code that names the manifest's reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import AUDIO_FIXTURES

#: The manifest's reasons are descriptive; these are the stable codes that must fire for them.
EXPECTED_CODES: dict[str, set[str]] = {
    "good/librivox-reader-other-text.wav": {"duration_not_recommended"},
    "good/flite-awb-other-text.wav": {"duration_not_recommended"},
    "good/flite-slt-other-text.wav": {"duration_not_recommended"},
    "good/flite-kal16-other-text.wav": {"duration_not_recommended"},
    "warn/noisy-speech.wav": {"background_noise"},
    "bad/silence-12s.wav": {"no_speech"},
    "bad/white-noise-12s.wav": {"no_speech"},
    "bad/short-3s.wav": {"speech_too_short"},
    "bad/rate-8k.wav": {"sample_rate_too_low"},
    "bad/clipped.wav": {"heavy_clipping"},
    "bad/pause-3s.wav": {"pause_too_long"},
    "bad/float32.wav": {"wav_not_pcm16"},
    "bad/stereo-speech-only-right.wav": {"first_channel_silent"},
    "bad/opus-named-as.mp3": {"unsupported_format"},
    "bad/truncated.mp3": {"decode_failed"},
    "bad/not-audio.wav": {"not_audio"},
    "bad/empty.wav": {"empty_file"},
    "bad/too-long-65s.wav": {"too_long"},
}
#: Unusable input: the CLI exits 2 for these.
UNUSABLE = {"bad/not-audio.wav", "bad/empty.wav"}


def load_manifest() -> dict[str, dict[str, Any]]:
    raw: dict[str, Any] = json.loads((AUDIO_FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    return {name: entry for name, entry in raw.items() if not name.startswith("_")}


MANIFEST = load_manifest()
FIXABLE = sorted(name for name, entry in MANIFEST.items() if entry.get("fixable"))


def fixture_path(name: str) -> Path:
    return AUDIO_FIXTURES / name
