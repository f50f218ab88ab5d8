"""Palier: local-first follower analytics. Everything but the pages lives here."""

__version__ = "0.1.0"
