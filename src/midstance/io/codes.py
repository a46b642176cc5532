"""Warning codes the importers attach to what they read, declared once with their meaning.

docs/formats.md lists the same codes; a test fails when the two disagree."""

from __future__ import annotations

WARNING_CODES: dict[str, str] = {
    "units_mismatch": "the declared length unit gives an impossible body size; another unit was used",
    "units_assumed": "no length unit declared; it was inferred from the size of the marker cloud",
    "units_implausible": "the unit forced with --units gives an implausible body size",
    "units_unknown": "the declared unit is not mm, cm or m; the unit was checked from the data",
    "markers_empty": "some markers have no sample at all",
    "columns_ignored": "columns that are neither time nor coordinates were skipped",
    "rate_mismatch": "the declared rate and the time stamps (or record lengths) disagree",
    "rate_unexpected": "the measured rate differs from the data set's documented rate",
    "time_irregular": "time steps are uneven; the file's own times are used",
    "marker_count_mismatch": "the header's marker count differs from the marker names",
    "frame_count_mismatch": "the header's frame count differs from the rows in the file",
    "forces_missing": "the force file expected beside the marker file is not there",
    "forces_unreadable": "a force file or the force-platform parameters could not be read",
    "fps_override": "--fps replaced the file's own '# fps='",
    "z_ignored": "_z columns of a pixel keypoint file were dropped",
    "conf_clipped": "confidences outside 0..1 were clipped",
    "people_multiple": "several people were detected; one was followed",
    "person_lost": "the followed person was not found in some frames",
    "frames_missing": "frame numbers skip; times follow the numbers",
}


def warning(code: str, message: str) -> tuple[str, str]:
    """A ``(code, message)`` pair; an undeclared code is a bug in the importer, not bad input."""
    if code not in WARNING_CODES:
        raise ValueError(f"undeclared warning code {code!r}; add it to midstance.io.codes")
    return code, message
