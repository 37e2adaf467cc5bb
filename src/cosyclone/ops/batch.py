"""Render a whole script: read items (text, CSV or JSONL), synthesize them with bounded concurrency and per-item
retries, write each file atomically, keep a manifest, and resume where an interrupted run stopped.

Resume skips an item only when the manifest says it was done *for the same request* (its fingerprint: text,
voice, model and parameters) and its file still decodes to the duration recorded then; an edited line, or a
file cut short or damaged since, is synthesized again.

Who may import it: the front ends (``cosyclone batch``), benchmarks. Each worker thread gets its own
client (and so its own reused WebSocket connection).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cosyclone._crashpoints import crash_point
from cosyclone._exceptions import (
    InvalidRequestError,
    Problem,
    ResultNotWrittenError,
)
from cosyclone._files import check_output_path, probe_writable, remove_dead_parts, write_json_atomic
from cosyclone._wav import WAV_HEADER_BYTES
from cosyclone.schema.synthesis_params import DEFAULT_SAMPLE_RATE, SYNONYMS, synthesis_params

if TYPE_CHECKING:
    from cosyclone.client import Client  # annotations only: `cosyclone batch --help` loads no httpx
    from cosyclone.ops.session import Session

MANIFEST = "manifest.json"
#: Per-line parameters an input may carry (besides id and text): the voice, the model and every declared
#: synthesis parameter (``schema/synthesis_params.py``).
ITEM_PARAMETERS = ("voice", "model", *(spec.name for spec in synthesis_params()))
_KINDS = {spec.name: spec.kind for spec in synthesis_params()}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class BatchItem:
    id: str
    text: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass
class ItemResult:
    id: str
    file: str | None
    duration_s: float | None = None
    characters: int = 0
    request_id: str | None = None
    error: str | None = None
    attempts: int = 0
    skipped: bool = False
    #: What was asked (text, voice, model, parameters), hashed: resume redoes an item whose request changed.
    fingerprint: str | None = None


def _coerce(key: str, value: Any, where: str) -> Any:
    """A column's value as its declared type (CSV cells are text: ``a,b`` is a list, ``true``/``false`` a bool)."""
    if value in (None, ""):
        return None
    kind = _KINDS.get(key, str)
    try:
        if kind in (int, float):
            return kind(value)
    except (TypeError, ValueError):
        raise InvalidRequestError([Problem(f"{where}: {key}", value, "must be a number")]) from None
    if kind is bool:
        return _coerce_bool(key, value, where)
    if kind is list:
        return [str(v) for v in value] if isinstance(value, list) else [v.strip() for v in str(value).split(",")]
    return str(value)


