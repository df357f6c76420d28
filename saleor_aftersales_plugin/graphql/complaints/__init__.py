"""Complaints about an order: opened by the customer, answered and resolved without moving money."""
