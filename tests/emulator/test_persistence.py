"""``--data-dir``: state survives a restart, is written atomically, and never holds an API key."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from cosyclone.emulator.server import EmulatorServer
from cosyclone.schema.uploads import OSS_RESOLVE_HEADER, UploadPolicyResponse, upload_form_fields
from tests.conftest import AUDIO_FIXTURES, PLANTED_KEY
from tests.emulator._api import GOOD_SAMPLE, auth, create_ok, list_voices, query
from tests.helpers.emulator_fixtures import SampleServer


def _upload(emu: EmulatorServer, key: str) -> str:
    response = httpx.get(
        f"{emu.http_base_url}/uploads", params={"action": "getPolicy", "model": "voice-enrollment"}, headers=auth(key)
    )
    policy = UploadPolicyResponse.model_validate(response.json()).data
    object_key = f"{policy.upload_dir}/sample.wav"
    fields = upload_form_fields(policy, object_key, "audio/x-wav")
    data = (AUDIO_FIXTURES / "good" / "flite-rms.wav").read_bytes()
    assert httpx.post(policy.upload_host, data=fields, files={"file": ("sample.wav", data)}).status_code == 200
    return "oss://" + object_key


def test_state_survives_a_restart(tmp_path: Path, sample_server: SampleServer) -> None:
    data_dir = tmp_path / "state"
    with EmulatorServer(data_dir=data_dir) as emu:
        voice_id = create_ok(emu, sample_server.url(GOOD_SAMPLE), key=PLANTED_KEY)
        deploying = create_ok(emu, sample_server.url(GOOD_SAMPLE), key=PLANTED_KEY, prefix="later")
        emu.backend.set_voice_status(deploying, "DEPLOYING")
        oss_url = _upload(emu, PLANTED_KEY)
        before = list_voices(emu, key=PLANTED_KEY).json()["output"]["voice_list"]
        f0 = emu.backend.voice(emu.backend.tenant_of_key(PLANTED_KEY), voice_id).f0_hz

    with EmulatorServer(data_dir=data_dir) as emu:
        assert list_voices(emu, key=PLANTED_KEY).json()["output"]["voice_list"] == before
        assert query(emu, deploying, key=PLANTED_KEY).json()["output"]["status"] == "DEPLOYING"
        assert emu.backend.voice(emu.backend.tenant_of_key(PLANTED_KEY), voice_id).f0_hz == f0
        # the uploaded object survived too (a new process has a new policy secret; the object stays valid)
        create_ok(emu, oss_url, key=PLANTED_KEY, headers={OSS_RESOLVE_HEADER: "enable"})
        # new voices continue the creation order: newest first
        newest = create_ok(emu, sample_server.url(GOOD_SAMPLE), key=PLANTED_KEY, prefix="newest")
        assert list_voices(emu, key=PLANTED_KEY).json()["output"]["voice_list"][0]["voice_id"] == newest


def test_files_hold_no_key_and_no_leftovers(tmp_path: Path, sample_server: SampleServer) -> None:
    with EmulatorServer(data_dir=tmp_path) as emu:
        create_ok(emu, sample_server.url(GOOD_SAMPLE), key=PLANTED_KEY)
        _upload(emu, PLANTED_KEY)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"state.json"}
    assert not [p for p in files if p.name.endswith(".part")]
    for path in files:
        assert PLANTED_KEY.encode() not in path.read_bytes(), path
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["version"] == 1 and len(state["voices"]) == 1 and len(state["objects"]) == 1


def test_reset_is_persisted(tmp_path: Path, sample_server: SampleServer) -> None:
    with EmulatorServer(data_dir=tmp_path) as emu:
        create_ok(emu, sample_server.url(GOOD_SAMPLE))
        _upload(emu, "sk-another-tenant")
        emu.backend.reset()
    assert not list((tmp_path / "objects").iterdir())
    with EmulatorServer(data_dir=tmp_path) as emu:
        assert list_voices(emu).json()["output"]["voice_list"] == []


def test_unreadable_state_starts_empty(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{broken")
    with EmulatorServer(data_dir=tmp_path) as emu:
        assert list_voices(emu).json()["output"]["voice_list"] == []
