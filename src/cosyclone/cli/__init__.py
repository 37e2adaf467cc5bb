"""The ``cosyclone`` command line: one module per command group. Commands parse, call the library and render;
they hold no business rules. Heavy imports (numpy, httpx, the emulator) happen inside commands, never at
start-up, so ``cosyclone --help`` stays fast.
"""
