"""Motion-capture importers: one function per format, each returning :class:`MarkerData`.

The readers live in small modules of their own (``c3d``, ``trc``, ``rbds``, ``table``,
``static``); this module is the place to import them from."""

from __future__ import annotations

from midstance.io.c3d import read_c3d
from midstance.io.rbds import read_rbds_txt
from midstance.io.static import find_static_trial
from midstance.io.table import read_marker_table
from midstance.io.trc import read_trc

__all__ = ["find_static_trial", "read_c3d", "read_marker_table", "read_rbds_txt", "read_trc"]