def _coerce_bool(key: str, value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in (*_TRUE, *_FALSE):
        raise InvalidRequestError([Problem(f"{where}: {key}", value, "must be true or false")])
    return text in _TRUE


def _item(raw: dict[str, Any], number: int, where: str) -> BatchItem:
    text = str(raw.get("text") or "").strip()
    if not text:
        raise InvalidRequestError([Problem(f"{where}: text", raw.get("text"), "is empty")])
    item_id = _SAFE_ID.sub("_", str(raw.get("id") or f"line-{number:04d}")).strip("._") or f"line-{number:04d}"
    raw = {SYNONYMS.get(key, key): value for key, value in raw.items()}  # e.g. an `ssml` column
    unknown = sorted(set(raw) - {"id", "text", *ITEM_PARAMETERS})
    if unknown:
        allowed = ", ".join(("id", "text", *ITEM_PARAMETERS))
        raise InvalidRequestError(
            [Problem(f"{where}: {unknown[0]}", raw[unknown[0]], f"is not a column; use {allowed}")]
        )
    params = {k: _coerce(k, raw[k], where) for k in ITEM_PARAMETERS if raw.get(k) not in (None, "")}
    return BatchItem(item_id, text, params)


def read_items(path: Path) -> list[BatchItem]:
    """Items from a ``.txt`` (one utterance per line), ``.csv`` (header with id,text,…) or ``.jsonl`` file.

    Raises:
        InvalidRequestError: unreadable file, empty input, an empty text, a bad column, a duplicate id.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidRequestError([Problem("INPUT", str(path), f"cannot be read: {error.strerror}")]) from None
    content = _utf8(data, path)
    suffix = path.suffix.lower()
    items: list[BatchItem] = []
    if suffix == ".csv":
        reader = csv.DictReader(content.splitlines())
        if not reader.fieldnames or "text" not in reader.fieldnames:
            raise InvalidRequestError([Problem("INPUT", str(path), "a CSV needs a header row with a 'text' column")])
        for number, row in enumerate(reader, start=1):
            items.append(_item({k: v for k, v in row.items() if k}, number, f"{path.name} row {number}"))
    elif suffix in (".jsonl", ".ndjson"):
        for number, line in enumerate(content.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as error:
                raise InvalidRequestError(
                    [Problem(f"{path.name} line {number}", line[:60], f"is not JSON ({error.msg})")]
                ) from None
            if not isinstance(raw, dict):
                raise InvalidRequestError([Problem(f"{path.name} line {number}", line[:60], "must be a JSON object")])
            items.append(_item(raw, number, f"{path.name} line {number}"))
    else:
        for number, line in enumerate(content.splitlines(), start=1):
            if line.strip():
                items.append(_item({"text": line}, number, f"{path.name} line {number}"))
    if not items:
        raise InvalidRequestError([Problem("INPUT", str(path), "holds no text to speak")])
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise InvalidRequestError([Problem("id", item.id, "appears twice; ids name the output files")])
        seen.add(item.id)
    return items


def _utf8(data: bytes, path: Path) -> str:
    """``data`` as UTF-8 (a BOM dropped), or InvalidRequestError naming the file, the line, the byte and the fix."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        rule = f"line {line}, column {column}: byte 0x{data[error.start]:02x} is not UTF-8 text"
        raise InvalidRequestError(
            [Problem("INPUT", str(path), rule)],
            hint=f"save {path.name} as UTF-8, e.g. `iconv -f latin1 -t utf-8 {path.name} > {path.stem}.utf8"
            f"{path.suffix}` (or gbk for Chinese text), then run again; nothing was sent",
        ) from None


def load_manifest(out_dir: Path) -> dict[str, ItemResult]:
    """The results an earlier run recorded in ``out_dir/manifest.json`` (none when there is no manifest).

    Raises:
        InvalidRequestError: the manifest is there but cannot be read as one (hand-edited, cut short): resuming
            would silently redo (and bill) every item and overwrite it, so nothing is done.
    """
    path = out_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["items"]
        return {e["id"]: ItemResult(**{k: e.get(k) for k in ItemResult.__dataclass_fields__}) for e in entries}
    except json.JSONDecodeError as error:
        reason = f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
    except UnicodeDecodeError:
        reason = "is not UTF-8 text"
    except OSError as error:
        reason = f"cannot be read: {error.strerror}"
    except (KeyError, TypeError, AttributeError):
        reason = 'is not a batch manifest (an object with an "items" list of {"id": …} entries)'
    raise InvalidRequestError(
        [Problem("--resume", str(path), reason)],
        hint=f"repair {path}, or move it aside (`mv {path} {path}.broken`) to synthesize every item again; "
        "nothing was sent",
    )


#: A file whose duration is off by more than this from the one recorded when it was written is not complete.
DURATION_TOLERANCE = 0.05


def fingerprint(item: BatchItem, options: dict[str, Any]) -> str:
    """A stable hash of what was asked for ``item``: its text and every option (voice, model, parameters)."""
    asked = json.dumps({"text": item.text, **options}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(asked.encode("utf-8")).hexdigest()


def plausible(path: Path, fmt: str, sample_rate: int, recorded_s: float | None) -> bool:
    """Whether ``path`` still holds what was written: it decodes, to the duration recorded then (±5 %)."""
    if recorded_s is None or not path.is_file():
        return False
    measured = _duration_s(path, fmt, sample_rate)
    return measured is not None and abs(measured - recorded_s) <= max(0.05, DURATION_TOLERANCE * recorded_s)


def _duration_s(path: Path, fmt: str, sample_rate: int) -> float | None:
    size = path.stat().st_size
    if fmt == "pcm":
        return size / (2 * sample_rate)
    if fmt == "wav":
        return max(0, size - WAV_HEADER_BYTES) / (2 * sample_rate)
    try:
        from cosyclone.audio.io import decode

        return decode(path).info.duration_s
    except Exception:  # a duration we cannot measure is reported as unknown, never fails the item
        return None


class BatchRun:
    """One batch: items, where they go, how; call :meth:`run`. ``stop()`` (e.g. on Ctrl-C) finishes the items
    in flight, skips the rest and still writes the manifest. The output folder is checked writable before the
    first request; an item synthesized (billed) but not written (disk full) stops the batch — no more billing
    — with its characters and request_id in the manifest and :attr:`write_failure` set."""

    def __init__(
        self,
        items: list[BatchItem],
        *,
        out_dir: Path,
        client_factory: Callable[[], Client],
        defaults: dict[str, Any],
        concurrency: int = 4,
        retries: int = 2,
        resume: bool = False,
    ) -> None:
        self.items = items
        self.out_dir = out_dir
        self._factory = client_factory
        self._defaults = defaults
        self.concurrency = max(1, concurrency)
        self.retries = retries
        self.resume = resume
        self._local = threading.local()
        self._clients: list[Client] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        #: The first item that was synthesized (billed) but could not be written: the batch stopped there.
        self.write_failure: ResultNotWrittenError | None = None
        if out_dir.exists() and not out_dir.is_dir():
            raise InvalidRequestError([Problem("--out-dir", str(out_dir), "is a file, not a folder")])
        self.results: dict[str, ItemResult] = load_manifest(out_dir) if resume else {}

    def stop(self) -> None:
        self._stop.set()

    def _client(self) -> Client:
        client: Client | None = getattr(self._local, "client", None)
        if client is None:
            client = self._factory()
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def _options(self, item: BatchItem) -> dict[str, Any]:
        return {**self._defaults, **item.parameters}

    def target(self, item: BatchItem) -> Path:
        return self.out_dir / f"{item.id}.{self._options(item).get('format') or 'mp3'}"

    def fingerprint(self, item: BatchItem) -> str:
        return fingerprint(item, self._options(item))

    def is_done(self, item: BatchItem) -> bool:
        """Done in an earlier run: for this very request, and its file still whole (see the module docstring)."""
        previous = self.results.get(item.id)
        if previous is None or previous.error is not None or previous.fingerprint != self.fingerprint(item):
            return False
        options = self._options(item)
        fmt = options.get("format") or "mp3"
        rate = options.get("sample_rate") or DEFAULT_SAMPLE_RATE
        return plausible(self.target(item), fmt, rate, previous.duration_s)

    def _render(self, item: BatchItem) -> ItemResult:
        options = self._options(item)
        voice = options.pop("voice")
        model = options.pop("model", None)
        fmt = options.get("format") or "mp3"
        target = self.target(item)
        attempt = 0
        client = self._client()
        # The client's own retry policy (as for voice operations), with this batch's count of whole-item retries:
        # to_file leaves nothing behind when it fails, so even a failure after audio had started is retried here.
        policy = dataclasses.replace(client.retry_policy, max_retries=self.retries)
        while True:
            attempt += 1
            try:
                result = client.speech.to_file(item.text, target, voice=voice, model=model, **options)
            except ResultNotWrittenError as error:  # billed, not written (disk full): the batch stops here
                return self._not_written(item, error, attempt)
            except InvalidRequestError as error:
                return ItemResult(item.id, None, error=str(error), attempts=attempt)
            except Exception as error:  # any other refusal: recorded against the item, the batch goes on
                delay = None if self._stop.is_set() else policy.delay(error, attempt - 1)
                if delay is None:
                    message = str(error) if policy.should_retry(error) else f"{type(error).__name__}: {error}"
                    return ItemResult(item.id, None, error=message, attempts=attempt)
                time.sleep(delay)
                continue
            return ItemResult(
                item.id,
                target.name,
                duration_s=_duration_s(target, fmt, result.sample_rate),
                characters=result.characters,
                request_id=result.request_id,
                attempts=attempt,
                fingerprint=self.fingerprint(item),
            )

    def _not_written(self, item: BatchItem, error: ResultNotWrittenError, attempt: int) -> ItemResult:
        from cosyclone.ops.speak import keep_rescued_audio

        keep_rescued_audio(error, self.target(item).name)
        self._stop.set()
        with self._lock:
            if self.write_failure is None:
                self.write_failure = error
        return ItemResult(
            item.id, None, characters=error.characters or 0, request_id=error.request_id, error=str(error),
            attempts=attempt, fingerprint=self.fingerprint(item),
        )  # fmt: skip

    def run(self, on_progress: Callable[[ItemResult], None] | None = None) -> list[ItemResult]:
        """Render every item not already done; returns the results in input order (manifest written)."""
        probe_writable(self.out_dir, field="--out-dir")  # before anything is sent or billed
        self.out_dir.mkdir(parents=True, exist_ok=True)
        check_output_path(self.out_dir / MANIFEST)
        remove_dead_parts(self.out_dir)  # a killed earlier run's temporary files (its final files are whole)
        todo: list[BatchItem] = []
        for item in self.items:
            if self.resume and self.is_done(item):
                previous = self.results.get(item.id) or ItemResult(item.id, self.target(item).name)
                previous.skipped = True
                self.results[item.id] = previous
                if on_progress:
                    on_progress(previous)
            else:
                todo.append(item)
        pending: set[Future[ItemResult]] = set()
        queue: Iterator[BatchItem] = iter(todo)

        def record(futures: set[Future[ItemResult]]) -> None:
            for future in futures:
                if future.done() and not future.cancelled() and future.exception() is None:
                    result = future.result()
                    crash_point("batch:after-item")
                    with self._lock:
                        self.results[result.id] = result
                        self.write_manifest()  # after every item: a killed run's resume skips what was done
                    crash_point("batch:after-manifest")
                    if on_progress:
                        on_progress(result)

        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="cosyclone-batch")
        try:
            while True:
                while len(pending) < self.concurrency and not self._stop.is_set():
                    next_item = next(queue, None)
                    if next_item is None:
                        break
                    pending.add(pool.submit(self._render, next_item))
                if not pending:
                    break
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                record(done)
        except BaseException:
            # Ctrl-C: take no new items, let the ones in flight finish (their files are whole or absent).
            self._stop.set()
            for future in pending:
                future.cancel()
            record(wait(pending)[0])
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self.write_manifest()
            for client in self._clients:
                client.close()
        return [self.results[i.id] for i in self.items if i.id in self.results]

    def write_manifest(self) -> Path:
        ordered = [asdict(self.results[i.id]) for i in self.items if i.id in self.results]
        for entry in ordered:
            entry.pop("skipped", None)
        return write_json_atomic(
            self.out_dir / MANIFEST,
            {
                "items": ordered,
                "total": len(self.items),
                "complete": sum(1 for e in ordered if e["error"] is None),
                "failed": sum(1 for e in ordered if e["error"] is not None),
            },
        )


def start_batch(
    session: Session,
    input_path: Path,
    *,
    out_dir: Path,
    voice: str,
    model: str | None = None,
    audio_format: str = "mp3",
    sample_rate: int | None = None,
    concurrency: int = 4,
    retries: int = 2,
    resume: bool = False,
) -> BatchRun:
    """Read ``input_path``, resolve the voice and open the session's client once (the key looked up, or the
    embedded emulator started) — everything checked before the first synthesis; returns the run to start.

    Raises:
        InvalidRequestError: an unreadable input, a bad item, or a voice that names nothing.
    """
    from cosyclone.ops.voices import resolve_voice

    items = read_items(input_path)
    # A system voice needs a model: without --model (or a model column) the voice must be a cloned one.
    system_voice_ok = model is not None or any("model" in item.parameters for item in items)
    voice_id = resolve_voice(session, voice, system_voice_ok=system_voice_ok)
    session.client()
    defaults = {"voice": voice_id, "model": model, "format": audio_format, "sample_rate": sample_rate}
    return BatchRun(
        items,
        out_dir=out_dir,
        client_factory=session.new_client,
        defaults={k: v for k, v in defaults.items() if v is not None},
        concurrency=concurrency,
        retries=retries,
        resume=resume,
    )


def batch_summary(run: BatchRun, results: list[ItemResult]) -> dict[str, Any]:
    """JSON-ready summary of a finished run: ``{ok, manifest, total, complete, skipped, failed: [{id, error}]}``."""
    failed = [r for r in results if r.error]
    return {
        "ok": not failed,
        "manifest": str(run.out_dir / "manifest.json"),
        "total": len(run.items),
        "complete": len(results) - len(failed),
        "skipped": sum(1 for r in results if r.skipped),
        "failed": [{"id": r.id, "error": r.error} for r in failed],
    }
