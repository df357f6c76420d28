"""The policy language: documents, validation, evaluation, windows and business days, fee math, traces."""
