"""The library layer: a :class:`~cosyclone.ops.session.Session` and one module per user action, called the same way
by every front end (``cli/``, ``mcp/``, ``studio/``). Typed options in, typed results out.

- :mod:`~cosyclone.ops.session`: settings, client, registry, embedded emulator, verbose log, evidence; closed together.
- :mod:`~cosyclone.ops.check`: check a sample (``cosyclone check``, MCP ``check_sample``);
  :mod:`~cosyclone.ops.prepare`: validate a request and write its wire JSON (``cosyclone prepare``).
- :mod:`~cosyclone.ops.clone`: clone a voice and write its evidence (``clone``, ``clone_voice``), on top of
  :mod:`~cosyclone.ops.enrollment` (the enrollment workflow, public as ``cosyclone.clone_voice``).
- :mod:`~cosyclone.ops.recordings`: the recordings a front end receives (the studio's uploads), kept in the home
  as the service takes them (browser WebM/Opus converted to 16-bit WAV).
- :mod:`~cosyclone.ops.consent`: verified consent (``clone --consent``, ``cosyclone.verify_consent``): measured by
  :mod:`cosyclone.quality.consent`, refused before anything is sent, kept with the voice.
- :mod:`~cosyclone.ops.speak`: the text source, the output file and the summary of speaking (``speak``,
  ``synthesize``); :mod:`~cosyclone.ops.batch`: many texts at once.
- :mod:`~cosyclone.ops.voices`: list, show, update, delete, sync, import voices.
- :mod:`~cosyclone.ops.score` / :mod:`~cosyclone.ops.compare`: is the clone good, which model clones best.
- :mod:`~cosyclone.ops.demo`: the end-to-end demo; :mod:`~cosyclone.ops.evidence`: the evidence folder.

Who may import it: the front ends and library users. It imports no front end. Nothing is imported here: each
module loads on first use (the CLI's start-up stays fast).
"""
