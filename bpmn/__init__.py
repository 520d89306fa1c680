"""Procedure diagrams: provincial templates and unit variants, plus the demo catalogue."""

from pathlib import Path

BPMN_DIR = Path(__file__).resolve().parent
