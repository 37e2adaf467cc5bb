"""Speaker embedding on the CPU without torch: resemblyzer's GE2E voice encoder, run in numpy.

The weights are resemblyzer 0.1.4's ``pretrained.pt`` (Apache-2.0; a 3-layer LSTM, 40 mel bands in, 256-d
embedding out, trained with the GE2E loss), shipped inside cosyclone as a float16 ``.npz`` with its licence and
NOTICE (:mod:`cosyclone.audio.speaker_weights` made it and loads it): no resemblyzer, no torch. The forward pass
reproduces ``resemblyzer.VoiceEncoder.embed_utterance``:

1. preprocessing (``preprocess_wav``): resample to 16 kHz, raise the level to -30 dBFS (never lower it), and
   trim long silences with webrtcvad (mode 3, 30 ms windows, moving average of 8, dilation of 6 windows);
2. a mel power spectrogram (not log): periodic Hann 400, hop 160, centred with zero padding, 40 Slaney mel
   bands from 0 to 8 kHz with Slaney area normalisation (what ``librosa.filters.mel`` gives by default);
3. partial windows of 160 frames (1.6 s) at 1.3 per second, the last kept if 75 % covered; each goes through
   the LSTM, ReLU(linear(last hidden state)) and L2 normalisation; the utterance embedding is the L2-normalised
   mean of the partial embeddings.

The weights are loaded once per process (``load_encoder`` is cached, 0.06 s). Embedding 12 s of speech takes
about 0.25 s of CPU on one core; BLAS is held to one thread for the LSTM (threadpoolctl), since its threads
only spin-wait on 480 small products and cost 2-10x the CPU on a shared machine.

Who may import it: anything in the package (the quality scoring, the emulator's voice binding). It imports
nothing of ours but ``cosyclone._exceptions``, ``cosyclone.audio.io`` (for resampling) and
``cosyclone.audio.speaker_weights``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cosyclone._exceptions import CosycloneError
from cosyclone.audio.speaker_weights import SpeakerModelMissingError

__all__ = [
    "EMBEDDING_SIZE",
    "ENCODER_SAMPLE_RATE_HZ",
    "EncoderWeights",
    "SpeakerEmbeddingError",
    "SpeakerModelMissingError",
    "embed_partials",
    "embed_speaker",
    "encoder_weights_path",
    "load_encoder",
    "mel_filterbank",
    "mel_power_spectrogram",
    "preprocess",
    "similarity",
]

FloatArray = npt.NDArray[np.float32]

EMBEDDING_SIZE = 256
ENCODER_SAMPLE_RATE_HZ = 16_000
_N_FFT = 400  # 25 ms
_HOP = 160  # 10 ms
_N_MELS = 40
_PARTIAL_FRAMES = 160  # 1.6 s
_PARTIALS_PER_S = 1.3
_MIN_COVERAGE = 0.75
_TARGET_DBFS = -30.0
_VAD_WINDOW = 480  # 30 ms at 16 kHz
_VAD_AVERAGE_WIDTH = 8
_VAD_MAX_SILENCE = 6
_INT16_MAX = 32767


class SpeakerEmbeddingError(CosycloneError):
    """The audio holds no speech to embed."""

    hint = "give at least a second of speech (the encoder looks at 1.6 s windows)"


# ---------------------------------------------------------------------------------------------------- weights


@dataclass(frozen=True)
class EncoderWeights:
    """The encoder's parameters as float32 arrays (PyTorch LSTM layout: gate rows i, f, g, o)."""

    #: per layer: (weight_ih (1024, in), weight_hh (1024, 256), bias_ih + bias_hh (1024,))
    lstm: tuple[tuple[FloatArray, FloatArray, FloatArray], ...]
    linear_weight: FloatArray  # (256, 256)
    linear_bias: FloatArray  # (256,)


def encoder_weights_path() -> Path:
    """Where the packaged weights are (``cosyclone/data/ge2e/ge2e_encoder.npz``; see :mod:`.speaker_weights`)."""
    from cosyclone.audio.speaker_weights import weights_resource

    return weights_resource()


@functools.cache
def load_encoder() -> EncoderWeights:
    """Load (once per process) the GE2E encoder's weights packaged with cosyclone (float16 → float32)."""
    from cosyclone.audio.speaker_weights import LSTM_LAYERS, load_state

    state = load_state()
    layers = tuple(
        (
            state[f"lstm.weight_ih_l{n}"],
            state[f"lstm.weight_hh_l{n}"],
            state[f"lstm.bias_ih_l{n}"] + state[f"lstm.bias_hh_l{n}"],
        )
        for n in range(LSTM_LAYERS)
    )
    return EncoderWeights(lstm=layers, linear_weight=state["linear.weight"], linear_bias=state["linear.bias"])


