"""sop engine: runs BPMN-defined SOPs on SpiffWorkflow with validated forms and an audited store.

The public API is the one export list in `engine/__init__.pyi` (the Engine facade, its instance handle, the values
they return, the errors, and the few functions the CLI and the web call beside them). Each name loads on first use
(`import engine` costs nothing), so `sop tasks` imports only what it needs.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
