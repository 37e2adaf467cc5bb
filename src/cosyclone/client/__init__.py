"""The CosyVoice client: ``Client`` / ``AsyncClient`` with ``voices``, ``uploads`` (and ``speech``).

Builds and parses wire messages only through :mod:`cosyclone.schema`; never imports the emulator.
"""

from cosyclone.client._client import AsyncClient, Client, ClientSettingsDict
from cosyclone.client.types import CreatedVoice, UploadedFile, Voice, VoicePage

__all__ = ["AsyncClient", "Client", "ClientSettingsDict", "CreatedVoice", "UploadedFile", "Voice", "VoicePage"]
