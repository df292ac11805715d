"""The `sop` command line: parse, one engine call, render."""
