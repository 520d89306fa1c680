"""The BPMN modeler for the provincial templates (issue 4)."""
