"""gumd.api."""
