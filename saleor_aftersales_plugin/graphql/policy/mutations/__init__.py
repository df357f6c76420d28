"""Mutations on the channel's policy: check a document, simulate a draft, publish or roll back."""
