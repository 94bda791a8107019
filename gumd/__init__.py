"""gumd: an on-device general user model daemon."""

__version__ = "0.1.0"
