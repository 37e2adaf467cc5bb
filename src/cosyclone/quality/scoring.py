"""Score one voice: synthesize the probe sentences with it, then measure how the speech compares to the sample.

``score_voice`` (behind ``cosyclone score`` and the MCP tool ``score_voice``):

1. resolve the voice (voice_id or registry prefix) and its reference sample: ``sample`` if given, else the sample
   a previous score or ``compare`` recorded, else the local file the voice was cloned from (each if the file is
   still there with the same bytes), else the voice's ``sample_url`` when it is http(s); otherwise it asks for
   ``--sample`` (exit 2) before any synthesis;
2. one synthesis task: the probe set (:mod:`~cosyclone.quality.probes`) of the language given (``language``), else
   of the script of ``text`` (one's own probe text), else of the voice's language hint, else English; WAV 16 kHz;
3. locally: speaker embeddings of the sample and the speech (:mod:`cosyclone.audio.speaker`) → cosine
   similarity → band (:mod:`~cosyclone.quality.bands`); the word error rate of the offline recogniser when it is
   installed and knows the language — the character error rate for Chinese text — (else the score says why it
   was skipped); sanity (loudness, clipping, speaking rate, pitch) against the sample;
4. the score is stored with the voice in the registry (``voice_scores``).

**The emulator.** Against a local emulator the resemblance can only be judged when it speaks with its *speech*
engine (a voice bound to the sample). The engine is read from the emulator's control plane,
``GET /_emulator/settings`` → ``"voice_engine"`` (an emulator that does not report one has only the formant
engine, which renders vowels at the sample's pitch, no words): with ``formant`` — or with probes in a language
the speech engine does not read (``"speech_languages"`` in the settings, English when absent), which it hands to
the formant engine — everything is still measured, the verdict is ``not judged`` and the score says why. Only
loopback base URLs are asked; the real service never sees that request.

Who may import it: :mod:`cosyclone.quality` (compare, agent tools) and the CLI.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone.audio.io import AudioDecodeError, DecodedAudio, decode, is_url
from cosyclone.client import Client
from cosyclone.quality.bands import DEFAULT_BANDS, Band, SimilarityBands
from cosyclone.quality.probes import ProbeSet, check_probe_request, probe_set_for
from cosyclone.quality.sanity import Sanity, SpeechMeasures, compare_speech, measure_speech
from cosyclone.registry import VoiceRecord, VoiceRegistry
from cosyclone.registry.names import resolve_voice_name

__all__ = ["EngineInfo", "Intelligibility", "VoiceScore", "choose_language", "detect_engine", "score_voice"]

_PROBE_RATE_HZ = 16_000
#: How much a word error rate costs in the ranking score (a WER of 0.4 costs 0.1 of similarity).
WER_WEIGHT = 0.25


@dataclass(frozen=True)
class EngineInfo:
    """Who produced the speech: the service, or an emulator with a named engine; and whether it can be judged."""

    kind: str  # "service" | "emulator"
    engine: str | None = None  # the emulator's voice engine: "speech" | "formant"
    judgeable: bool = True
    note: str | None = None


def detect_engine(client: Client, *, language: str = "en") -> EngineInfo:
    """Ask a local emulator which voice engine it speaks with (only loopback URLs are asked)."""
    if not client.endpoints.is_local:
        return EngineInfo("service")
    import httpx

    root = client.endpoints.http_base_url.split("/api/")[0].rstrip("/")
    try:
        response = httpx.get(f"{root}/_emulator/settings", timeout=3.0)
        settings = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        settings = None
    if not isinstance(settings, dict):
        return EngineInfo("service", note="a local endpoint that is not a cosyclone emulator")
    engine = str(settings.get("voice_engine") or "formant")
    if engine != "speech":
        note = (
            f"the emulator speaks with its {engine} engine (vowels at the sample's pitch, no words): its voice "
            "cannot be judged for resemblance; measured anyway. Use the speech engine or the real service."
        )
        return EngineInfo("emulator", engine, False, note)
    # An emulator whose speech engine reads more than English says so in "speech_languages" (default: English).
    spoken = settings.get("speech_languages") or ["en"]
    if language not in spoken:
        note = (
            f"the emulator's speech engine does not read {language!r} (it reads {', '.join(map(str, spoken))}; "
            "other text falls back to the formant engine)"
        )
        return EngineInfo("emulator", engine, False, note)
    return EngineInfo("emulator", engine, True)


@dataclass(frozen=True)
class Intelligibility:
    """What the recogniser heard and the error rate: words for English, characters for Chinese."""

    word_error_rate: float | None = None
    character_error_rate: float | None = None
    skipped: str | None = None
    transcript: str | None = None
    recognizer: str | None = None

    @property
    def error_rate(self) -> float | None:
        """The word error rate, or for Chinese text the character error rate (None when not measured)."""
        return self.character_error_rate if self.character_error_rate is not None else self.word_error_rate

    def to_dict(self) -> dict[str, Any]:
        return {
            "word_error_rate": _rounded(self.word_error_rate),
            "character_error_rate": _rounded(self.character_error_rate),
            "skipped": self.skipped,
            "transcript": self.transcript,
            "recognizer": self.recognizer,
        }


@dataclass
class VoiceScore:
    """One voice's score. ``to_dict()`` is what ``--json`` prints and the registry stores."""

    voice_id: str
    target_model: str | None
    probes: ProbeSet
    engine: EngineInfo
    reference: dict[str, Any]
    similarity: float
    intelligibility: Intelligibility
    sanity: Sanity
    cost: dict[str, float]
    bands: SimilarityBands = DEFAULT_BANDS
    notes: list[str] = field(default_factory=list)
    language_source: str = "default"
    # for the picture; not serialised
    reference_audio: DecodedAudio | None = None
    clone_audio: DecodedAudio | None = None
    reference_windows: npt.NDArray[np.float32] | None = None
    clone_windows: npt.NDArray[np.float32] | None = None

    @property
    def band(self) -> Band:
        """The similarity's band."""
        return self.bands.band(self.similarity)

    @property
    def verdict(self) -> Band:
        """The band, or ``not judged`` when the engine's speech cannot be judged for resemblance."""
        return self.band if self.engine.judgeable else "not judged"

    @property
    def error_rate(self) -> float | None:
        """The word error rate, or for Chinese probes the character error rate (None when not measured)."""
        return self.intelligibility.error_rate

    @property
    def ranking_score(self) -> float:
        """Similarity, less ``WER_WEIGHT`` × the error rate (WER, or CER for Chinese; when measured): higher is
        better."""
        return self.similarity - WER_WEIGHT * min(self.error_rate or 0.0, 1.0)

    def error_rate_text(self) -> str:
        """``WER 0.05``, ``CER 0.12`` or ``WER skipped``."""
        heard = self.intelligibility
        if heard.character_error_rate is not None:
            return f"CER {heard.character_error_rate:.2f}"
        return f"WER {heard.word_error_rate:.2f}" if heard.word_error_rate is not None else "WER skipped"

    def summary(self) -> str:
        wer = self.error_rate_text()
        issues = "; ".join(self.sanity.findings) or "no sanity findings"
        return f"{self.verdict} (similarity {self.similarity:.3f}), {wer}; {issues}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "voice_id": self.voice_id,
            "target_model": self.target_model,
            "verdict": self.verdict,
            "summary": self.summary(),
            "ranking_score": round(self.ranking_score, 4),
            "similarity": {
                "score": round(self.similarity, 4),
                "band": self.band,
                "bands": {"same_min": self.bands.same_min, "different_max": self.bands.different_max},
                "model": "GE2E (resemblyzer 0.1.4 weights, numpy)",
            },
            "intelligibility": self.intelligibility.to_dict(),
            "sanity": self.sanity.to_dict(),
            "engine": {"kind": self.engine.kind, "engine": self.engine.engine, "judgeable": self.engine.judgeable},
            "probes": {
                "language": self.probes.language,
                "language_source": self.language_source,
                "set": self.probes.version,
                "text": self.probes.text,
            },
            "reference": self.reference,
            "cost": {k: round(v, 3) for k, v in self.cost.items()},
            "notes": ([self.engine.note] if self.engine.note else []) + self.notes,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _load_reference(
    registry: VoiceRegistry, record: VoiceRecord | None, voice_id: str, sample: str | os.PathLike[str] | None
) -> tuple[DecodedAudio, dict[str, Any]]:
    """The reference audio and where it came from (see the module docstring for the order)."""
    candidates: list[str] = []
    if sample is not None:
        candidates = [str(sample)]
    else:
        stored = registry.latest_score(voice_id)
        path = (stored or {}).get("reference", {}).get("path")
        if path and Path(path).is_file():
            candidates.append(path)
        if record is not None and record.sample_path and Path(record.sample_path).is_file():
            candidates.append(record.sample_path)  # the local file it was cloned from (checked by hash below)
        if record is not None and record.sample_url and is_url(record.sample_url):
            candidates.append(record.sample_url)
        if (
            record is not None
            and record.is_designed
            and record.preview_file
            and not record.preview_file.endswith(".pcm")
        ):
            # A designed voice has no sample (contract §11.1): its saved preview is the reference, so the score
            # measures speaker consistency between the preview and the new speech.
            candidates.append(record.preview_file)
    for source in candidates:
        data = _read(source, explicit=sample is not None)
        if data is None:
            continue
        sha = hashlib.sha256(data).hexdigest()
        if sample is None and record is not None and record.sample_sha256 and sha != record.sample_sha256:
            continue  # the stored path now holds other audio
        try:
            audio = decode(data)
        except AudioDecodeError as error:
            raise InvalidRequestError([Problem("sample", source, f"cannot be decoded: {error.message}")]) from None
        local = None if is_url(source) else str(Path(source).resolve())
        role = "preview" if record is not None and record.is_designed and source == record.preview_file else "sample"
        duration = round(audio.info.duration_s, 3)
        return audio, {"source": source, "path": local, "sha256": sha, "duration_s": duration, "role": role}
    rule = "no local copy of the sample this voice was cloned from is known; give it with --sample"
    if record is not None and record.is_designed:
        rule = "this designed voice's preview file (wav or mp3) is gone; give a recording of the voice with --sample"
    raise InvalidRequestError([Problem("sample", None, rule)])


