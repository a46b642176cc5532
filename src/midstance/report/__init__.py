"""The report: a self-contained HTML page (key frames with plumb lines, plots, findings) and an
annotated overlay video."""

from midstance.report.build import render_report_from_json, write_report
from midstance.report.folder import default_report_dir
from midstance.report.overlay import write_overlay

__all__ = ["default_report_dir", "render_report_from_json", "write_overlay", "write_report"]
