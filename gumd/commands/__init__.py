"""The command groups of the `gumd` CLI, one module each."""
