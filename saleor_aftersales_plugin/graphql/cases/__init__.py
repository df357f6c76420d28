"""Cases of every kind: the case type with its lines and events, what customers may see of it, the case lists, and
the work on a case that every kind shares."""
