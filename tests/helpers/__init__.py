"""Helpers shared by several test packages (fixtures to import into a conftest, small utilities)."""
