"""gumd.observers."""
