"""The cosyclone MCP server: check a sample, clone a voice, keep track of voices and speak with them — as tools.

Started by ``cosyclone mcp`` (stdio). Thin like the CLI: every tool parses its arguments, calls the library
(:func:`cosyclone.audio.preflight.check_sample`, :mod:`cosyclone.ops.clone`, :mod:`cosyclone.ops.voices`,
:mod:`cosyclone.ops.speak`) and shapes the result as a JSON object; the rules live in the library. The client,
the registry, the evidence folder and ``--emulator`` come from a :class:`cosyclone.ops.session.Session` (the one the
CLI built from its global options), so ``cosyclone --emulator mcp`` serves against the embedded emulator and
``cosyclone --region … mcp`` against the service. It never imports the CLI.

Tools: ``check_sample``, ``clone_voice``, ``list_voices``, ``get_voice``, ``update_voice``, ``delete_voice``,
``synthesize``, ``score_voice`` and ``compare_models`` (:mod:`cosyclone.ops.score`,
:mod:`cosyclone.ops.compare`). Every tool refuses an
argument it does not know (its input schema says ``additionalProperties: false``), naming the argument and the
ones it takes: a misspelt option is never silently dropped. The synthesis
parameters of ``synthesize`` come from their one declaration (:mod:`cosyclone.schema.synthesis_params`).

Results are JSON objects (``structuredContent`` plus the same JSON as text). Audio is never returned inline:
``synthesize`` always writes a file and returns its absolute path, size and billing facts (audio in a tool
result would cost an agent's context far more than it helps; every MCP host can read a file path).

Errors come back as MCP tool errors (``isError: true``) whose text reads::

    Error executing tool get_voice: NotFoundError: HTTP 400 BadRequest.ResourceNotExist: … (request_id …)
    hint: check the voice_id with `cosyclone voices list`; …
    code: BadRequest.ResourceNotExist
    status_code: 400
    request_id: 5c1f…

— the error class, its message and hint, and for service errors the code, HTTP status and request_id. Never a
Python traceback (an unexpected exception is reported by class and message and logged on stderr), never the
API key (each text is scrubbed of it).

Calls that touch the client or the registry run one at a time (the client's WebSocket and the registry are
shared); ``check_sample`` runs alongside. Heavy modules (numpy, PyAV, httpx, the emulator) are imported on
the first call that needs them, so the server answers ``initialize`` quickly.

Each tool is built by its own small function in :mod:`cosyclone.mcp.tools` and listed in its ``TOOLS``.

Who may import it: ``cosyclone.cli.mcp`` (and tests).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, get_args

from cosyclone._exceptions import InvalidRequestError, Problem
from cosyclone._version import __version__
from cosyclone.mcp.arguments import TargetModelName
from cosyclone.mcp.errors import describe_error
from cosyclone.mcp.tools import CLONE_ARGUMENTS, SPEAK_ARGUMENTS, TOOLS, ToolGuard
from cosyclone.schema.clone_options import mcp_clone_input_schema
from cosyclone.schema.synthesis_params import AUDIO_FORMATS, SAMPLE_RATES, mcp_synthesis_input_schema

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from cosyclone.ops.session import Session

__all__ = ["AUDIO_FORMATS", "SAMPLE_RATES", "TARGET_MODELS", "build_server", "describe_error", "serve"]

logger = logging.getLogger("cosyclone.mcp")

# The model enum of the input schemas (in mcp_arguments; a test checks it against cosyclone.catalog). The audio
# formats and sample rates are the declaration's (schema/synthesis_params.py), re-exported for the same test.
TARGET_MODELS: tuple[str, ...] = get_args(TargetModelName)


INSTRUCTIONS = """\
cosyclone clones a voice with Alibaba Cloud Model Studio CosyVoice and speaks with it.

Workflow: check_sample (10-20 s of one speaker, no long pauses) -> clone_voice (returns a voice_id, waits until \
it is OK) -> synthesize (text + voice_id -> an audio file). list_voices / get_voice / update_voice / delete_voice \
keep track. score_voice tells whether a clone sounds like its sample (verdict, similarity, word error rate); \
compare_models clones one sample into several models and ranks them (it returns the plan and spends nothing \
until confirm=true). design_voice makes a voice from a description instead of a sample (voice_prompt; \
returns a voice_id and a saved preview file; each call makes a new voice). Every tool refuses an argument it \
does not know.

