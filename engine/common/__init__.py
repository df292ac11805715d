"""Helpers every layer uses: errors, canonical JSON, durations, YAML, expressions, the calendar, values."""
