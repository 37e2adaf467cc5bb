"""Exit codes of every ``cosyclone`` command: one table, shown by ``cosyclone --help`` and the README.

Which error gets which code is decided in one place, :func:`cosyclone.cli._output.exit_code_for`.
"""

from __future__ import annotations

OK = 0
#: ``prepare --validate-response``: the saved response is not valid.
INVALID_RESPONSE = 1
#: Bad input, or not confirmed: a flag, a field, a missing file, a file that is not audio, conflicting options,
#: a damaged registry, no API key, a declined confirmation (``voices delete``, ``compare``). Nothing was sent.
BAD_INPUT = 2
#: The voice sample failed the local preflight.
SAMPLE_FAILED = 3
#: The service refused: an error code came back, the voice was rejected (UNDEPLOYED), batch items failed.
SERVICE_REFUSED = 4
#: The service could not be reached (network, timeout of a request).
NETWORK = 5
#: Waited as long as asked (``--timeout``) and the voice is still DEPLOYING; it may still become OK.
STILL_DEPLOYING = 6
#: Sent and done (billed), but writing the result failed (disk full, a folder that turned read-only): the message
#: says what was sent (characters, request_id) and where the audio was kept, if anywhere; ``batch`` stops there.
SENT_NOT_WRITTEN = 7
#: An unexpected internal error (a bug): one line on stderr, the details in a log file (``--verbose``: the stack).
INTERNAL = 70
#: Interrupted (Ctrl-C).
INTERRUPTED = 130
#: Whoever reads stdout closed it early (``| head``): we stop quietly.
STDOUT_CLOSED = 141

HELP = (
    "Exit codes: 0 ok · 1 saved response invalid (prepare --validate-response) · 2 bad input or not confirmed, "
    "nothing sent · "
    "3 sample failed preflight · 4 service refused (incl. voice rejected, batch items failed) · 5 network · "
    "6 voice still DEPLOYING after --timeout · 7 sent and billed but writing the result failed · "
    "70 internal error · 130 interrupted · 141 stdout closed early."
)
