"""C3D motion-capture files (markers and force platforms) through ezc3d.

ezc3d silently returns fewer frames from a truncated file and rewrites the frame count it reports,
so the header is read here first to know how many frames the file promised."""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from midstance.errors import InputError
from midstance.io.assemble import RawMarkers, finish, unique_labels
from midstance.io.codes import warning
from midstance.io.text import read_head
from midstance.io.units import normalise_unit
from midstance.mocap.data import ForcePlate, MarkerData

log = logging.getLogger(__name__)

C3D_KEY = 0x50  # second byte of every C3D file
_BLOCK = 512
#: the parameter section starts at most 254 blocks in (its block number is one byte)
_HEADER_PROBE = 256 * _BLOCK
#: processor-type byte in the parameter section: 84 Intel, 85 DEC (both little-endian), 86 MIPS
_BIG_ENDIAN_PROCESSOR = 86
#: POINT groups that hold model outputs (angles, moments …), not marker positions
_NON_MARKER_GROUPS = ("ANGLES", "FORCES", "MOMENTS", "POWERS", "SCALARS", "REACTIONS")
#: ezc3d's failures: SWIG maps C++ I/O errors to OSError and std exceptions to these
_EZC3D_ERRORS = (OSError, RuntimeError, ValueError, IndexError, TypeError, KeyError)


@dataclass(frozen=True)
class C3DHeader:
    n_points: int
    first_frame: int
    last_frame: int
    data_start_byte: int

    @property
    def n_frames(self) -> int:
        return self.last_frame - self.first_frame + 1


def hex_head(raw: bytes, n: int = 8) -> str:
    return " ".join(f"{b:02x}" for b in raw[:n])


def _is_utf8(probe: bytes) -> bool:
    try:
        probe.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the end of the probe is still text.
        return exc.start >= len(probe) - 3 and exc.reason.startswith("unexpected end")
    return True


def looks_like_text(raw: bytes) -> bool:
    """No NUL bytes in the first kilobyte, and either valid UTF-8 or nearly all plain ASCII (an old
    Latin-1 export with a few accented names is still text; random bytes are not)."""
    probe = raw[:1024]
    if not probe or b"\x00" in probe:
        return False
    if _is_utf8(probe):
        return True
    ascii_text = sum(32 <= b < 127 or b in (9, 10, 13) for b in probe)
    return ascii_text / len(probe) > 0.95


def parse_header(raw: bytes, size: int, path: Path) -> C3DHeader:
    """The C3D header words this reader needs, or an InputError when it is not (all) there.

    ``raw`` is the start of the file (enough to hold the parameter block's first bytes), ``size``
    the file's length."""
    name = path.name
    if len(raw) < 2 or raw[1] != C3D_KEY or raw[0] == 0:
        if looks_like_text(raw):
            raise InputError(
                f"{name} is not a C3D file: it looks like text; export the trial as C3D, "
                "or pass the text file with its real extension (.trc, .txt, .csv)"
            )
        raise InputError(
            f"{name} is not a C3D file (its header is {hex_head(raw)}); export the trial as C3D or TRC"
        )
    param_byte = (raw[0] - 1) * _BLOCK
    if size < max(_BLOCK, param_byte + 4) or len(raw) < param_byte + 4:
        raise InputError(
            f"{name} is truncated ({size} bytes, the C3D parameter section is missing); "
            "copy or export the file again"
        )
    order = ">" if raw[param_byte + 3] == _BIG_ENDIAN_PROCESSOR else "<"
    n_points, _analog, first, last = struct.unpack(order + "4H", raw[2:10])
    (data_block,) = struct.unpack(order + "H", raw[16:18])
    return C3DHeader(n_points, first, last, (data_block - 1) * _BLOCK)


def _param(params: Any, group: str, key: str) -> list[Any] | None:
    try:
        value = params[group][key]["value"]
    except (KeyError, TypeError):
        return None
    return list(np.atleast_1d(value)) if not isinstance(value, list) else value


def _labels(params: Any, n_points: int) -> list[str]:
    """POINT:LABELS continued by LABELS2, LABELS3 … (files with more than 255 points)."""
    labels: list[str] = [str(s).strip() for s in (_param(params, "POINT", "LABELS") or [])]
    k = 2
    while len(labels) < n_points:
        more = _param(params, "POINT", f"LABELS{k}")
        if not more:
            break
        labels.extend(str(s).strip() for s in more)
        k += 1
    labels = labels[:n_points]
    labels.extend("" for _ in range(n_points - len(labels)))
    return unique_labels(labels)


def _model_output_labels(params: Any) -> set[str]:
    out: set[str] = set()
    for group in _NON_MARKER_GROUPS:
        for lab in _param(params, "POINT", group) or []:
            if str(lab).strip():
                out.add(str(lab).strip())
    return out


