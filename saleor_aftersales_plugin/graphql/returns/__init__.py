"""Returns and exchanges: eligibility of an order's lines, requests, cancelling, receiving and inspecting."""
