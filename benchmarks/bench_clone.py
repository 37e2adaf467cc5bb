"""Benchmark: cloning from a local file, end to end — ``client.voices.create(sample=PATH)``: the upload (policy,
then the form POST to the temporary storage) and the create call — against the official SDK doing the same
(``OssUtils.upload``, then the 2.x ``client.audio.voices.create`` with the ``oss://`` URL and the
``X-DashScope-OssResourceResolve: enable`` header the service needs for such a URL; the 1.x
``VoiceEnrollmentService.create_voice`` cannot send that header, so it cannot clone from an upload), and against our own
clone from a URL the service fetches (no upload), all on the same emulator in the same run.

The sample is the bundled 15 s LibriVox WAV (copied to a temporary file); the emulator judges it on every create,
for every side alike; each voice made is deleted after its round (untimed). Figures are medians over rounds,
the cases alternating.

``SAMPLE_PATHS`` holds the ways a local file reaches the service (``upload`` today); the data-URI path is added
there once it exists (another change), and is then measured the same way.

Run: ``python -m benchmarks.bench_clone``.
Target: our local-file clone (upload + create) within 1.5× of our clone from a URL (what the upload costs on top),
and no slower than the SDK's upload + create where that path works against the emulator.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks._harness import (
    API_KEY,
    DATA_DIR,
    MODEL,
    SAMPLE_NAME,
    EmulatorProcess,
    median,
    our_client,
    ratio,
    sdk_pointed_at,
    verdict,
)

#: How a local file reaches the service, by name: a function (client, path) -> voice_id. The data-URI path
#: (``"data_uri"``) is registered here when the client gains it.
SAMPLE_PATHS: dict[str, Callable[[Any, Path], str]] = {
    "upload": lambda client, path: client.voices.create(prefix="local", sample=path, target_model=MODEL).voice_id,
}


def _sdk_clone(sdk_client: Any, path: Path) -> str:
    import warnings

    from dashscope.utils.oss_utils import OssUtils

    warnings.filterwarnings("ignore", message="dashscope 2.0 audio API is a preview", category=FutureWarning)
    url, _ = OssUtils.upload(model=MODEL, file_path=str(path), api_key=API_KEY)
    headers = {"X-DashScope-OssResourceResolve": "enable"}
    voice_id: str = sdk_client.audio.voices.create(target_model=MODEL, prefix="sdk", url=url, headers=headers).voice_id
    return voice_id


def run(*, quick: bool = False, rounds: int = 5) -> dict[str, Any]:
    rounds = 1 if quick else rounds
    workdir = Path(tempfile.mkdtemp(prefix="cosyclone-bench-clone-"))
    try:
        sample = workdir / SAMPLE_NAME
        shutil.copyfile(DATA_DIR / SAMPLE_NAME, sample)
        with EmulatorProcess() as emulator, sdk_pointed_at(emulator) as dashscope:
            emulator_model = emulator.model()
            client = our_client(emulator)
            from dashscope.audio.tts_v2 import VoiceEnrollmentService

            service = VoiceEnrollmentService(api_key=API_KEY)
            sdk_client = dashscope.Client(api_key=API_KEY, base_url=emulator.http_base_url)
            cases: dict[str, Callable[[], str]] = {
                f"ours_{name}": (lambda f=how: f(client, sample)) for name, how in SAMPLE_PATHS.items()
            }
            cases["ours_url"] = lambda: (
                client.voices.create(prefix="url", sample=emulator.sample_url(), target_model=MODEL).voice_id
            )
            cases["sdk_upload"] = lambda: _sdk_clone(sdk_client, sample)
            errors: dict[str, str] = {}
            samples: dict[str, list[float]] = {name: [] for name in cases}
            for index in range(rounds + 1):  # the first round warms up (imports, connections), untimed
                names = list(cases)
                for name in names[index % len(names) :] + names[: index % len(names)]:
                    if name in errors:
                        continue
                    started = time.perf_counter()
                    try:
                        voice_id = cases[name]()
                    except Exception as error:  # the SDK's path may not work against the emulator: say so
                        errors[name] = f"{type(error).__name__}: {error}"[:300]
                        continue
                    elapsed = time.perf_counter() - started
                    if index:
                        samples[name].append(elapsed)
                    (service.delete_voice if name.startswith("sdk") else client.voices.delete)(voice_id)
            client.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    figures = {f"{name}_ms": round(median(values) * 1000, 1) for name, values in samples.items() if values}
    ours, sdk = figures.get("ours_upload_ms"), figures.get("sdk_upload_ms")
    result: dict[str, Any] = {
        "name": "local-file clone",
        "emulator": emulator_model,
        "rounds": rounds,
        "figures": figures,
    }
    if errors:
        result["errors"] = errors
    result["ratios"] = {
        "sdk_over_ours_upload": ratio(sdk, ours) if ours and sdk else None,
        "upload_over_url": ratio(ours, figures["ours_url_ms"]) if ours and "ours_url_ms" in figures else None,
    }
    by_url = figures.get("ours_url_ms")
    problems = []
    if not ours or not by_url or ours > 1.5 * by_url:
        problems.append(f"upload path {ours} ms vs URL path {by_url} ms")
    if ours and sdk and ours > sdk:
        problems.append(f"slower than the SDK ({sdk} ms)")
    sdk_text = (
        f"SDK {sdk} ms"
        if sdk
        else "SDK: could not clone from a local file here (" + errors.get("sdk_upload", "no figure") + ")"
    )
    result["targets"] = [
        {
            "target": "local-file clone end to end (upload path) within 1.5× of a clone from a URL, and no slower "
            "than the SDK's upload + create where that works",
            "measured": f"ours {ours} ms (from a URL {by_url} ms); {sdk_text}; data-URI path: not available yet",
            **verdict(not problems, "; ".join(problems)),
        }
    ]
    return result


if __name__ == "__main__":
    print(run())
