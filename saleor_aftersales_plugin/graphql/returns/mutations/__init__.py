"""Mutations of returns and exchanges."""