def _read(source: str, *, explicit: bool) -> bytes | None:
    if is_url(source):
        from cosyclone.audio.io import fetch_url

        try:
            return fetch_url(source)
        except AudioDecodeError as error:
            if explicit:
                raise InvalidRequestError([Problem("sample", source, f"cannot be fetched: {error.message}")]) from None
            return None
    try:
        return Path(source).read_bytes()
    except OSError as error:
        if explicit:
            raise InvalidRequestError([Problem("sample", source, error.strerror or "cannot be read")]) from None
        return None


#: The reference's windows and measures by sample sha256: ``compare`` scores several voices against one sample.
_REFERENCE_CACHE: dict[str, tuple[npt.NDArray[np.float32], SpeechMeasures]] = {}


def _analyse_reference(
    audio: DecodedAudio, reference: dict[str, Any]
) -> tuple[npt.NDArray[np.float32], SpeechMeasures]:
    from cosyclone.audio import speaker

    cached = _REFERENCE_CACHE.get(reference["sha256"])
    if cached is not None:
        return cached
    try:
        windows = speaker.embed_partials(audio.samples, sample_rate_hz=audio.sample_rate)
    except speaker.SpeakerEmbeddingError:
        raise InvalidRequestError([Problem("sample", reference["source"], "holds no speech to compare")]) from None
    analysis = (windows, measure_speech(audio.samples, sample_rate_hz=audio.sample_rate))
    if len(_REFERENCE_CACHE) >= 8:
        _REFERENCE_CACHE.pop(next(iter(_REFERENCE_CACHE)))
    _REFERENCE_CACHE[reference["sha256"]] = analysis
    return analysis


