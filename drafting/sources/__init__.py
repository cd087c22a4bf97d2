"""Bringing source text in: links, attachments, scans, Traditional script, and raw-text clean-up."""
