"""Temporary uploads (contract §7): getPolicy, the OSS form POST, and ``oss://`` URLs in enrollment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from cosyclone.emulator.server import EmulatorServer
from cosyclone.schema.uploads import OSS_RESOLVE_HEADER, UploadPolicy, UploadPolicyResponse, upload_form_fields
from tests.conftest import AUDIO_FIXTURES
from tests.emulator._api import assert_error, auth, call, create, create_ok, query
from tests.helpers.emulator_fixtures import OTHER_API_KEY

RESOLVE = {OSS_RESOLVE_HEADER: "enable"}
GOOD = AUDIO_FIXTURES / "good" / "librivox-reader-15s.wav"


def get_policy(emu: EmulatorServer, model: str | None = "voice-enrollment", **kwargs: Any) -> httpx.Response:
    params = {"action": "getPolicy"}
    if model is not None:
        params["model"] = model
    return httpx.get(f"{emu.http_base_url}/uploads", params=params, headers=auth(**kwargs))


def policy_of(emu: EmulatorServer, model: str = "voice-enrollment", **kwargs: Any) -> UploadPolicy:
    response = get_policy(emu, model, **kwargs)
    assert response.status_code == 200, response.text
    return UploadPolicyResponse.model_validate(response.json()).data


def post_file(
    grant: UploadPolicy, path: Path = GOOD, *, overrides: dict[str, str] | None = None
) -> tuple[httpx.Response, str]:
    key = f"{grant.upload_dir}/{path.name}"
    fields = {**upload_form_fields(grant, key, "audio/x-wav"), **(overrides or {})}
    with path.open("rb") as handle:
        response = httpx.post(grant.upload_host, data=fields, files={"file": (path.name, handle)})
    return response, "oss://" + fields["key"]


def upload(emu: EmulatorServer, path: Path = GOOD, **kwargs: Any) -> str:
    response, url = post_file(policy_of(emu, **kwargs), path)
    assert response.status_code == 200, response.text
    return url


def test_get_policy_shape(emulator: EmulatorServer) -> None:
    response = get_policy(emulator)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"request_id", "data"}
    data = body["data"]
    assert set(data) == {
        "policy",
        "signature",
        "upload_dir",
        "upload_host",
        "expire_in_seconds",
        "max_file_size_mb",
        "capacity_limit_mb",
        "oss_access_key_id",
        "x_oss_object_acl",
        "x_oss_forbid_overwrite",
    }
    assert data["expire_in_seconds"] == 300
    assert data["x_oss_object_acl"] == "private"
    assert data["x_oss_forbid_overwrite"] == "true"
    assert data["upload_host"] == emulator.base_url + "/_emulator/oss"
    assert data["upload_dir"].startswith("dashscope-instant/")


def test_get_policy_needs_a_key_a_model_and_the_action(emulator: EmulatorServer) -> None:
    assert_error(get_policy(emulator, key=None), 401, "InvalidApiKey")
    assert_error(get_policy(emulator, model=None), 400, "InvalidParameter")
    response = httpx.get(f"{emulator.http_base_url}/uploads", params={"action": "nope", "model": "x"}, headers=auth())
    assert_error(response, 400, "InvalidParameter")


def test_upload_then_enroll_with_oss_url(emulator: EmulatorServer) -> None:
    response, url = post_file(policy_of(emulator))
    assert response.status_code == 200
    assert response.content == b""
    assert url.startswith("oss://dashscope-instant/") and url.endswith("/librivox-reader-15s.wav")
    voice_id = create_ok(emulator, url, headers=RESOLVE)
    output = query(emulator, voice_id).json()["output"]
    assert output["resource_link"] == url and output["status"] == "OK"


def test_oss_url_without_the_resolve_header(emulator: EmulatorServer) -> None:
    url = upload(emulator)
    assert_error(create(emulator, url), 400, "InvalidParameter.DataInspection")


def test_oss_url_is_bound_to_the_tenant_and_the_model(emulator: EmulatorServer) -> None:
    url = upload(emulator)
    assert_error(create(emulator, url, key=OTHER_API_KEY, headers=RESOLVE), 400, "InvalidParameter")
    other_model_url = upload(emulator, model="cosyvoice-v3-plus")
    assert_error(create(emulator, other_model_url, headers=RESOLVE), 400, "InvalidParameter")
    assert_error(create(emulator, "oss://dashscope-instant/none/x.wav", headers=RESOLVE), 400, "InvalidParameter")


def test_oss_url_expires_after_48_hours(emulator: EmulatorServer) -> None:
    now = [1_800_000_000.0]
    emulator.backend.clock = lambda: now[0]
    url = upload(emulator)
    now[0] += 47.9 * 3600
    create_ok(emulator, url, headers=RESOLVE)
    now[0] += 0.2 * 3600
    assert_error(create(emulator, url, headers=RESOLVE), 400, "InvalidParameter")


def test_update_voice_with_oss_url(emulator: EmulatorServer) -> None:
    voice_id = create_ok(emulator, upload(emulator), headers=RESOLVE)
    second = upload(emulator, AUDIO_FIXTURES / "good" / "flite-awb.wav")
    response = call(emulator, {"action": "update_voice", "voice_id": voice_id, "url": second}, headers=RESOLVE)
    assert response.status_code == 200, response.text
    assert query(emulator, voice_id).json()["output"]["resource_link"] == second


def test_oss_upload_of_a_bad_sample_is_judged(emulator: EmulatorServer) -> None:
    url = upload(emulator, AUDIO_FIXTURES / "bad" / "short-3s.wav")
    assert_error(create(emulator, url, headers=RESOLVE), 400, "Audio.AudioShortError")


def _oss_code(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/xml")
    return response.text.split("<Code>")[1].split("</Code>")[0]


def test_overwrite_is_forbidden(emulator: EmulatorServer) -> None:
    policy = policy_of(emulator)
    first, _ = post_file(policy)
    assert first.status_code == 200
    again, _ = post_file(policy)
    assert again.status_code == 409 and _oss_code(again) == "FileAlreadyExists"


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"Signature": "AAAA"}, 403, "SignatureDoesNotMatch"),
        ({"OSSAccessKeyId": "LTAIother"}, 403, "InvalidAccessKeyId"),
        ({"key": "dashscope-instant/elsewhere/x.wav"}, 403, "AccessDenied"),
        ({"policy": "e30="}, 403, "SignatureDoesNotMatch"),
    ],
)
def test_upload_refusals(emulator: EmulatorServer, overrides: dict[str, str], status: int, code: str) -> None:
    response, _ = post_file(policy_of(emulator), overrides=overrides)
    assert response.status_code == status and _oss_code(response) == code


def test_key_may_not_escape_the_upload_dir(emulator: EmulatorServer) -> None:
    policy = policy_of(emulator)
    response, _ = post_file(policy, overrides={"key": f"{policy.upload_dir}/../other/x.wav"})
    assert response.status_code == 403


def test_policy_expires_after_300_seconds(emulator: EmulatorServer) -> None:
    now = [1_800_000_000.0]
    emulator.backend.clock = lambda: now[0]
    policy = policy_of(emulator)
    now[0] += 301
    response, _ = post_file(policy)
    assert response.status_code == 403 and "Policy expired" in response.text


def test_upload_without_a_file(emulator: EmulatorServer) -> None:
    policy = policy_of(emulator)
    fields = upload_form_fields(policy, f"{policy.upload_dir}/x.wav", "audio/x-wav")
    response = httpx.post(policy.upload_host, data=fields, files={"other": ("x", b"1")})
    assert response.status_code == 400 and _oss_code(response) == "InvalidArgument"