def _intelligibility(clone: DecodedAudio, probes: ProbeSet) -> Intelligibility:
    from cosyclone.audio.recognize import (
        error_rate,
        language_of_text,
        recognizer_available,
        recognizer_languages,
        transcribe,
    )

    if not recognizer_available():
        return Intelligibility(skipped="no offline recogniser installed (pip install 'cosyclone[quality]')")
    if probes.language not in recognizer_languages():
        return Intelligibility(skipped=f"no offline recogniser for {probes.language!r} is installed")
    heard = transcribe(clone.samples, sample_rate_hz=clone.sample_rate, language=probes.language)
    # the script of the text read decides the unit: characters for Chinese text, words otherwise
    unit = language_of_text(probes.text)
    rate = error_rate(probes.text, heard.text, language=unit)
    if unit == "zh":
        return Intelligibility(character_error_rate=rate, transcript=heard.text, recognizer=heard.recognizer)
    return Intelligibility(word_error_rate=rate, transcript=heard.text, recognizer=heard.recognizer)


def choose_language(language: str | None, text: str | None, record: VoiceRecord | None) -> tuple[str | None, str]:
    """The probe language and where it came from: ``--language``, else the script of ``--text``, else the
    voice's language hint, else English."""
    from cosyclone.audio.recognize import language_of_text

    if language:
        return language, "--language"
    if text:
        return language_of_text(text), "the text's script"
    if record is not None and record.language_hint:
        return record.language_hint, "the voice's language hint"
    return None, "default"


