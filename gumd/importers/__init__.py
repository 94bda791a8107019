"""Importers that bring a user's history from other tools into gumd."""
