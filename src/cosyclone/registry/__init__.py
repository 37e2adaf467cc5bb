"""The local voice registry (SQLite under the user directory): every voice we created or imported.

Who may import it: the enrollment workflow, the speech module (model follows voice), the CLI and the MCP server.
"""

from cosyclone.registry.store import VoiceRecord, VoiceRegistry, account_fingerprint

__all__ = ["VoiceRecord", "VoiceRegistry", "account_fingerprint"]
