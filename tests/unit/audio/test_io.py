"""Decode/encode/resample: round trips at every rate, sniffing by bytes, errors, and URL fetches."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import soundfile as sf

from cosyclone._exceptions import CosycloneError
from cosyclone.audio.io import AudioDecodeError, decode, encode, fetch_url, resample, sniff_container
from tests.unit.audio.manifest import fixture_path
from tests.unit.audio.signals import dominant_hz, sine

RATES = [8000, 16000, 22050, 24000, 44100, 48000]


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


# ---------------------------------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize(
    ("fmt", "container", "codec"), [("wav", "wav", "pcm_s16le"), ("mp3", "mp3", "mp3"), ("opus", "ogg", "opus")]
)
def test_encode_decode_round_trip(fmt: str, container: str, codec: str, rate: int) -> None:
    x = sine(440.0, seconds=1.0, rate=rate, amplitude=0.5)
    decoded = decode(encode(x, rate, fmt))  # type: ignore[arg-type]
    info = decoded.info
    assert (info.container, info.codec, info.channels) == (container, codec, 1)
    # Opus always decodes at 48 kHz (FFmpeg's decoder); the others keep their rate.
    expected_rate = 48000 if fmt == "opus" else rate
    assert info.sample_rate == decoded.sample_rate == expected_rate
    assert decoded.samples.dtype == np.float32 and decoded.samples.shape[1] == 1
    assert info.duration_s == pytest.approx(1.0, abs=0.03)
    y = decoded.samples[:, 0]
    assert dominant_hz(y, expected_rate) == pytest.approx(440.0, abs=3.0)
    assert _rms(y) == pytest.approx(_rms(x), rel=0.08)
    assert info.bit_depth == (16 if fmt == "wav" else None)


@pytest.mark.parametrize("rate", RATES)
def test_pcm_is_raw_16_bit_little_endian(rate: int) -> None:
    x = sine(440.0, seconds=0.25, rate=rate)
    data = encode(x, rate, "pcm")
    assert len(data) == x.shape[0] * 2
    back = np.frombuffer(data, dtype="<i2").astype(np.float32) / 32767
    assert np.max(np.abs(back - x)) < 1e-4


@pytest.mark.parametrize("fmt", ["wav", "mp3", "opus", "pcm"])
def test_stereo_keeps_both_channels(fmt: str) -> None:
    left = sine(300.0, seconds=1.0, rate=24000, amplitude=0.5)
    stereo = np.stack([left, 0.25 * left], axis=1)
    data = encode(stereo, 24000, fmt)  # type: ignore[arg-type]
    if fmt == "pcm":
        back = np.frombuffer(data, dtype="<i2").reshape(-1, 2)
        assert back.shape == stereo.shape
        return
    decoded = decode(data)
    assert decoded.info.channels == 2
    ratio = _rms(decoded.samples[:, 1]) / _rms(decoded.samples[:, 0])
    assert ratio == pytest.approx(0.25, rel=0.1)


def test_encode_clips_and_validates() -> None:
    loud = np.array([2.0, -2.0, 0.5], dtype=np.float32)
    back = np.frombuffer(encode(loud, 16000, "pcm"), dtype="<i2")
    assert list(back) == [32767, -32767, 16384]
    with pytest.raises(ValueError):
        encode(np.zeros((2, 2, 2), dtype=np.float32), 16000, "wav")
    with pytest.raises(ValueError):
        encode(loud, 16000, "flac")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        encode(loud, 0, "wav")


@pytest.mark.parametrize(("from_hz", "to_hz"), [(44100, 16000), (16000, 48000), (22050, 24000), (8000, 16000)])
def test_resample_keeps_time_and_pitch(from_hz: int, to_hz: int) -> None:
    x = sine(1000.0, seconds=0.5, rate=from_hz)
    y = resample(x, from_hz=from_hz, to_hz=to_hz)
    assert y.dtype == np.float32
    assert y.shape[0] == round(x.shape[0] * to_hz / from_hz)
    assert dominant_hz(y, to_hz) == pytest.approx(1000.0, abs=4.0)
    reference = sine(1000.0, seconds=0.5, rate=to_hz)[: y.shape[0]]
    assert np.max(np.abs(y[200:-200] - reference[200:-200])) < 0.01  # aligned, not delayed


def test_resample_two_dimensional_and_identity() -> None:
    x = np.stack([sine(500.0, seconds=0.2, rate=16000)] * 2, axis=1)
    y = resample(x, from_hz=16000, to_hz=8000)
    assert y.shape == (1600, 2)
    same = resample(x, from_hz=16000, to_hz=16000)
    assert np.array_equal(same, x) and same is not x


# ---------------------------------------------------------------------------------------------------- sniffing


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", "wav"),
        (b"RF64\xff\xff\xff\xffWAVEds64", "wav"),
        (b"fLaC\x00\x00\x00\x22", "flac"),
        (b"OggS\x00\x02\x00\x00", "ogg"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x23", "mp3"),
        (b"\xff\xfb\x90\x64\x00", "mp3"),
        (b"\xff\xf1\x50\x80\x00", "aac"),
        (b"\x00\x00\x00\x1cftypM4A \x00\x00", "mp4"),
        (b"FORM\x00\x00\x00\x00AIFFCOMM", "aiff"),
        (b"\x1a\x45\xdf\xa3\x01\x00", "matroska"),
        (b"this is not audio", None),
        (b"", None),
    ],
)
def test_sniff_container_by_magic(head: bytes, expected: str | None) -> None:
    assert sniff_container(head) == expected


@pytest.mark.parametrize(
    ("fixture", "disguise", "container", "codec"),
    [
        ("bad/opus-named-as.mp3", "voice.mp3", "ogg", "opus"),
        ("good/librivox-reader-15s.m4a", "voice.wav", "mp4", "aac"),
        ("good/librivox-reader-15s.mp3", "voice.m4a", "mp3", "mp3"),
        ("good/librivox-reader-15s.wav", "voice.mp3", "wav", "pcm_s16le"),
    ],
)
def test_format_comes_from_the_bytes_not_the_name(
    tmp_path: Path, fixture: str, disguise: str, container: str, codec: str
) -> None:
    path = tmp_path / disguise
    path.write_bytes(fixture_path(fixture).read_bytes())
    info = decode(path).info
    assert (info.container, info.codec) == (container, codec)


@pytest.mark.parametrize(
    ("subtype", "fmt", "container", "codec", "bits"),
    [
        ("PCM_24", "WAV", "wav", "pcm_s24le", 24),
        ("FLOAT", "WAV", "wav", "pcm_f32le", 32),
        ("PCM_U8", "WAV", "wav", "pcm_u8", 8),
        ("PCM_16", "FLAC", "flac", "flac", 16),
    ],
)
def test_reports_codec_and_bit_depth(subtype: str, fmt: str, container: str, codec: str, bits: int) -> None:
    buffer = io.BytesIO()
    sf.write(buffer, sine(440.0, seconds=0.5, rate=16000), 16000, format=fmt, subtype=subtype)
    info = decode(buffer.getvalue()).info
    assert (info.container, info.codec, info.bit_depth, info.sample_rate) == (container, codec, bits, 16000)
    assert info.duration_s == pytest.approx(0.5)
    assert info.size_bytes == len(buffer.getvalue())


def test_bytes_and_path_decode_alike() -> None:
    path = fixture_path("good/flite-awb.wav")
    from_path, from_bytes = decode(path), decode(path.read_bytes())
    assert from_path.info == from_bytes.info
    assert np.array_equal(from_path.samples, from_bytes.samples)


# ---------------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("source", "reason"),
    [(b"", "empty_file"), (b"just some text, not audio at all", "not_audio"), (b"\x00" * 4096, "not_audio")],
)
def test_decode_errors_have_reasons(source: bytes, reason: str) -> None:
    with pytest.raises(AudioDecodeError) as caught:
        decode(source)
    assert caught.value.reason == reason
    assert isinstance(caught.value, CosycloneError)


def test_missing_path_and_size_cap(tmp_path: Path) -> None:
    with pytest.raises(AudioDecodeError) as caught:
        decode(tmp_path / "nope.wav")
    assert caught.value.reason == "file_not_found"
    with pytest.raises(AudioDecodeError) as caught:
        decode(fixture_path("good/flite-awb.wav"), max_bytes=1000)
    assert caught.value.reason == "file_too_large"
    assert caught.value.size_bytes is not None and caught.value.size_bytes > 1000


def test_truncated_file_decodes_partly_and_says_so() -> None:
    info = decode(fixture_path("bad/truncated.mp3")).info
    assert info.declared_duration_s is not None
    assert info.duration_s < 1.0 < 10.0 < info.declared_duration_s


# ---------------------------------------------------------------------------------------------------- URLs


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, bytes]] = {}

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        if self.path == "/slow.wav":
            time.sleep(1.5)
        if self.path == "/endless":  # no Content-Length: the client must stop at the cap by itself
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                for _ in range(64):
                    self.wfile.write(b"\x00" * 65536)
            return
        body = self.routes.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up on purpose
            self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    wav = fixture_path("good/flite-awb.wav").read_bytes()
    _Handler.routes = {"/voice.wav": wav, "/voice.mp3": wav, "/slow.wav": wav}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_decode_from_url(server: str) -> None:
    decoded = decode(f"{server}/voice.mp3")  # named .mp3, really WAV
    assert decoded.info.container == "wav"
    assert decoded.info == decode(fixture_path("good/flite-awb.wav")).info


def test_url_size_cap_from_content_length(server: str) -> None:
    with pytest.raises(AudioDecodeError) as caught:
        fetch_url(f"{server}/voice.wav", max_bytes=10_000)
    assert caught.value.reason == "file_too_large"


def test_url_size_cap_while_streaming(server: str) -> None:
    with pytest.raises(AudioDecodeError) as caught:
        fetch_url(f"{server}/endless", max_bytes=200_000)
    assert caught.value.reason == "file_too_large"


def test_url_http_error_and_timeout(server: str) -> None:
    with pytest.raises(AudioDecodeError) as caught:
        decode(f"{server}/missing.wav")
    assert caught.value.reason == "fetch_failed" and "404" in caught.value.message
    with pytest.raises(AudioDecodeError) as caught:
        fetch_url(f"{server}/slow.wav", timeout_s=0.3)
    assert caught.value.reason == "fetch_failed"


def test_url_refused_connection() -> None:
    with pytest.raises(AudioDecodeError) as caught:
        fetch_url("http://127.0.0.1:9/voice.wav", timeout_s=2)
    assert caught.value.reason == "fetch_failed"
