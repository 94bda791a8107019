"""gumd.nap."""