def _plates(c3d: Any, analog_rate: float) -> tuple[ForcePlate, ...]:
    plates = []
    for pf in c3d["data"].get("platform", []) or []:
        force = np.asarray(pf["force"], dtype=float).T
        if force.ndim != 2 or force.shape[0] == 0:
            continue
        force_scale = 1000.0 if str(pf.get("unit_force", "N")).strip().lower() == "kn" else 1.0
        cop = pf.get("center_of_pressure")
        cop_m = None
        if cop is not None:
            pos_unit = normalise_unit(str(pf.get("unit_position", "mm"))) or "mm"
            cop_m = np.asarray(cop, dtype=float).T * {"mm": 1e-3, "cm": 1e-2, "m": 1.0}[pos_unit]
        plates.append(ForcePlate(force_n=force * force_scale, rate_hz=analog_rate, cop_m=cop_m))
    return tuple(plates)


def _open(path: Path) -> tuple[Any, list[tuple[str, str]]]:
    """ezc3d with force platforms; if the platform parameters are broken, the markers alone."""
    import ezc3d  # imported here: only C3D input needs the compiled library

    try:
        return ezc3d.c3d(str(path), extract_forceplat_data=True), []
    except _EZC3D_ERRORS as exc:
        first_error = exc
    try:
        c3d = ezc3d.c3d(str(path))
    except _EZC3D_ERRORS as exc:
        reason = str(exc).split(":")[0].strip() or type(exc).__name__
        raise InputError(
            f"{path.name} could not be read as C3D ({reason}); re-export the trial as C3D or TRC"
        ) from exc
    reason = " ".join(str(first_error).split())
    msg = f"force platforms in {path.name} could not be read ({reason}); markers only"
    log.warning(msg)
    return c3d, [warning("forces_unreadable", msg)]


def read_c3d(path: str | Path, units: str | None = None) -> MarkerData:
    """Markers (metres, lab frame, ``NaN`` gaps) and force platforms of a C3D file.

    Gaps are samples with a negative residual or stored as exactly (0, 0, 0). Time starts at 0 at
    the first frame whatever the header's first frame number. Lab axes are not documented by C3D,
    so up/forward are left for the marker model to find."""
    p = Path(path)
    head, size = read_head(p, "C3D", _HEADER_PROBE)
    header = parse_header(head, size, p)
    if header.n_frames > 0 and size <= header.data_start_byte:
        raise InputError(
            f"{p.name} is truncated ({size} bytes; its frame data should start at byte "
            f"{header.data_start_byte}); copy or export the file again"
        )
    c3d, warnings = _open(p)
    params = c3d["parameters"]
    points = np.asarray(c3d["data"]["points"], dtype=float)  # (4, n_points, n_frames)
    n_frames = points.shape[2] if points.ndim == 3 else 0
    if n_frames < header.n_frames:
        raise InputError(
            f"{p.name} is truncated: its header announces {header.n_frames} frames but the file holds "
            f"only {n_frames}; copy or export the file again"
        )
    rate = float((_param(params, "POINT", "RATE") or [c3d["header"]["points"]["frame_rate"]])[0])
    labels = _labels(params, points.shape[1] if points.ndim == 3 else 0)
    skip = _model_output_labels(params)

    xyz = points[:3].copy() if n_frames else np.zeros((3, len(labels), 0))
    gap = np.all(xyz == 0.0, axis=0)
    if points.shape[0] > 3:
        gap |= points[3] < 0
    xyz[:, gap] = np.nan
    markers = {lab: xyz[:, i, :].T.copy() for i, lab in enumerate(labels) if lab not in skip}

    declared_text = (_param(params, "POINT", "UNITS") or [None])[0]
    declared = normalise_unit(str(declared_text)) if declared_text is not None else None
    if declared_text is not None and declared is None:
        warnings.append(
            warning("units_unknown", f"{p.name} declares POINT:UNITS {declared_text!r}; checked from data")
        )

    analog_rate = float((_param(params, "ANALOG", "RATE") or [0.0])[0])
    plates = _plates(c3d, analog_rate) if analog_rate > 0 else ()
    meta = {
        "first_frame": str(c3d["header"]["points"]["first_frame"]),
        "analog_rate_hz": f"{analog_rate:g}",
    }
    if skip:
        meta["model_outputs_skipped"] = str(len(skip & set(labels)))
    return finish(
        RawMarkers(
            path=p,
            fmt="c3d",
            markers=markers,
            rate_hz=rate,
            time_s=np.arange(n_frames) / rate if rate > 0 else np.zeros(n_frames),
            declared_unit=declared,
            plates=plates,
            warnings=warnings,
            meta=meta,
        ),
        units,
    )
