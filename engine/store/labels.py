"""How a store is named to people: never with the user, password or options of its URL."""

from __future__ import annotations


def store_label(location: str) -> str:
    """How every message names a store: a SQLite file by its path (relative to the working folder when it is
    below it), a database URL by its scheme, host, port and name only: never a user, a password or options."""
    import os

    if "://" in location and not location.startswith("sqlite:///"):
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(location)
            host = parts.hostname or ""
            port = f":{parts.port}" if parts.port else ""
        except ValueError:  # a port that is no number: name only the scheme
            return location.split("://", 1)[0] + "://..."
        return f"{parts.scheme}://{host}{port}{parts.path}"
    path = location[len("sqlite:///"):] if location.startswith("sqlite:///") else location
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith(os.pardir) else relative
