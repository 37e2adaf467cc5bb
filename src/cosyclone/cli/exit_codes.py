"""Exit codes of every ``cosyclone`` command (documented in ``cosyclone --help``)."""

from __future__ import annotations

OK = 0
#: ``prepare --validate-response``: the saved response is not valid.
INVALID_RESPONSE = 1
#: Bad input: a flag, a field, a missing file, a file that is not audio. Nothing was sent.
BAD_INPUT = 2
#: The voice sample failed the local preflight.
SAMPLE_FAILED = 3
#: The service refused (an error code came back).
SERVICE_REFUSED = 4
#: The service could not be reached (network, timeout).
NETWORK = 5
#: Interrupted (Ctrl-C).
INTERRUPTED = 130

HELP = (
    "Exit codes: 0 ok · 1 saved response invalid (prepare --validate-response) · 2 bad input · "
    "3 sample failed preflight · 4 service refused · 5 network · 130 interrupted."
)
