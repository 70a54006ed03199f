"""Command-line entry points: thin wrappers, one module per command group."""
