"""The emulator's wire layer: HTTP and WebSocket routes, request parsing and replies, the control plane and the
OpenAPI description. Handlers reach the state only through :mod:`cosyclone.emulator.ports`.

Who may import it: the server runner (:mod:`cosyclone.emulator.server`) and tests. It imports
:mod:`cosyclone.emulator.state` only for the backend type the app is built on, and
:mod:`cosyclone.emulator.voice` only through the synthesis rules.
"""
