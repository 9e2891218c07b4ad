"""The command line: one module per command (filled in below)."""
