"""Definitions: the catalog of a folder, bundles pinned by hash, forms, roles."""
