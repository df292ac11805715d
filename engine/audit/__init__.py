"""Audit: records and history, bundles, replay, verify."""