def score_voice(
    client: Client,
    registry: VoiceRegistry,
    voice: str,
    *,
    sample: str | os.PathLike[str] | None = None,
    language: str | None = None,
    text: str | None = None,
    intelligibility: bool = True,
    store: bool = True,
    bands: SimilarityBands = DEFAULT_BANDS,
    replace_score: bool = False,
) -> VoiceScore:
    """Score ``voice`` (a voice_id or registry prefix) against its reference sample; see the module docstring.
    ``text`` replaces the fixed probe sentences; ``language`` (``en`` or ``zh``) overrides the language chosen
    from the text's script or the voice's hint.
    A ``sample`` that is not the audio the voice was cloned from (by hash) is scored and said so in the notes,
    but its score is not stored over the voice's own unless ``replace_score``.

    Raises:
        InvalidRequestError: unknown voice, no reference sample, a sample that is not audio or holds no speech.
        APIError subclasses: the synthesis failed.
    """
    from cosyclone.audio import speaker

    check_probe_request(language, text)
    voice_id = resolve_voice_name(registry, voice, account=client.account)
    record = registry.get(voice_id)
    reference_audio, reference = _load_reference(registry, record, voice_id, sample)
    foreign = _foreign_sample_note(record, reference)
    chosen, language_source = choose_language(language, text, record)
    probes = probe_set_for(chosen, text=text)
    engine = detect_engine(client, language=probes.language)

    started = time.perf_counter()
    result = client.speech.synthesize(probes.text, voice=voice_id, format="wav", sample_rate=_PROBE_RATE_HZ)
    synthesis_s = time.perf_counter() - started

    cpu_started, wall_started = time.process_time(), time.perf_counter()
    clone_audio = decode(result.audio)
    ref_windows, ref_measures = _analyse_reference(reference_audio, reference)
    clone_windows = speaker.embed_partials(clone_audio.samples, sample_rate_hz=clone_audio.sample_rate)
    similarity = speaker.similarity(ref_windows.mean(axis=0), clone_windows.mean(axis=0))
    heard = _intelligibility(clone_audio, probes) if intelligibility else Intelligibility(skipped="not asked")
    sanity = compare_speech(measure_speech(clone_audio.samples, sample_rate_hz=clone_audio.sample_rate), ref_measures)
    cost = {
        "synthesis_s": synthesis_s,
        "local_cpu_s": time.process_time() - cpu_started,
        "local_wall_s": time.perf_counter() - wall_started,
        "characters": float(result.characters),
    }
    score = VoiceScore(
        voice_id=voice_id,
        target_model=result.model,
        probes=probes,
        engine=engine,
        reference=reference,
        similarity=similarity,
        intelligibility=heard,
        sanity=sanity,
        cost=cost,
        bands=bands,
        language_source=language_source,
        reference_audio=reference_audio,
        clone_audio=clone_audio,
        reference_windows=ref_windows,
        clone_windows=clone_windows,
    )
    _store_score(registry, score, foreign=foreign, store=store, replace_score=replace_score)
    return score


def _store_score(
    registry: VoiceRegistry, score: VoiceScore, *, foreign: str | None, store: bool, replace_score: bool
) -> None:
    """Store ``score`` as the voice's score, unless it was measured against a ``foreign`` sample (another audio
    than the voice was cloned from) and ``replace_score`` was not asked: then the note says what was kept."""
    if foreign:
        kept = (
            "this score was stored as the voice's score (asked)"
            if replace_score
            else "the stored score and the remembered sample are kept (pass --replace-score to store this one)"
        )
        score.notes.append(f"{foreign}: {kept}")
    if store and (not foreign or replace_score):
        registry.save_score(score.voice_id, score.to_dict())


def _foreign_sample_note(record: VoiceRecord | None, reference: dict[str, Any]) -> str | None:
    """A note when the reference is not the audio the voice was cloned from (by sha256), else None."""
    if record is None or not record.sample_sha256 or reference["sha256"] == record.sample_sha256:
        return None
    return (
        f"{reference['source']} is not this voice's sample (sha256 {reference['sha256'][:12]}…, the voice was cloned "
        f"from {record.sample_sha256[:12]}…)"
    )
