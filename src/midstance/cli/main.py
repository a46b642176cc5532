"""`midstance` command line. Exit codes (DESIGN.md §2): 0 done, 2 unusable input or arguments,
3 analysis impossible, 1 internal error."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from midstance import __version__
from midstance.errors import ISSUES_URL, InputError, MidstanceError
from midstance.settings import AnalysisSettings
from midstance.web.cli import add_web_commands, run_command

log = logging.getLogger("midstance")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{message} (see `midstance {self.prog.split()[-1]} --help`)")


def _add_settings(p: argparse.ArgumentParser) -> None:
    for f in fields(AnalysisSettings):
        flag = f.metadata.get("flag")
        if not flag:
            continue
        kw: dict = {"dest": f.name, "default": f.default, "help": f.metadata["help"].replace("%", "%%")}
        if f.metadata.get("choices"):
            kw["choices"] = f.metadata["choices"]
        else:
            kw["type"] = float
            kw["metavar"] = f.name.split("_")[-1].upper() if f.name != "height_cm" else "CM"
        p.add_argument(flag, **kw)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="midstance",
        description="Running-form analysis: at midstance, is the hip over the ankle, or behind it?",
    )
    parser.add_argument("--version", action="version", version=f"midstance {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    a = sub.add_parser(
        "analyze",
        help="analyse a video, keypoint file or motion-capture trial",
        description="Analyse one running trial: a side-view video, a keypoint CSV / OpenPose "
        "folder, or motion capture (C3D, TRC, marker text).",
    )
    a.add_argument(
        "input", type=Path, help="video, keypoint CSV, OpenPose JSON folder, C3D, TRC or marker file"
    )
    a.add_argument("--json", type=Path, help="write the result as JSON here")
    a.add_argument("--csv", type=Path, help="write one row per stance as CSV here")
    a.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="write the HTML report here (default: <input stem>_report/ next to the JSON, or the input)",
    )
    a.add_argument("--no-report", action="store_true", help="do not write the HTML report")
    a.add_argument(
        "--overlay", type=Path, metavar="F", help="write an annotated MP4 of the clip here (video input)"
    )
    a.add_argument(
        "--slowdown", type=float, default=1.0, metavar="X", help="play the overlay X times slower (default 1)"
    )
    a.add_argument(
        "--keypoints",
        type=Path,
        metavar="F",
        help="where the video's pose keypoints are saved and reused (default: <input stem>.keypoints.csv "
        "next to the report)",
    )
    _add_settings(a)
    a.add_argument(
        "--rear", type=Path, help="a second clip of the same run filmed from behind (pelvis, core action)"
    )
    a.add_argument("--fps", type=float, help="frame rate for inputs without time (OpenPose JSON folders)")
    a.add_argument("--units", choices=("mm", "cm", "m"), help="override the motion-capture file's units")
    a.add_argument(
        "--markers", type=Path, help="JSON file naming the markers for hip, knee, ankle, heel, toe"
    )
    a.add_argument("--static", type=Path, help="static calibration trial (found beside the trial by default)")
    a.add_argument(
        "--person",
        type=int,
        metavar="N",
        help="with several people in view, follow candidate N (0 = the runner as ranked)",
    )
    a.add_argument(
        "--capture-fps",
        type=float,
        metavar="F",
        help="the frame rate a slow-motion clip was filmed at (e.g. 240), when the file does not say",
    )
    a.add_argument(
        "--frame-stride",
        type=int,
        default=1,
        metavar="K",
        help="run pose on every K-th frame only (2 halves pose time on 60 fps clips)",
    )
    a.add_argument("--force", action="store_true", help="overwrite existing outputs")
    a.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    a.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    r = sub.add_parser(
        "report",
        help="render the HTML report again from a saved result JSON",
        description="Render the HTML report from a result JSON written by `midstance analyze`.",
    )
    r.add_argument("result", type=Path, help="result JSON")
    r.add_argument(
        "--video", type=Path, help="the analysed clip (for key frames on the runner's own picture)"
    )
    r.add_argument("--out", type=Path, metavar="DIR", help="report folder (default: <result stem>_report/)")
    r.add_argument("--force", action="store_true", help="replace an existing report")
    r.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    r.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    add_web_commands(sub)
    return parser


def cmd_analyze(args: argparse.Namespace) -> int:
    from midstance.cli.progress import progress_bar
    from midstance.cli.summary import print_summary
    from midstance.pipeline import InputOptions, OutputPlan, run_full
    from midstance.report import default_report_dir

    settings = AnalysisSettings(
        height_cm=args.height_cm,
        slope_pct=args.slope_pct,
        setting=args.setting,
        kinematics_cutoff_hz=args.kinematics_cutoff_hz,
        max_gap_s=args.max_gap_s,
    )
    if args.frame_stride < 1:
        raise InputError(f"--frame-stride must be 1 or more, got {args.frame_stride}")
    if args.slowdown < 1:
        raise InputError(f"--slowdown must be 1 or more (2 = half speed), got {args.slowdown:g}")
    report_dir = None if args.no_report else (args.report or default_report_dir(args.input, args.json))
    plan = OutputPlan(
        json=args.json,
        csv=args.csv,
        report_dir=report_dir,
        overlay=args.overlay,
        overlay_slowdown=args.slowdown,
        force=args.force,
    )
    cache = args.keypoints
    if cache is None:
        where = (
            report_dir.parent
            if report_dir is not None
            else (args.json.parent if args.json else args.input.parent)
        )
        cache = where / f"{args.input.stem}.keypoints.csv"
    options = InputOptions(
        fps=args.fps,
        units=args.units,
        markers=args.markers,
        static=args.static,
        rear=args.rear,
        person=args.person,
        capture_fps=args.capture_fps,
        frame_stride=args.frame_stride,
        keypoints_cache=cache,
        force=args.force,
    )
    with progress_bar(enabled=not args.quiet) as progress:
        result = run_full(args.input, settings, options, plan, progress=progress)
    if not args.quiet:
        written = [p / "index.html" if what == "report folder" else p for p, what in plan.targets()]
        print_summary(result, written=written)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from midstance.report import render_report_from_json

    out = args.out or args.result.with_name(f"{args.result.stem}_report")
    html = render_report_from_json(args.result, out, video=args.video, force=args.force)
    if not args.quiet:
        print(f"wrote {html}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("MIDSTANCE_LOG", "WARNING"), format="%(levelname)s %(name)s: %(message)s"
    )
    parser = build_parser()
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        if args.command == "analyze":
            return cmd_analyze(args)
        if args.command == "report":
            return cmd_report(args)
        if args.command in ("serve", "worker"):
            return run_command(args)
        raise InputError(f"unknown command {args.command}")
    except MidstanceError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: a bug, reported in one line
        if debug:
            traceback.print_exc()
        tb = traceback.extract_tb(exc.__traceback__)
        where = f"{Path(tb[-1].filename).name}:{tb[-1].lineno}" if tb else "?"
        print(
            f"internal error ({type(exc).__name__} at {where}): {exc}. This is a bug; please report it at "
            f"{ISSUES_URL} with the command you ran (add --debug for details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
