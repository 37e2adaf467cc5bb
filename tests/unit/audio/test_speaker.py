"""The torch-free GE2E speaker encoder: its packaged weights load without torch, the converter reads a .pt
safely, and it tells speakers apart."""

from __future__ import annotations

import importlib.util
import io
import pickle
import sys
import time
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from cosyclone.audio import speaker, speaker_weights
from cosyclone.audio.io import decode
from tests.conftest import AUDIO_FIXTURES
from tests.unit.audio.signals import sine

FLITE_SPEAKERS = ("awb", "kal16", "rms", "slt")


@cache
def _embedding(name: str) -> npt.NDArray[np.float32]:
    audio = decode(AUDIO_FIXTURES / "good" / name)
    return speaker.embed_speaker(audio.samples, sample_rate_hz=audio.sample_rate)


def test_packaged_weights_load_without_torch_with_their_licence() -> None:
    weights = speaker.load_encoder()
    assert [w_ih.shape for w_ih, _, _ in weights.lstm] == [(1024, 40), (1024, 256), (1024, 256)]
    assert weights.linear_weight.shape == (256, 256)
    assert all(w.dtype == np.float32 for layer in weights.lstm for w in layer)  # widened from float16
    assert speaker.load_encoder() is weights  # cached
    assert "torch" not in sys.modules and "resemblyzer" not in sys.modules
    folder = speaker.encoder_weights_path().parent
    assert "Apache License" in (folder / "LICENSE").read_text()
    assert "Resemble.AI" in (folder / "NOTICE").read_text()


def test_the_weights_reader_refuses_any_other_global() -> None:
    payload = pickle.dumps({"model_state": print}, protocol=2)  # pickles builtins.print by reference
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load .*print"):
        speaker_weights._RestrictedUnpickler(io.BytesIO(payload)).load()


def test_conversion_from_the_resemblyzer_wheel_gives_the_packaged_weights(tmp_path: Path) -> None:
    spec = importlib.util.find_spec("resemblyzer")  # only where someone installed it (never needed)
    if spec is None or spec.origin is None:
        pytest.skip("resemblyzer's pretrained.pt is not installed here; the packaged .npz is what runs")
    target = tmp_path / "ge2e.npz"
    shapes = speaker_weights.main([str(Path(spec.origin).parent / "pretrained.pt"), str(target)])
    assert shapes == 0 and not (tmp_path / "ge2e.npz.part").exists()
    with np.load(target) as fresh, np.load(speaker.encoder_weights_path()) as packaged:
        assert sorted(fresh.files) == sorted(packaged.files)
        for name in fresh.files:
            assert np.array_equal(fresh[name], packaged[name]), name
    with pytest.raises(FileExistsError):
        speaker_weights.main([str(Path(spec.origin).parent / "pretrained.pt"), str(target)])


def test_mel_filterbank_matches_librosa_layout() -> None:
    bank = speaker.mel_filterbank()
    assert bank.shape == (40, 201)
    assert (bank >= 0).all() and (bank.max(axis=1) > 0).all()
    # reference values from librosa 0.11 ``filters.mel(sr=16000, n_fft=400, n_mels=40)`` (Slaney scale and norm)
    for band, peak_bin, peak in ((0, 2, 0.0124045210), (20, 44, 0.0071919174), (39, 185, 0.0017249404)):
        assert int(bank[band].argmax()) == peak_bin
        assert float(bank[band].max()) == pytest.approx(peak, rel=1e-5)
    assert speaker.mel_power_spectrogram(np.zeros(16000, dtype=np.float32)).shape == (101, 40)


def test_embedding_is_unit_length_and_rate_independent() -> None:
    audio = decode(AUDIO_FIXTURES / "good" / "flite-awb.wav")
    at_source = speaker.embed_speaker(audio.samples, sample_rate_hz=audio.sample_rate)
    assert at_source.shape == (speaker.EMBEDDING_SIZE,) and at_source.dtype == np.float32
    assert float(np.linalg.norm(at_source)) == pytest.approx(1.0, abs=1e-5)
    from cosyclone.audio.io import resample

    at_44k = resample(audio.samples, from_hz=audio.sample_rate, to_hz=44100)
    assert speaker.similarity(at_source, speaker.embed_speaker(at_44k, sample_rate_hz=44100)) > 0.98


@pytest.mark.parametrize("name", FLITE_SPEAKERS)
def test_same_speaker_scores_above_every_other_speaker(name: str) -> None:
    same = speaker.similarity(_embedding(f"flite-{name}.wav"), _embedding(f"flite-{name}-other-text.wav"))
    others = [
        speaker.similarity(_embedding(f"flite-{name}.wav"), _embedding(f"flite-{other}-other-text.wav"))
        for other in FLITE_SPEAKERS
        if other != name
    ]
    assert same > 0.9
    assert max(others) < 0.8
    assert same > max(others) + 0.15


def test_a_real_reader_is_recognised_across_texts() -> None:
    same = speaker.similarity(_embedding("librivox-reader-15s.wav"), _embedding("librivox-reader-other-text.wav"))
    other = speaker.similarity(_embedding("librivox-reader-15s.wav"), _embedding("flite-slt-other-text.wav"))
    assert same > 0.85 > other


def test_no_speech_is_a_clear_error() -> None:
    with pytest.raises(speaker.SpeakerEmbeddingError, match="no speech"):
        speaker.embed_speaker(np.zeros(16000 * 3, dtype=np.float32), sample_rate_hz=16000)
    with pytest.raises(ValueError, match="sample_rate_hz"):
        speaker.embed_speaker(sine(200.0, seconds=1.0, rate=16000), sample_rate_hz=0)


def test_similarity_checks_its_inputs() -> None:
    assert speaker.similarity(np.ones(4), np.ones(4)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="size"):
        speaker.similarity(np.ones(4), np.ones(5))


def test_embedding_twelve_seconds_costs_little_cpu() -> None:
    audio = decode(AUDIO_FIXTURES / "good" / "flite-rms.wav")
    speaker.embed_speaker(audio.samples[:16000], sample_rate_hz=audio.sample_rate)  # warm-up
    started = time.process_time()
    speaker.embed_speaker(audio.samples, sample_rate_hz=audio.sample_rate)
    assert time.process_time() - started < 1.5  # ~0.3 s measured on a loaded 2-core box
