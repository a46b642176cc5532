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
    a.add_argument("--force", action="store_true", help="overwrite existing outputs")
    a.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    a.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    return parser


def cmd_analyze(args: argparse.Namespace) -> int:
    from midstance.cli.progress import progress_bar
    from midstance.cli.summary import print_summary
    from midstance.pipeline import InputOptions, OutputPlan, run_full

    settings = AnalysisSettings(
        height_cm=args.height_cm,
        slope_pct=args.slope_pct,
        setting=args.setting,
        kinematics_cutoff_hz=args.kinematics_cutoff_hz,
        max_gap_s=args.max_gap_s,
    )
    plan = OutputPlan(json=args.json, csv=args.csv, force=args.force)
    options = InputOptions(
        fps=args.fps, units=args.units, markers=args.markers, static=args.static, rear=args.rear
    )
    with progress_bar(enabled=not args.quiet) as progress:
        result = run_full(args.input, settings, options, plan, progress=progress)
    if not args.quiet:
        print_summary(result, written=[p for p, _ in plan.targets()])
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
