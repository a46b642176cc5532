"""The catalogue of broken inputs: each gives an InputError whose one-line message says what is wrong
and what to do; no raw exception (ValueError, struct.error, ezc3d's errors …) gets through."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from midstance.errors import InputError
from midstance.io import load_keypoints, load_markers, read_c3d, read_rbds_txt, read_trc, sniff


@dataclass
class Ctx:
    tmp: Path
    mocap: Path
    human: Callable[..., dict[str, np.ndarray]]
    trc: Callable[..., Path]
    c3d: Callable[..., Path]


@pytest.fixture
def ctx(tmp_path: Path, mocap_dir: Path, human, trc_writer, c3d_writer) -> Ctx:
    return Ctx(tmp_path, mocap_dir, human, trc_writer, c3d_writer)


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def _folder(path: Path, files: dict[str, str]) -> Path:
    path.mkdir()
    for name, text in files.items():
        (path / name).write_text(text)
    return path


def _real_c3d_head(c: Ctx, n_bytes: int, name: str = "cut.c3d") -> Path:
    return _write(c.tmp / name, (c.mocap / "Running_0002.c3d").read_bytes()[:n_bytes])


def _table(c: Ctx, name: str, body: list[str], header: str | None = None) -> Path:
    markers = list(c.human())[:4]
    head = header or "time," + ",".join(f"{m}_{a}" for m in markers for a in "xyz")
    return _write(c.tmp / name, head + "\n" + "\n".join(body) + "\n")


def _row(t: float, values: list[str] | None = None, n: int = 12) -> str:
    return ",".join([f"{t:g}", *(values or [f"{100 * (i % 3) + 500 * (i // 3)}" for i in range(n)])])


def _mm_trc_with_scale(c: Ctx, name: str, scale: float, units: str) -> Path:
    return c.trc(c.tmp / name, {k: v * scale for k, v in c.human(n=10).items()}, 100.0, units=units)


# Each case: id, builder(ctx) -> path, loader, expected message (regex, searched in the message).
CASES: list[tuple[str, Callable[[Ctx], Path], Callable[[Path], Any], str]] = [
    (
        "missing path",
        lambda c: c.tmp / "nope.c3d",
        load_markers,
        r"nope\.c3d does not exist; check the path$",
    ),
    (
        "empty c3d",
        lambda c: _write(c.tmp / "x.c3d", b""),
        load_markers,
        r"^x\.c3d is empty \(0 bytes\); pass a video",
    ),
    ("empty csv", lambda c: _write(c.tmp / "k.csv", ""), load_keypoints, r"^k\.csv is empty \(0 bytes\)"),
    (
        "truncated c3d (1000 bytes)",
        lambda c: _real_c3d_head(c, 1000),
        load_markers,
        r"^cut\.c3d is truncated \(1000 bytes; its frame data should start at byte 13824\); copy or export",
    ),
    (
        "truncated c3d (frames cut)",
        lambda c: _real_c3d_head(c, 100_000),
        load_markers,
        r"^cut\.c3d is truncated: its header announces 80 frames but the file holds only 25; copy or export",
    ),
    (
        "truncated c3d read directly",
        lambda c: _real_c3d_head(c, 600),
        read_c3d,
        r"cut\.c3d is truncated",
    ),
    (
        "text named .c3d",
        lambda c: _write(c.tmp / "x.c3d", "Time,LASI_x\n0,1\n"),
        load_markers,
        r"^x\.c3d is not a C3D file: it looks like text; ",
    ),
    (
        "text given to read_c3d",
        lambda c: _write(c.tmp / "x.c3d", "hello world\n"),
        read_c3d,
        r"^x\.c3d is not a C3D file: it looks like text; export the trial as C3D",
    ),
    (
        "binary given to read_c3d",
        lambda c: _write(c.tmp / "x.c3d", bytes(range(7, 200))),
        read_c3d,
        r"^x\.c3d is not a C3D file \(its header is 07 08 09 0a 0b 0c 0d 0e\); "
        r"export the trial as C3D or TRC$",
    ),
    (
        "unknown binary",
        lambda c: _write(c.tmp / "blob.bin", b"\x00\x01\x02\x03" * 100),
        load_markers,
        r"^blob\.bin is not a file midstance can read: unknown binary content \(starts 00 01 02 03",
    ),
    (
        "all-NaN marker table",
        lambda c: _table(c, "nan.csv", [_row(t, ["NaN"] * 12) for t in (0, 0.01, 0.02)]),
        load_markers,
        r"^nan\.csv holds no marker positions \(every marker sample is missing\)",
    ),
    (
        "missing time column",
        lambda c: _table(
            c,
            "notime.csv",
            ["1,2,3,4,5,6,7,8,9,10,11,12"] * 3,
            header="a_x,a_y,a_z,b_x,b_y,b_z,c_x,c_y,c_z,d_x,d_y,d_z",
        ),
        load_markers,
        r"^notime\.csv has no time column \(expected Time, time_s or Frame\); add one, or give the rate",
    ),
    (
        "no marker columns",
        lambda c: _write(c.tmp / "cols.txt", "Time\tForceX\tSpeed\n0\t1\t2\n"),
        read_rbds_txt,
        r"^cols\.txt has no marker columns \(expected <name>X <name>Y <name>Z",
    ),
    (
        "one frame",
        lambda c: _table(c, "one.csv", [_row(0.0)]),
        load_markers,
        r"^one\.csv has 1 frame; a trial needs at least 2",
    ),
    (
        "implausible magnitudes",
        lambda c: _mm_trc_with_scale(c, "huge.trc", 1e9, "mm"),
        load_markers,
        r"^huge\.trc: marker coordinates are implausible in any unit \(markers span 1\.73e\+09 in the file's "
        r"numbers; a person spans about 1–2 m, i\.e\. ~1000–2000 mm\); check the export's units$",
    ),
    (
        "bad number",
        lambda c: _table(c, "abc.csv", [_row(0.0), _row(0.01, ["1", "abc"] + ["1"] * 10)]),
        load_markers,
        r"^abc\.csv line 3, column 'LASI_y': 'abc' is not a number; fix or delete that row$",
    ),
    (
        "time backwards",
        lambda c: _table(c, "back.csv", [_row(0.0), _row(0.01), _row(0.005)]),
        load_markers,
        r"^back\.csv: time goes backwards or repeats at line 4 \(0\.01 then 0\.005\)",
    ),
    (
        "too many cells",
        lambda c: _table(c, "wide.csv", [_row(0.0), _row(0.01, ["1"] * 14)]),
        load_markers,
        r"^wide\.csv line 3 has 15 cells but the header names 13 columns",
    ),
    (
        "force table as markers",
        lambda c: _write(
            c.tmp / "RBDS001runT25forces.txt",
            "Time\tFx\tFy\tFz\tCOPx\tCOPy\tCOPz\tTy\n1\t0\t0\t0\t0\t0\t0\t0\n",
        ),
        load_markers,
        r"is a force-plate table, not markers; pass the marker file",
    ),
    (
        "OpenSim .mot as markers",
        lambda c: _write(c.tmp / "w.mot", "w\nversion=1\nendheader\ntime\tground_force_vy\n0\t1\n"),
        load_markers,
        r"^w\.mot is an OpenSim \.mot/\.sto file \(forces or angles\), not markers; pass the \.trc",
    ),
    (
        "TRC without frames",
        lambda c: _write(
            c.tmp / "h.trc",
            "PathFileType\t4\t(X/Y/Z)\th.trc\nDataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\n"
            "100\t100\t0\t1\tmm\nFrame#\tTime\tA\t\t\n\t\tX1\tY1\tZ1\n\n",
        ),
        load_markers,
        r"^h\.trc has a TRC header but no frames",
    ),
    (
        "TRC with a broken key line",
        lambda c: _write(
            c.tmp / "k.trc", "PathFileType\t4\t(X/Y/Z)\tk.trc\nfoo\tbar\n1\t2\nFrame#\tTime\tA\n\t\tX1\n"
        ),
        read_trc,
        r"^k\.trc is not a valid TRC file: line 2 should name DataRate",
    ),
    (
        "C3D with one frame",
        lambda c: c.c3d(c.tmp / "one.c3d", {k: v[:1] * 1000 for k, v in c.human().items()}, 100.0),
        load_markers,
        r"^one\.c3d has 1 frame; a trial needs at least 2",
    ),
    (
        "C3D whose markers are all gaps",
        lambda c: c.c3d(c.tmp / "gaps.c3d", {k: v * np.nan for k, v in c.human(n=5).items()}, 100.0),
        load_markers,
        r"^gaps\.c3d holds no marker positions",
    ),
    (
        "folder without OpenPose files",
        lambda c: _folder(c.tmp / "empty_dir", {"notes.txt": "x", "data.json": '{"a": 1}'}),
        load_keypoints,
        r"^folder empty_dir holds no OpenPose \*_keypoints\.json files",
    ),
    (
        "single OpenPose frame",
        lambda c: _write(c.tmp / "f_0_keypoints.json", '{"version": 1.3, "people": []}'),
        load_keypoints,
        r"^f_0_keypoints\.json is a single OpenPose frame; pass the folder",
    ),
    (
        "keypoint CSV without time or fps",
        lambda c: _write(c.tmp / "kp.csv", "left_hip_x,left_hip_y\n1,2\n3,4\n"),
        load_keypoints,
        r"^kp\.csv has no time_s column and no '# fps=' line; pass --fps$",
    ),
    (
        "keypoint CSV given as motion capture",
        lambda c: _write(c.tmp / "kp.csv", "time_s,left_hip_x,left_hip_y\n0,1,2\n0.1,3,4\n"),
        load_markers,
        r"^kp\.csv is a keypoint CSV, not motion capture; pass a C3D, TRC or marker file$",
    ),
    (
        "video given as keypoints",
        lambda c: _write(c.tmp / "v.mp4", b"\x00\x00\x00\x20ftypisom" + b"\x00" * 100),
        load_keypoints,
        r"^v\.mp4 is a video, not keypoints; pass a keypoint CSV or an OpenPose JSON folder$",
    ),
    (
        "only comments",
        lambda c: _write(c.tmp / "c.csv", "# fps=30\n# nothing else\n"),
        sniff,
        r"^c\.csv holds only comments or blank lines",
    ),
    (
        "unknown text",
        lambda c: _write(c.tmp / "notes.txt", "Dear diary,\ntoday I ran.\n"),
        load_markers,
        r"^notes\.txt is text but not a format midstance reads \(header: Dear diary\); pass a video",
    ),
]


@pytest.mark.parametrize(("builder", "loader", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_catalogue(
    ctx: Ctx, builder: Callable[[Ctx], Path], loader: Callable[[Path], Any], message: str
) -> None:
    path = builder(ctx)
    with pytest.raises(InputError) as info:
        loader(path)
    err = info.value
    assert err.exit_code == 2
    assert "\n" not in err.message
    assert err.message == str(err)
    assert re.search(message, err.message), f"message was: {err.message}"


# Accepted despite a problem: the data is read, and the warning says what was assumed.
def test_mm_in_a_file_that_says_m(ctx: Ctx) -> None:
    path = _mm_trc_with_scale(ctx, "mm_as_m.trc", 1000.0, "m")
    m = load_markers(path)
    assert m.units_in_file == "mm"
    assert 1.5 < max(np.nanmax(v[:, 1]) for v in m.markers.values()) < 2.0  # head height in metres
    (code, msg), *_ = m.warnings
    assert code == "units_mismatch"
    assert msg.startswith("mm_as_m.trc says m but its marker spread is 17")
    assert msg.endswith("read as mm; pass --units to override")


def test_m_in_a_file_that_says_mm(ctx: Ctx) -> None:
    path = ctx.c3d(ctx.tmp / "m_as_mm.c3d", ctx.human(n=10), 100.0, units="mm")
    m = load_markers(path)
    assert m.units_in_file == "m"
    assert dict(m.warnings)["units_mismatch"].startswith("m_as_mm.c3d says mm but its marker spread is 1.7")


@pytest.mark.parametrize(
    "content",
    [
        b"\x00" * 3,
        b"\x02\x50" + b"\xff" * 30,  # C3D key but nothing behind it
        b"\x02\x50" + b"\x00" * 2000,  # C3D key, zeroed header and parameters
        b"PathFileType\n",
        b"PathFileType\t4\nDataRate\tNumMarkers\nx\ty\nFrame#\tTime\tA\n\t\tX1\n1\t0\t1\n",
        b"Time\tAX\tAY\tAZ\n0\t1\n",
        b"time_s,left_hip_x,left_hip_y\n0,1\n",
        "\ufeffTime,AX,AY,AZ\r\n0,1,2,3\r\n0.01,1,2,3\r\n".encode(),
        bytes(range(256)) * 4,
        "é".encode("latin-1") * 50,
    ],
)
@pytest.mark.parametrize("loader", [load_markers, load_keypoints])
def test_garbage_only_ever_raises_input_error(
    tmp_path: Path, content: bytes, loader: Callable[[Path], Any]
) -> None:
    for suffix in (".c3d", ".txt", ".csv", ".trc"):
        path = tmp_path / f"g{suffix}"
        path.write_bytes(content)
        try:
            loader(path)
        except InputError as exc:
            assert "\n" not in exc.message
