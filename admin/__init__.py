"""The admin editor (modeler, step configurator, catalogue): see issue 4."""
