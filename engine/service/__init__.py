"""The Engine facade: the one place where store, runtime and audit meet; what acts on instances."""
