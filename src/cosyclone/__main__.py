"""``python -m cosyclone`` runs the CLI."""

from cosyclone.cli.app import main

main()
