"""The only package that imports SpiffWorkflow: workflows, fixes, state upgrades, timers, migration plans."""
