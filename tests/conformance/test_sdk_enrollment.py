"""The official ``dashscope`` SDK, unchanged, against the emulator: every ``VoiceEnrollmentService`` method, its
error paths, the OSS upload helper, and how the SDK copes with dropped connections."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from cosyclone.emulator.faults import Fault
from tests.conformance.conftest import SDK
from tests.conftest import AUDIO_FIXTURES
from tests.helpers.emulator_fixtures import SampleServer

dashscope = pytest.importorskip("dashscope")
requests = pytest.importorskip("requests")
from dashscope.audio.tts_v2 import VoiceEnrollmentService  # noqa: E402
from dashscope.audio.tts_v2.enrollment import VoiceEnrollmentException  # noqa: E402
from dashscope.utils.oss_utils import OssUtils, check_and_upload_local  # noqa: E402

pytestmark = pytest.mark.conformance

GOOD = "good/librivox-reader-15s.wav"
OSS_RESOLVE = {"X-DashScope-OssResourceResolve": "enable"}


def _code(error: VoiceEnrollmentException) -> str:
    code: str = error._code
    return code


def test_every_method(sdk: SDK, sample_server: SampleServer) -> None:
    service = VoiceEnrollmentService()
    voice_id = service.create_voice(target_model="cosyvoice-v3-plus", prefix="sdk", url=sample_server.url(GOOD))
    assert re.fullmatch(r"cosyvoice-v3-plus-sdk-[0-9a-f]{32}", voice_id)
    assert service.get_last_request_id()  # type: ignore[no-untyped-call]

    voices = service.list_voices()
    assert [v["voice_id"] for v in voices] == [voice_id]
    assert voices[0]["status"] == "OK"
    assert service.list_voices(prefix="sdk", page_index=0, page_size=5)[0]["voice_id"] == voice_id
    assert service.list_voices(prefix="other") == []

    details: Any = service.query_voice(voice_id)
    assert details["status"] == "OK" and details["target_model"] == "cosyvoice-v3-plus"
    assert details["resource_link"] == sample_server.url(GOOD)

    service.update_voice(voice_id, sample_server.url("good/flite-kal16.wav"))
    details = service.query_voice(voice_id)
    assert details["resource_link"] == sample_server.url("good/flite-kal16.wav")

    service.delete_voice(voice_id)
    assert service.list_voices() == []


def test_create_voice_with_sdk_extras(sdk: SDK, sample_server: SampleServer) -> None:
    service = VoiceEnrollmentService(api_key=sdk.api_key)
    voice_id = service.create_voice(
        target_model="cosyvoice-v3-flash",
        prefix="extras",
        url=sample_server.url(GOOD),
        language_hints=["en"],
        max_prompt_audio_length=15.0,
        enable_preprocess=True,  # merged into input by the SDK
    )
    assert voice_id.startswith("cosyvoice-v3-flash-extras-")


def test_bad_key(sdk: SDK) -> None:
    service = VoiceEnrollmentService(api_key="not-a-dashscope-key")
    with pytest.raises(VoiceEnrollmentException) as caught:
        service.list_voices()
    assert _code(caught.value) == "InvalidApiKey"
    assert caught.value._status_code == 401
    assert "Invalid API-key provided." in str(caught.value)


@pytest.mark.parametrize("method", ["query_voice", "delete_voice"])
def test_unknown_voice(sdk: SDK, method: str) -> None:
    with pytest.raises(VoiceEnrollmentException) as caught:
        getattr(VoiceEnrollmentService(), method)("cosyvoice-v3-plus-nope-" + "0" * 32)
    assert _code(caught.value) == "BadRequest.ResourceNotExist"


def test_unknown_voice_on_update(sdk: SDK, sample_server: SampleServer) -> None:
    with pytest.raises(VoiceEnrollmentException) as caught:
        VoiceEnrollmentService().update_voice("cosyvoice-v3-plus-nope-" + "0" * 32, sample_server.url(GOOD))
    assert _code(caught.value) == "BadRequest.ResourceNotExist"


@pytest.mark.parametrize(
    ("sample", "code"),
    [
        ("bad/short-3s.wav", "Audio.AudioShortError"),
        ("bad/opus-named-as.mp3", "BadRequest.UnsupportedFileFormat"),
        ("bad/not-audio.wav", "Audio.DecoderError"),
    ],
)
def test_bad_sample(sdk: SDK, sample_server: SampleServer, sample: str, code: str) -> None:
    with pytest.raises(VoiceEnrollmentException) as caught:
        VoiceEnrollmentService().create_voice("cosyvoice-v3-plus", "bad", sample_server.url(sample))
    assert _code(caught.value) == code
    assert caught.value._status_code == 400


def test_bad_prefix(sdk: SDK, sample_server: SampleServer) -> None:
    with pytest.raises(VoiceEnrollmentException) as caught:
        VoiceEnrollmentService().create_voice("cosyvoice-v3-plus", "with-dash", sample_server.url(GOOD))
    assert _code(caught.value) == "InvalidParameter"


def test_quota(sdk: SDK, sample_server: SampleServer) -> None:
    sdk.emulator.backend.voice_quota = 1
    service = VoiceEnrollmentService()
    service.create_voice("cosyvoice-v3-plus", "one", sample_server.url(GOOD))
    with pytest.raises(VoiceEnrollmentException) as caught:
        service.create_voice("cosyvoice-v3-plus", "two", sample_server.url(GOOD))
    assert _code(caught.value) == "Throttling.AllocationQuota"


# ----- uploads ----------------------------------------------------------------------------------------------


def test_oss_upload_helper_then_enroll(sdk: SDK, tmp_path: Path) -> None:
    sample = tmp_path / "my sample.wav"
    sample.write_bytes((AUDIO_FIXTURES / GOOD).read_bytes())
    url, certificate = OssUtils.upload(model="voice-enrollment", file_path=str(sample), api_key=sdk.api_key)
    assert url.startswith("oss://dashscope-instant/") and url.endswith("/my sample.wav")
    assert certificate["upload_host"] == sdk.emulator.base_url + "/_emulator/oss"

    service = VoiceEnrollmentService(headers=OSS_RESOLVE)
    voice_id = service.create_voice("cosyvoice-v3-plus", "oss", url)
    details: Any = service.query_voice(voice_id)
    assert details["resource_link"] == url

    without_header = VoiceEnrollmentService()
    with pytest.raises(VoiceEnrollmentException) as caught:
        without_header.create_voice("cosyvoice-v3-plus", "oss", url)
    assert _code(caught.value) == "InvalidParameter.DataInspection"


def test_check_and_upload_local_reuses_the_certificate(sdk: SDK, tmp_path: Path) -> None:
    first, second = tmp_path / "a.wav", tmp_path / "b.wav"
    first.write_bytes((AUDIO_FIXTURES / GOOD).read_bytes())
    second.write_bytes((AUDIO_FIXTURES / "good" / "flite-awb.wav").read_bytes())
    uploaded, url_a, certificate = check_and_upload_local("voice-enrollment", f"file://{first}", sdk.api_key)
    assert uploaded and url_a.endswith("/a.wav")
    _, url_b, _ = check_and_upload_local("voice-enrollment", str(second), sdk.api_key, certificate)
    assert url_b.rsplit("/", 1)[0] == url_a.rsplit("/", 1)[0]
    service = VoiceEnrollmentService(headers=OSS_RESOLVE)
    assert service.create_voice("cosyvoice-v3-plus", "b", url_b)


def test_oss_upload_with_a_bad_key(sdk: SDK, tmp_path: Path) -> None:
    from dashscope.common.error import UploadFileException

    sample = tmp_path / "x.wav"
    sample.write_bytes(b"RIFF")
    with pytest.raises(UploadFileException, match="InvalidApiKey"):
        OssUtils.upload(model="voice-enrollment", file_path=str(sample), api_key="bad")


# ----- how the SDK meets faults -----------------------------------------------------------------------------


def test_server_error_reaches_the_caller(sdk: SDK) -> None:
    sdk.emulator.backend.faults.add(Fault(target="list_voice", kind="http_error", status=503, retry_after_s=1))
    with pytest.raises(VoiceEnrollmentException) as caught:
        VoiceEnrollmentService().list_voices()
    assert caught.value._status_code == 503 and _code(caught.value) == "InternalError"


def test_sdk_retries_a_closed_connection_transparently(sdk: SDK, sample_server: SampleServer) -> None:
    sdk.emulator.backend.faults.add(Fault(target="create_voice", kind="drop_before"))
    VoiceEnrollmentService().create_voice("cosyvoice-v3-plus", "retry", sample_server.url(GOOD))
    assert len(VoiceEnrollmentService().list_voices()) == 1


def test_sdk_retry_after_drop_after_creates_a_duplicate(sdk: SDK, sample_server: SampleServer) -> None:
    sdk.emulator.backend.faults.add(Fault(target="create_voice", kind="drop_after"))
    VoiceEnrollmentService().create_voice("cosyvoice-v3-plus", "twice", sample_server.url(GOOD))
    assert len(VoiceEnrollmentService().list_voices(prefix="twice")) == 2


def test_truncated_reply_reaches_the_caller(sdk: SDK) -> None:
    sdk.emulator.backend.faults.add(Fault(target="list_voice", kind="drop_before", drop_style="truncate"))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        VoiceEnrollmentService().list_voices()
