"""sop engine: runs BPMN-defined SOPs on SpiffWorkflow with validated forms and an audited store."""
