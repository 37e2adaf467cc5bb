"""Benchmarks: scripts that time cosyclone against a baseline measured in the same run."""
