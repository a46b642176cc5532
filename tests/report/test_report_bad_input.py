"""What the report refuses, each with its one-line message, and what it never touches."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from midstance.errors import InputError
from midstance.report import render_report_from_json, write_report


def _one_line(exc: pytest.ExceptionInfo[InputError]) -> str:
    msg = exc.value.message
    assert "\n" not in msg
    return msg


def test_existing_report_is_not_overwritten_without_force(c3d_case: Any, tmp_path: Path) -> None:
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "index.html").write_text("my old report")
    (folder / "notes.txt").write_text("coach's notes")
    with pytest.raises(InputError) as exc:
        write_report(c3d_case.result, folder)
    msg = _one_line(exc)
    assert "not empty" in msg and "--force" in msg
    assert (folder / "index.html").read_text() == "my old report"
    assert (folder / "notes.txt").read_text() == "coach's notes"
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "notes.txt"]
    # with force the report is replaced, and nothing else is touched or deleted
    write_report(c3d_case.result, folder, force=True)
    assert (folder / "index.html").read_text().startswith("<!DOCTYPE html>")
    assert (folder / "notes.txt").read_text() == "coach's notes"
    assert sorted(p.name for p in folder.iterdir()) == ["index.html", "notes.txt", "result.json"]


def test_an_empty_existing_folder_is_fine(c3d_case: Any, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    assert write_report(c3d_case.result, folder) == folder / "index.html"


def test_unwritable_places_are_refused(c3d_case: Any, tmp_path: Path) -> None:
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    with pytest.raises(InputError) as exc:
        write_report(c3d_case.result, a_file / "report")
    assert "is a file" in _one_line(exc)
    with pytest.raises(InputError) as exc:
        write_report(c3d_case.result, a_file)
    assert "is a file" in _one_line(exc)
    assert a_file.read_text() == "x"


def test_a_read_only_place_is_refused(c3d_case: Any, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # root ignores permission bits; sysfs refuses even root
        target = Path("/sys/midstance-report")
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        target = locked / "report"
    with pytest.raises(InputError) as exc:
        write_report(c3d_case.result, target)
    msg = _one_line(exc)
    assert msg.startswith("cannot write to") and "choose a folder you can write to" in msg
    assert not target.exists()


def test_result_json_of_a_newer_schema_is_refused(c3d_case: Any, tmp_path: Path) -> None:
    data = c3d_case.result.to_dict()
    data["schema_version"] = 2
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError) as exc:
        render_report_from_json(path, tmp_path / "report")
    msg = _one_line(exc)
    assert "schema version 2" in msg and "upgrade midstance" in msg
    assert not (tmp_path / "report").exists() or not any((tmp_path / "report").iterdir())


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json at all", "is not valid JSON"),
        ("[1, 2, 3]", "is not a midstance result"),
        ('{"hello": 1}', "no schema_version"),
        ('{"schema_version": 1, "source": {}}', "incomplete or damaged"),
    ],
)
def test_bad_result_json_is_refused(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "result.json"
    path.write_text(content)
    with pytest.raises(InputError) as exc:
        render_report_from_json(path, tmp_path / "report")
    assert expected in _one_line(exc)


def test_missing_result_json_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        render_report_from_json(tmp_path / "nope.json", tmp_path / "report")


def test_the_wrong_video_is_refused(
    synthetic_case: Any, video_case: Any, rbds_case: Any, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as exc:
        write_report(synthetic_case.result, tmp_path / "a", video=video_case.video)
    assert "pass the video that was analysed" in _one_line(exc)
    with pytest.raises(InputError) as exc:
        write_report(rbds_case.result, tmp_path / "b", video=video_case.video)
    assert "leave out the video" in _one_line(exc)
    with pytest.raises(InputError) as exc:
        write_report(synthetic_case.result, tmp_path / "c", video=tmp_path / "missing.mp4")
    assert "no such file" in _one_line(exc)
    assert list(tmp_path.iterdir()) == [], "a refused video leaves no folder behind"


def test_default_report_folder_is_named_after_the_input(tmp_path: Path) -> None:
    from midstance.report import default_report_dir

    assert default_report_dir(Path("/data/run 1.mp4")) == Path("/data/run 1_report")
    assert default_report_dir(Path("/data/run.mp4"), Path("/out/run.json")) == Path("/out/run_report")
    assert default_report_dir(Path("/data/openpose_json")) == Path("/data/openpose_json_report")
