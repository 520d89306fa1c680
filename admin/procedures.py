"""A procedure's diagrams: the step configurator of a unit, versions and their differences."""
