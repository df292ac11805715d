"""The SOP as a table: model, YAML reading, graph, layout, compiling to BPMN and back."""
