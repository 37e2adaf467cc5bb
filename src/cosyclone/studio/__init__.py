"""The studio: a local web page to record a sample, check it, consent, clone, listen and see the score.

A third front end beside ``cli/`` and the MCP server, with no rules of its own: every action calls the library
(the preflight in :mod:`cosyclone.audio.preflight`, :mod:`cosyclone.ops.consent`, :mod:`cosyclone.ops.clone`, the
client's speech with :mod:`cosyclone.ops.speak`, :mod:`cosyclone.ops.score`, :mod:`cosyclone.ops.voices`).

- :mod:`~cosyclone.studio.app`: the Starlette application, its guards (own ``Host``/``Origin`` only, upload caps,
  a strict content security policy) and the routes of the JSON API the page calls.
- :mod:`cosyclone.ops.recordings` (in the library layer): where the studio keeps what the browser sends
  (``$COSYCLONE_HOME/studio``): recordings converted to 16-bit PCM WAV, preflight pictures, speech.
- :mod:`~cosyclone.studio.jobs`: the long actions (clone, score) run in a worker thread the page polls.
- ``static/``: the page (``index.html``, ``studio.js``, ``studio.css``): plain HTML and JavaScript, no build step.

Who may import it: ``cosyclone.cli.studio`` (which serves it) and tests. Nothing else imports a front end.
"""