# ---------------------------------------------------------------------------------------------------- features


def _hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slaney's mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above."""
    linear = hz / (200.0 / 3.0)
    log = 15.0 + np.log(np.maximum(hz, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
    return np.where(hz >= 1000.0, log, linear)


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    linear = mel * (200.0 / 3.0)
    log = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel - 15.0))
    return np.where(mel >= 15.0, log, linear)


@functools.cache
def mel_filterbank() -> FloatArray:
    """40 triangular Slaney mel filters over the 201 bins of a 400-point FFT at 16 kHz, area-normalised."""
    fft_hz = np.fft.rfftfreq(_N_FFT, d=1.0 / ENCODER_SAMPLE_RATE_HZ)
    edges_hz = _mel_to_hz(np.linspace(0.0, _hz_to_mel(np.array(ENCODER_SAMPLE_RATE_HZ / 2.0)), _N_MELS + 2))
    widths = np.diff(edges_hz)
    ramps = edges_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges_hz[2:] - edges_hz[:-2]))[:, None]
    return weights.astype(np.float32)


def mel_power_spectrogram(samples_16k: npt.NDArray[Any]) -> FloatArray:
    """Mel power spectrogram (frames, 40) of 16 kHz audio, as ``librosa.feature.melspectrogram`` defaults."""
    x = np.asarray(samples_16k, dtype=np.float32).reshape(-1)
    padded = np.pad(x, _N_FFT // 2)
    n_frames = 1 + (padded.shape[0] - _N_FFT) // _HOP
    frames = np.lib.stride_tricks.as_strided(
        padded, shape=(n_frames, _N_FFT), strides=(padded.strides[0] * _HOP, padded.strides[0]), writeable=False
    )
    window = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(_N_FFT) / _N_FFT)).astype(np.float32)
    spectrum = np.fft.rfft(frames * window, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    return np.asarray(power @ mel_filterbank().T, dtype=np.float32)


def _trim_long_silences(x: FloatArray) -> FloatArray:
    """Drop silences longer than ~0.2 s, as resemblyzer's ``trim_long_silences`` (webrtcvad, mode 3)."""
    import webrtcvad

    x = x[: x.shape[0] - x.shape[0] % _VAD_WINDOW]
    pcm = np.clip(np.round(x * _INT16_MAX), -32768, _INT16_MAX).astype("<i2").tobytes()
    vad = webrtcvad.Vad(3)
    step = 2 * _VAD_WINDOW
    flags = np.array(
        [vad.is_speech(pcm[i : i + step], ENCODER_SAMPLE_RATE_HZ) for i in range(0, len(pcm), step)], dtype=float
    )
    width = _VAD_AVERAGE_WIDTH
    padded = np.concatenate((np.zeros((width - 1) // 2), flags, np.zeros(width // 2)))
    sums = np.cumsum(padded, dtype=float)
    sums[width:] = sums[width:] - sums[:-width]
    mask = np.round(sums[width - 1 :] / width).astype(bool)
    dilated = np.convolve(mask.astype(float), np.ones(_VAD_MAX_SILENCE + 1), mode="same") > 0.5
    return np.ascontiguousarray(x[np.repeat(dilated, _VAD_WINDOW)])


def preprocess(samples: npt.NDArray[Any], *, sample_rate_hz: int) -> FloatArray:
    """Mono float audio at any rate → 16 kHz, raised to -30 dBFS (never lowered), long silences trimmed."""
    from cosyclone.audio.io import resample

    x = np.asarray(samples, dtype=np.float32)
    if x.ndim == 2:
        x = x.mean(axis=1, dtype=np.float32)
    x = resample(x.reshape(-1), from_hz=sample_rate_hz, to_hz=ENCODER_SAMPLE_RATE_HZ)
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
    if rms > 0.0:
        change_db = _TARGET_DBFS - 20.0 * np.log10(rms)
        if change_db > 0:
            x = (x * np.float32(10 ** (change_db / 20.0))).astype(np.float32)
    return _trim_long_silences(x)


# ---------------------------------------------------------------------------------------------------- network


def _partial_starts(n_samples: int) -> list[int]:
    """First mel frame of each 160-frame partial window (resemblyzer's ``compute_partial_slices``)."""
    n_frames = int(np.ceil((n_samples + 1) / _HOP))
    step = round((ENCODER_SAMPLE_RATE_HZ / _PARTIALS_PER_S) / _HOP)
    starts = list(range(0, max(1, n_frames - _PARTIAL_FRAMES + step + 1), step))
    coverage = (n_samples - starts[-1] * _HOP) / (_PARTIAL_FRAMES * _HOP)
    if coverage < _MIN_COVERAGE and len(starts) > 1:
        starts.pop()
    return starts


def _sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(0.5 * (1.0 + np.tanh(0.5 * x)), dtype=np.float32)


def _lstm_last_hidden(weights: EncoderWeights, mels: FloatArray) -> FloatArray:
    """Run the 3-layer LSTM over a batch (batch, frames, 40); the last layer's final hidden state."""
    sequence = mels
    hidden = np.zeros((mels.shape[0], 0), dtype=np.float32)
    for w_ih, w_hh, bias in weights.lstm:
        inputs = sequence @ w_ih.T + bias  # (batch, frames, 1024): the input half of every gate at once
        size = w_hh.shape[1]
        hidden = np.zeros((mels.shape[0], size), dtype=np.float32)
        cell = np.zeros_like(hidden)
        outputs = np.empty((mels.shape[0], mels.shape[1], size), dtype=np.float32)
        w_hh_t = np.ascontiguousarray(w_hh.T)
        for t in range(mels.shape[1]):
            gates = inputs[:, t] + hidden @ w_hh_t
            i, f, g, o = (gates[:, k * size : (k + 1) * size] for k in range(4))
            cell = _sigmoid(f) * cell + _sigmoid(i) * np.tanh(g)
            hidden = _sigmoid(o) * np.tanh(cell)
            outputs[:, t] = hidden
        sequence = outputs
    return hidden


def _normalise(v: npt.NDArray[Any], axis: int = -1) -> FloatArray:
    norm = np.linalg.norm(v, axis=axis, keepdims=True)
    if np.any(norm == 0):
        raise SpeakerEmbeddingError("the speaker encoder found nothing to describe in this audio")
    return np.asarray(v / norm, dtype=np.float32)


def embed_partials(samples: npt.NDArray[Any], *, sample_rate_hz: int) -> FloatArray:
    """One L2-normalised 256-d embedding per 1.6 s window of the preprocessed audio: shape (windows, 256)."""
    if sample_rate_hz <= 0:
        raise ValueError("sample_rate_hz must be positive")
    wav = preprocess(samples, sample_rate_hz=sample_rate_hz)
    if wav.shape[0] < _HOP:
        raise SpeakerEmbeddingError("no speech found to embed (the voice activity detector kept nothing)")
    starts = _partial_starts(wav.shape[0])
    needed = (starts[-1] + _PARTIAL_FRAMES) * _HOP
    if needed >= wav.shape[0]:
        wav = np.pad(wav, (0, needed - wav.shape[0]))
    mel = mel_power_spectrogram(wav)
    batch = np.stack([mel[s : s + _PARTIAL_FRAMES] for s in starts])
    weights = load_encoder()
    from threadpoolctl import threadpool_limits

    # 480 small matrix products in a row: BLAS threads only spin-wait on them (2-10x the CPU on a busy box).
    with threadpool_limits(limits=1, user_api="blas"):
        hidden = _lstm_last_hidden(weights, batch)
    raw = np.maximum(hidden @ weights.linear_weight.T + weights.linear_bias, 0.0)
    return _normalise(raw)


def embed_speaker(samples: npt.NDArray[Any], *, sample_rate_hz: int) -> FloatArray:
    """The speaker's 256-d embedding (L2-normalised, float32) from mono or (frames, channels) audio."""
    partials = embed_partials(samples, sample_rate_hz=sample_rate_hz)
    return _normalise(partials.mean(axis=0))


def similarity(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> float:
    """Cosine similarity of two speaker embeddings (1 = same direction; GE2E embeddings are ≥ 0)."""
    va = np.asarray(a, dtype=np.float64).reshape(-1)
    vb = np.asarray(b, dtype=np.float64).reshape(-1)
    if va.shape != vb.shape:
        raise ValueError(f"embeddings differ in size: {va.shape[0]} and {vb.shape[0]}")
    denominator = float(np.linalg.norm(va) * np.linalg.norm(vb))
    if denominator == 0.0:
        raise ValueError("an embedding is all zeros")
    return float(np.dot(va, vb) / denominator)
