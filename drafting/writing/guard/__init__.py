"""The fact guard: what a draft says that its source does not (numbers, names, documents, whole sentences)."""
