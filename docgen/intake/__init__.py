"""Intake: the applicants' Excel workbooks and Word narratives into an ordinary city file.

A front stage of docgen (ARCHITECTURE.md, "Growing the pipeline"): ``template`` writes the forms
to fill, ``collect`` reads the filled files into ``city.json`` plus a source map (JSON path ->
file, sheet, cell) and runs docgen's own validation, naming every finding by its cell, ``export``
turns an existing city file into the forms. Library code returns findings and raises typed
errors; ``report`` words the findings, grouped per file; only ``docgen.cli`` prints.
"""

from __future__ import annotations

from .collect import CollectResult, IntakeError, collect
from .export import export_city
from .findings import IntakeFinding, Place
from .report import file_titles, format_intake_findings
from .template import Written, write_template

__all__ = [
    "CollectResult",
    "IntakeError",
    "IntakeFinding",
    "Place",
    "Written",
    "collect",
    "export_city",
    "file_titles",
    "format_intake_findings",
    "write_template",
]
