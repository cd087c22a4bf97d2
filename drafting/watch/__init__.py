"""Watching regulators and news sources: the watch list, polling, triage against the firm's own items, the inbox."""
