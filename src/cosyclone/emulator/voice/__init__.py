"""The emulator's voices: which engine speaks (:mod:`.engine_choice`), the seam the synthesis rules call
(:mod:`.engines`: ``voice_for``, ``render_sentence``, the per-language speech engines), the formant engine, the
English speech engine and its front end, the binding of a cloned voice to an engine voice, its background worker,
and the WORLD transforms.

Who may import it: the API layer's synthesis rules, the state (engine choice, binding), the server, tests and
benchmarks. It imports nothing from :mod:`cosyclone.emulator.api` or :mod:`cosyclone.emulator.state`.
"""
