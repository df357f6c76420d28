"""Mutations on a case of any kind; :mod:`.base` is what every case mutation shares."""
