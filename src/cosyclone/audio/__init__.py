"""Audio for voice samples: decode/encode (``io``), pure measurements (``metrics``), the service's sample rules
(``preflight``), repairs (``fix``) and a picture (``plot``).

Import the submodule you need (``from cosyclone.audio.preflight import check_sample``); this package imports
nothing itself so that ``import cosyclone`` stays light. Used by the library surface, the CLI and the emulator;
it imports nothing of ours outside ``cosyclone._exceptions`` and ``cosyclone._files``.
"""
