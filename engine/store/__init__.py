"""The store: its protocol and rows, SQLite and PostgreSQL dialects, schemas, opening one by URL."""
