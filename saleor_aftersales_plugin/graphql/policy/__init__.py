"""The channel's policy: the published version and its texts, the terms for a product, the return reasons, and the
Dashboard app's editor (builder registries, drafts, versions, checking, simulating, publishing and rollback)."""
