"""Reading BPMN: XML, DI, the diagram checks shared by lint and load, task properties."""
