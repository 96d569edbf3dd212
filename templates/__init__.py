"""Editions: one folder per notice (rules.toml, labels and Jinja2 text blocks)."""