Rules the tools enforce (and explain when broken):
- prefix: letters and digits only, at most 10.
- target_model defaults to cosyvoice-v3.5-plus; cosyvoice-v3.5-plus/-flash exist only in the China mainland \
(cn-beijing) deployment; in the international (ap-southeast-1) deployment cosyvoice-v3-plus/-flash cannot clone.
- A voice speaks only with the model it was enrolled for: leave synthesize's `model` empty and it follows the voice.
- Enrollment costs quota (1000 voices per account): clone_voice reuses the voice already made from the same \
sample bytes; pass new=true only when you really want another voice. Delete voices you no longer need.

Errors name the error class, the message, a hint (CLI flags in hints map to the tool arguments of the same name: \
--force is force=true, --model is model, --wait is wait) and, for service errors, the code and request_id.
"""


def _input_schema(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A tool's published input schema: closed (``additionalProperties: false``); for ``synthesize`` the synthesis
    parameters as their declaration states them (:func:`mcp_synthesis_input_schema`)."""
    schema = {**schema, "additionalProperties": False}
    if name == "synthesize":
        own = {k: v for k, v in schema["properties"].items() if k in SPEAK_ARGUMENTS}
        schema["properties"] = {**own, **mcp_synthesis_input_schema()["properties"]}
    if name == "clone_voice":
        own = {k: v for k, v in schema["properties"].items() if k in CLONE_ARGUMENTS}
        declared = mcp_clone_input_schema()["properties"]
        schema["properties"] = {**own, **{k: v for k, v in declared.items() if k not in own}}
    return schema


def _unknown_arguments(tool: str, arguments: dict[str, Any], known: set[str]) -> InvalidRequestError | None:
    unknown = sorted(set(arguments) - known)
    if not unknown:
        return None
    takes = ", ".join(sorted(known))
    problems = [Problem(name, arguments[name], f"is not an argument of {tool}") for name in unknown]
    return InvalidRequestError(problems, hint=f"{tool} takes: {takes}")


def _badly_typed_arguments(tool: str, registered: Any, arguments: dict[str, Any]) -> InvalidRequestError | None:
    """Arguments of the wrong type or missing, in the CLI's words (field, value, rule, what to do) rather than
    pydantic's raw report: checked with the tool's own argument model before the SDK does it."""
    from pydantic import ValidationError

    from cosyclone._exceptions import problems_from_validation_error

    metadata = getattr(registered, "fn_metadata", None)
    if metadata is None:
        return None
    try:
        metadata.arg_model.model_validate(metadata.pre_parse_json(arguments))
    except ValidationError as error:
        problems = problems_from_validation_error(error)
        return InvalidRequestError(problems, hint=f"fix the named argument(s) of {tool}: see the tool's input schema")
    return None


def _strict_server_class() -> type[MCPServer[Any]]:
    """MCPServer whose tools refuse arguments they do not declare, and publish :func:`_input_schema`."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    class StrictServer(MCPServer[Any]):
        async def list_tools(self) -> list[Any]:
            tools = await super().list_tools()
            for tool in tools:
                tool.input_schema = _input_schema(tool.name, tool.input_schema)
            return tools

        async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
            known = {t.name: set(t.input_schema.get("properties", {})) for t in await super().list_tools()}
            refused = _unknown_arguments(name, arguments, known[name]) if name in known else None
            if refused is None and name in known:
                refused = _badly_typed_arguments(name, self._tool_manager.get_tool(name), arguments)
            if refused is not None:
                raise ToolError(f"Error executing tool {name}: {describe_error(refused)}")
            return await super().call_tool(name, arguments, context)

    return StrictServer


def build_server(session: Session) -> MCPServer[Any]:
    """The MCP server with cosyclone's tools, using ``session`` for the client, the registry and the evidence.

    A tool's work is done once it returns, so evidence it cannot write becomes a warning in its result.
    """
    from mcp.types import ToolAnnotations

    session.evidence_failures_are_warnings = True
    server: MCPServer[Any] = _strict_server_class()(
        name="cosyclone",
        title="cosyclone: CosyVoice voice cloning",
        version=__version__,
        instructions=INSTRUCTIONS,
        log_level="DEBUG" if session.verbose else "WARNING",
    )
    guard = ToolGuard(session)
    for factory, title, hints in TOOLS:
        server.add_tool(factory(guard), title=title, annotations=ToolAnnotations(**hints))
    return server


def serve(session: Session) -> None:
    """Serve the tools over stdio until the client closes the connection."""
    build_server(session).run("stdio")
