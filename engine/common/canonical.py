"""Canonical JSON and content hashes: the one byte form that version and event hashes are taken over."""

from __future__ import annotations

from typing import Any


def canonical_json(value: Any) -> str:
    """Sorted keys, no insignificant whitespace, non-ASCII kept as UTF-8 characters."""
    import json

    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_hex(text: str) -> str:
    """Hex SHA-256 of a text's UTF-8 bytes."""
    import hashlib  # 4 ms of OpenSSL start-up that listing commands do not need

    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain_hash(previous: str, event: dict[str, Any]) -> str:
    """hash = sha256(previous hash + canonical JSON of the event without its hash)."""
    body = {k: v for k, v in event.items() if k != "hash"}
    return sha256_hex(previous + canonical_json(body))
