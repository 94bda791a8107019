"""gumd.propositions."""
