"""The preflight rules: every manifest fixture gets its verdict and reason; synthetic cases for the rest."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from cosyclone.audio.io import AudioInfo, DecodedAudio, decode, encode, resample
from cosyclone.audio.preflight import RULES, PreflightReport, check_decoded, check_sample
from tests.unit.audio.manifest import EXPECTED_CODES, MANIFEST, UNUSABLE, fixture_path

#: The stable codes other parts of the project rely on (the emulator maps them to service errors).
CONTRACT_FAIL = {
    "empty_file", "not_audio", "decode_failed", "unsupported_format", "wav_not_pcm16", "file_too_large", "too_long",
    "sample_rate_too_low", "no_speech", "speech_too_short", "pause_too_long", "first_channel_silent", "heavy_clipping",
}  # fmt: skip
CONTRACT_WARN = {"duration_not_recommended", "background_noise", "too_quiet", "too_loud", "some_clipping"}


def test_contract_codes_exist_with_their_levels() -> None:
    for code in CONTRACT_FAIL:
        assert RULES[code].level == "fail", code
    for code in CONTRACT_WARN:
        assert RULES[code].level == "warn", code


def test_every_manifest_reason_has_a_code() -> None:
    assert {name for name, entry in MANIFEST.items() if entry.get("reasons")} == set(EXPECTED_CODES)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_manifest_fixture(name: str) -> None:
    expected = MANIFEST[name]
    report = check_sample(fixture_path(name))
    assert report.verdict == expected["verdict"], report.findings
    raised = {f.code for f in report.findings if f.level != "info"}
    assert EXPECTED_CODES.get(name, set()) <= raised
    if expected["verdict"] == "pass":
        assert not raised
    assert report.unusable == (name in UNUSABLE)
    for finding in report.findings:
        assert finding.code in RULES
        assert finding.level == RULES[finding.code].level
        assert finding.message.endswith(".") and not finding.message[0].islower()
    if expected.get("fixable"):  # the manifest's fixable cases must say so (others may be fixable too)
        for code in EXPECTED_CODES[name]:
            assert any(f.code == code and f.fixable for f in report.findings), code
    json.dumps(report.to_dict())  # JSON-ready


def test_report_dict_shape() -> None:
    report = check_sample(fixture_path("bad/pause-3s.wav"), name="pause.wav")
    data = report.to_dict()
    assert data["verdict"] == "fail" and data["source"] == "pause.wav"
    assert set(data) >= {"verdict", "findings", "info", "metrics", "analysis"}
    finding = next(f for f in data["findings"] if f["code"] == "pause_too_long")
    assert finding["limit"] == 2.0 and finding["unit"] == "s" and finding["measured"] == pytest.approx(3.5, abs=0.3)
    assert data["analysis"]["long_pauses_s"] and data["info"]["container"] == "wav"
    assert data["metrics"]["longest_pause_s"] == pytest.approx(3.5, abs=0.3)


def test_bytes_and_unreadable_sources_never_raise(tmp_path: Path) -> None:
    report = check_sample(fixture_path("good/flite-awb.wav").read_bytes(), name="upload")
    assert (report.source, report.verdict) == ("upload", "pass")
    missing = check_sample(tmp_path / "missing.wav")
    assert (missing.verdict, missing.codes, missing.info, missing.unusable) == ("fail", ["file_not_found"], None, True)
    unreachable = check_sample("http://127.0.0.1:9/sample.wav", timeout_s=2)
    assert unreachable.codes == ["fetch_failed"]


def _speech(rate: int = 16000) -> np.ndarray:
    decoded = decode(fixture_path("good/flite-awb.wav"))
    return resample(decoded.samples[:, 0], from_hz=decoded.sample_rate, to_hz=rate)


def _codes(samples: np.ndarray, rate: int, *, subtype: str = "PCM_16") -> tuple[str, set[str]]:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="WAV", subtype=subtype)
    report = check_sample(buffer.getvalue())
    return report.verdict, set(report.codes)


def test_eleven_megabytes_is_too_large_but_not_too_long() -> None:
    speech = _speech(48000)
    minute = np.tile(speech, 6)[: 60 * 48000]
    data = encode(np.stack([minute, minute], axis=1), 48000, "wav")
    assert len(data) > 10 * 1024 * 1024
    report = check_sample(data)
    assert "file_too_large" in report.codes and "too_long" not in report.codes
    assert report.verdict == "fail"


def test_24_bit_wav_is_not_pcm16() -> None:
    verdict, codes = _codes(_speech(), 16000, subtype="PCM_24")
    assert verdict == "fail" and "wav_not_pcm16" in codes


def test_quiet_and_loud() -> None:
    speech = _speech()
    verdict, codes = _codes(speech * 0.03, 16000)
    assert (verdict, codes & {"too_quiet", "no_speech"}) == ("warn", {"too_quiet"})
    loud = 0.99 * np.tanh(8 * speech / np.max(np.abs(speech)))  # squashed hard, but no flat tops
    verdict, codes = _codes(loud, 16000)
    assert "too_loud" in codes and "heavy_clipping" not in codes


def test_some_clipping_warns() -> None:
    speech = _speech()
    x = 0.9 * speech / np.max(np.abs(speech))
    for start in range(16000, 16000 * 11, 16000 // 3):  # 30 flat tops of 10 samples: 0.16 %
        x[start : start + 10] = 1.0
    verdict, codes = _codes(x, 16000)
    assert (verdict, codes & {"some_clipping", "heavy_clipping"}) == ("warn", {"some_clipping"})


def test_leading_silence_is_information_only() -> None:
    speech = _speech()
    padded = np.concatenate([np.zeros(2 * 16000, dtype=np.float32), speech])
    verdict, codes = _codes(padded, 16000)
    assert verdict == "pass" and "leading_silence" in codes


def test_check_decoded_for_callers_that_already_decoded() -> None:
    speech = _speech()
    info = AudioInfo("wav", "pcm_s16le", 16000, 1, 16, "s16", speech.shape[0] / 16000, speech.shape[0] * 2)
    report = check_decoded(DecodedAudio(speech[:, None], 16000, info), source="memory")
    assert isinstance(report, PreflightReport)
    assert (report.source, report.verdict) == ("memory", "pass")
    assert report.analysis is not None and report.analysis.speech_regions_s
    assert report.metrics["longest_speech_s"] > 5
