"""Repairs and warranty claims: the claim, quotes for repairs outside the warranty, and the repair's progress."""
