"""The package version (single source; read by hatchling and `cosyclone --version`)."""

__version__ = "0.1.0"
