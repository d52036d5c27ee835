"""Renderers: each reads the explanation document (or diagnostics) and writes one format."""
