"""Mutations of repairs and warranty claims."""
