"""Pictures: renderers that take values (the diagram of an instance, the SOP AP sheet), never the store."""
