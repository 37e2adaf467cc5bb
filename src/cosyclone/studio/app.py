"""The studio's web application: the page, its JSON API, and the guards in front of both.

Guards (:class:`OwnOriginOnly`): a request whose ``Host`` is not one of the server's own names is refused (DNS
rebinding: a hostile site's name resolved to 127.0.0.1); a request with an ``Origin`` (or a ``Sec-Fetch-Site``) from
anywhere else is refused, and a request that changes something must carry its own ``Origin`` or
``Sec-Fetch-Site: same-origin`` (cross-site request forgery). Uploads are capped (:data:`MAX_UPLOAD_BYTES`), JSON
bodies and texts too. The page is served with a content security policy that allows only its own scripts. The API
key stays in the session: no route returns it, and error messages are scrubbed of it.

Routes (the page is their only intended client): ``GET /`` (the page), ``GET /static/…``, ``GET /api/config``,
``POST /api/sample`` (``?preview=1``: the recording so far, nothing kept) and
``POST /api/consent?sample=NAME&language=en|zh`` (raw audio bodies), ``POST /api/clone`` and
``POST /api/score`` (jobs, polled at ``GET /api/jobs/{id}``), ``POST /api/speak``, ``GET /api/voices``,
``DELETE /api/voices/{voice_id}``, ``GET /files/{name}`` (kept recordings, pictures, speech).

Who may import it: ``cosyclone.cli.studio`` and tests.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from cosyclone._exceptions import APIError, CosycloneError, InvalidRequestError, Problem
from cosyclone.ops import recordings
from cosyclone.studio.jobs import Job, Jobs

if TYPE_CHECKING:
    from cosyclone.ops.session import Session

logger = logging.getLogger("cosyclone.studio")

#: The largest recording the page may send (a 60 s sample as WAV at 48 kHz stereo is ~11 MB).
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_JSON_BYTES = 64 * 1024
MAX_SPEAK_CHARS = 2000
_STATIC = {"studio.js": "text/javascript", "studio.css": "text/css", "icon.svg": "image/svg+xml"}
_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self' blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: The line a voice in the registry says when the page plays it.
GREETING = "Hello! This is how I sound now."


class OwnOriginOnly:
    """ASGI guard: only requests addressed to ``allowed_hosts`` and coming from the page itself get through."""

    def __init__(self, app: ASGIApp, allowed_hosts: set[str]) -> None:
        self.app = app
        self.allowed_hosts = {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        why = self.refusal(scope["method"], headers)
        if why is not None:
            await JSONResponse({"error": "Forbidden", "message": why}, status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def refusal(self, method: str, headers: dict[str, str]) -> str | None:
        """Why a request is refused (None: it is the page's own)."""
        host = headers.get("host", "").lower()
        if host not in self.allowed_hosts:
            return f"this server answers only to {', '.join(sorted(self.allowed_hosts))}, not Host {host!r}"
        origin = headers.get("origin")
        if origin is not None and origin.lower() not in {f"http://{h}" for h in self.allowed_hosts}:
            return f"requests from {origin} are not accepted: open the studio's own page"
        if headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return "cross-site requests are not accepted: open the studio's own page"
        if method in _UNSAFE_METHODS and origin is None and headers.get("sec-fetch-site") != "same-origin":
            return "a change needs the page's Origin header: use the studio's own page"
        return None


async def _body(request: Request, cap: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise _TooLarge(cap)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > cap:
            raise _TooLarge(cap)
        chunks.append(chunk)
    return b"".join(chunks)


class _TooLarge(Exception):
    def __init__(self, cap: int) -> None:
        super().__init__(f"the upload is larger than {cap // (1024 * 1024)} MB")


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await _body(request, MAX_JSON_BYTES) or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise InvalidRequestError([Problem("body", None, "must be a JSON object")]) from None
    if not isinstance(data, dict):
        raise InvalidRequestError([Problem("body", None, "must be a JSON object")])
    return data


def _text(data: dict[str, Any], field: str, *, max_chars: int = 200) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequestError([Problem(field, value, "is required (text)")])
    if len(value) > max_chars:
        raise InvalidRequestError([Problem(field, f"{len(value)} characters", f"at most {max_chars} characters")])
    return value.strip()


class Studio:
    """The routes, over one session (client, registry, emulator) whose voice actions run one at a time."""

    def __init__(self, session: Session, *, consent_text: str | None = None) -> None:
        self.session = session
        self.own_consent_text = consent_text
        self.lock = threading.Lock()
        self.jobs = Jobs(self.describe_error)

    # ----- shaping ------------------------------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        for secret in self.session.secrets:
            text = text.replace(secret, "[REDACTED]")
        return text

    def describe_error(self, error: BaseException) -> dict[str, Any]:
        if isinstance(error, CosycloneError):
            return {
                "error": type(error).__name__,
                "message": self.scrub(error.message),
                "hint": self.scrub(error.hint),
            }
        logger.exception("studio: unexpected error", exc_info=error)
        return {"error": "InternalError", "message": "an unexpected error: see the terminal running the studio"}

    def guarded(self, handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except _TooLarge as error:
                return JSONResponse({"error": "TooLarge", "message": str(error)}, status_code=413)
            except Exception as error:
                status = 502 if isinstance(error, APIError) else 400 if isinstance(error, CosycloneError) else 500
                return JSONResponse(self.describe_error(error), status_code=status)

        return run

    def consent_texts(self) -> dict[str, str]:
        """The sentences the page offers: the studio's own wording (``--consent-text``), or one per language."""
        from cosyclone.ops.consent import consent_languages, default_consent_text

        if self.own_consent_text:
            return {"own": self.own_consent_text}
        return {language: default_consent_text(language) for language in consent_languages()}

    def consent_text(self, language: object) -> str:
        """The sentence for ``language`` (the page's choice; ignored when the studio has its own wording)."""
        texts = self.consent_texts()
        if self.own_consent_text:
            return self.own_consent_text
        if language is None:
            return texts["en"]
        if not isinstance(language, str) or language not in texts:
            raise InvalidRequestError([Problem("language", language, f"one of {', '.join(texts)}")])
        return texts[language]

    # ----- page ---------------------------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        html = resources.files("cosyclone.studio").joinpath("static/index.html").read_text(encoding="utf-8")
        return Response(html, media_type="text/html; charset=utf-8", headers=_page_headers())

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in _STATIC:
            return JSONResponse({"error": "NotFound", "message": name}, status_code=404)
        body = resources.files("cosyclone.studio").joinpath(f"static/{name}").read_bytes()
        return Response(body, media_type=_STATIC[name], headers=_page_headers())

    async def icon(self, request: Request) -> Response:
        body = resources.files("cosyclone.studio").joinpath("static/icon.svg").read_bytes()
        return Response(body, media_type="image/svg+xml")

    async def config(self, request: Request) -> Response:
        from cosyclone.catalog import DEFAULT_TARGET_MODEL, TARGET_MODELS

        region = self.session.resolved_region()
        models = [n for n, m in TARGET_MODELS.items() if not m.legacy and region in m.clone_regions]
        default = DEFAULT_TARGET_MODEL if DEFAULT_TARGET_MODEL in models else (models[0] if models else None)
        return JSONResponse(
            {
                "consent_texts": self.consent_texts(),
                "region": region,
                "emulator": self.session.use_emulator,
                "models": models,
                "default_model": default,
            }
        )

    # ----- sample, consent ----------------------------------------------------------------------------------

    async def sample(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        data = await _body(request, MAX_UPLOAD_BYTES)
        if request.query_params.get("preview") == "1":  # the recording so far: checked, nothing kept
            return JSONResponse(await run_in_threadpool(self._preview_sample, data))
        return JSONResponse(await run_in_threadpool(self._check_sample, data))

    def _preview_sample(self, data: bytes) -> dict[str, Any]:
        from cosyclone.ops.check import preview_check

        return preview_check(data)

    def _check_sample(self, data: bytes) -> dict[str, Any]:
        from cosyclone.ops.check import CheckOptions, check

        kept = recordings.keep_upload(data, "sample")
        target = recordings.folder("pictures") / f"picture-{kept.name.split('-', 1)[1].split('.')[0]}.png"
        checked = check(CheckOptions(str(kept.path), plot_path=target, overwrite=True, plot_title="your sample"))
        report = checked.report
        picture = Path(checked.plot).name if checked.plot else None
        return {
            "sample": kept.name,
            "converted_from": kept.arrived_as if kept.converted else None,
            "verdict": report.verdict,
            "findings": [f.to_dict() for f in report.findings if f.level != "info"],
            "duration_s": report.info.duration_s if report.info else None,
            "picture": None if picture is None else f"/files/{picture}",
            "audio": f"/files/{kept.name}",
        }

    async def consent(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        sample = recordings.find(request.query_params.get("sample", ""), "sample")
        text = self.consent_text(request.query_params.get("language"))
        data = await _body(request, MAX_UPLOAD_BYTES)
        return JSONResponse(await run_in_threadpool(self._check_consent, data, sample, text))

    def _check_consent(self, data: bytes, sample: Any, text: str) -> dict[str, Any]:
        from cosyclone.ops.consent import verify_consent

        kept = recordings.keep_upload(data, "consent")
        verdict = verify_consent(kept.path, sample, text)
        return {
            "consent": kept.name,
            "verdict": "verified" if verdict.verified else "refused",
            "checks": [c.describe() for c in verdict.checks],
            "heard": verdict.heard,
            **{k: v for k, v in verdict.to_dict().items() if k in ("error_rate", "speaker_similarity", "failed")},
            "audio": f"/files/{kept.name}",
        }

    # ----- clone, score, speak ------------------------------------------------------------------------------

    async def clone(self, request: Request) -> Response:
        data = await _json(request)
        sample = recordings.find(_text(data, "sample"), "sample")
        consent = recordings.find(_text(data, "consent"), "consent")
        prefix, target_model = _text(data, "prefix"), _text(data, "target_model")
        text = self.consent_text(data.get("consent_language"))

        def work(job: Job) -> dict[str, Any]:
            from cosyclone.ops.clone import clone, clone_options_from

            job.stage = "checking the consent, then deploying the voice"
            options = clone_options_from({"prefix": prefix, "target_model": target_model, "wait": True})
            with self.lock:
                cloned = clone(self.session, sample, options, consent=consent, consent_text=text)
            return {**cloned.summary, "sample": sample.name}

        return JSONResponse(self.jobs.start("clone", "starting", work).view(), status_code=202)

    async def score(self, request: Request) -> Response:
        data = await _json(request)
        voice_id = _text(data, "voice_id")
        sample = recordings.find(_text(data, "sample"), "sample")

        def work(job: Job) -> dict[str, Any]:
            from cosyclone.ops.score import ScoreOptions
            from cosyclone.ops.score import score as score_voice

            job.stage = "the voice reads the probe sentences; measuring"
            with self.lock:
                return score_voice(self.session, ScoreOptions(voice=voice_id, sample=str(sample))).payload

        return JSONResponse(self.jobs.start("score", "starting", work).view(), status_code=202)

    async def job(self, request: Request) -> Response:
        found = self.jobs.get(request.path_params["job"])
        if found is None:
            return JSONResponse({"error": "NotFound", "message": "no such job"}, status_code=404)
        return JSONResponse(found.view())

    async def speak(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        data = await _json(request)
        voice_id = _text(data, "voice_id")
        text = GREETING if data.get("greeting") is True else _text(data, "text", max_chars=MAX_SPEAK_CHARS)
        return JSONResponse(await run_in_threadpool(self._speak, voice_id, text))

    def _speak(self, voice_id: str, text: str) -> dict[str, Any]:
        import hashlib

        from cosyclone.ops import speak as speech_ops

        key = "\n".join((voice_id, text)).encode("utf-8")
        name = f"speech-{hashlib.sha256(key).hexdigest()[:32]}.mp3"
        target = recordings.folder("speech") / name
        with self.lock:
            if not target.is_file():
                result = self.session.client().speech.to_file(text, target, voice=voice_id, format="mp3")
                speech_ops.record_speech(self.session, result, voice_id=voice_id)
        return {"voice_id": voice_id, "text": text, "audio": f"/files/{name}"}

    # ----- voices, files ------------------------------------------------------------------------------------

    async def voices(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from cosyclone.ops import voices as voice_ops

        def listed() -> list[dict[str, Any]]:
            with self.lock:
                return voice_ops.list_voices(self.session, local=True)

        return JSONResponse({"voices": await run_in_threadpool(listed)})

    async def delete(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        from cosyclone.ops import voices as voice_ops

        voice_id = request.path_params["voice_id"]

        def deleted() -> dict[str, Any]:
            with self.lock:
                return voice_ops.delete_voice(self.session, voice_ops.resolve_voice(self.session, voice_id))

        return JSONResponse(await run_in_threadpool(deleted))

    async def file(self, request: Request) -> Response:
        name = request.path_params["name"]
        match = recordings.NAME.match(name)
        if match is None:
            return JSONResponse({"error": "NotFound", "message": name}, status_code=404)
        return FileResponse(recordings.find(name), headers={"Cache-Control": "no-store"})


def _page_headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": _POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def create_app(session: Session, *, allowed_hosts: set[str], consent_text: str | None = None) -> Starlette:
    """The studio for ``session``, answering only to ``allowed_hosts`` (``host:port`` names)."""
    studio = Studio(session, consent_text=consent_text)
    g = studio.guarded
    routes = [
        Route("/", g(studio.page)),
        Route("/static/{name}", g(studio.static)),
        Route("/favicon.ico", g(studio.icon)),
        Route("/api/config", g(studio.config)),
        Route("/api/sample", g(studio.sample), methods=["POST"]),
        Route("/api/consent", g(studio.consent), methods=["POST"]),
        Route("/api/clone", g(studio.clone), methods=["POST"]),
        Route("/api/score", g(studio.score), methods=["POST"]),
        Route("/api/jobs/{job}", g(studio.job)),
        Route("/api/speak", g(studio.speak), methods=["POST"]),
        Route("/api/voices", g(studio.voices)),
        Route("/api/voices/{voice_id}", g(studio.delete), methods=["DELETE"]),
        Route("/files/{name}", g(studio.file)),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        studio.jobs.join()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.studio = studio
    app.add_middleware(OwnOriginOnly, allowed_hosts=allowed_hosts)
    return app
