"""The emulator's state and the service's rules over it: accounts, voices and their lifecycle, uploads, results,
samples (download, inline data URIs, judging), persistence, and the backend that joins them per resource.

Who may import it: the API layer (:mod:`cosyclone.emulator.api`), the server runner and tests. It never imports
:mod:`cosyclone.emulator.api`; of :mod:`cosyclone.emulator.voice` it uses the engine choice and the binding.
"""
