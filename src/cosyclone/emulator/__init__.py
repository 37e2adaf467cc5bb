"""An offline emulator of DashScope's CosyVoice endpoints (enrollment, uploads, WebSocket and HTTP synthesis).

Who may import it: the CLI (``cosyclone emulator``, ``--emulator``, ``demo``), tests and benchmarks. It builds and
parses wire messages only through :mod:`cosyclone.schema` and never imports :mod:`cosyclone.client`.
"""
