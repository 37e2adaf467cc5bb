"""The MCP front end (``cosyclone mcp``): :mod:`~cosyclone.mcp.server` (the tools), :mod:`~cosyclone.mcp.arguments`
(their argument types) and :mod:`~cosyclone.mcp.errors` (errors as tool errors). It parses, calls
:mod:`cosyclone.ops` and shapes JSON; it never imports the CLI. Nothing is imported here (the server loads on use).
"""
