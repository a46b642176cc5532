"""Where the app keeps files. Every path is built from generated ids; nothing a user sends (file
names included) ever becomes part of one.

    <data>/midstance.db                       embedded database (when no URL is given)
    <data>/incoming/<random>.part             an upload while it streams in
    <data>/sessions/<session id>/input<ext>   the stored upload
    <data>/sessions/<session id>/run-<claim>/ one analysis attempt: result.json, stances.csv, report/

An attempt folder becomes the session's result only when the worker's guarded completion commits;
attempts that lost their claim are deleted, so a retried job never mixes two runs' files."""

from __future__ import annotations

import logging
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: the stored file's extension, from the kind sniffed from its content (some readers and decoders
#: use the extension as a hint; the user's own extension is never used)
KIND_SUFFIX = {
    "c3d": ".c3d",
    "trc": ".trc",
    "rbds": ".txt",
    "marker_table": ".txt",
    "keypoint_csv": ".csv",
}
VIDEO_SUFFIX_BY_MAGIC = (
    (b"ftypqt", ".mov"),
    (b"ftyp", ".mp4"),
)


def _checked(ident: str) -> str:
    if not _ID.match(ident):
        raise ValueError(f"not a generated id: {ident!r}")
    return ident


@dataclass(frozen=True)
class Storage:
    root: Path

    def prepare(self) -> Storage:
        for sub in ("incoming", "sessions"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        return self

    @property
    def incoming(self) -> Path:
        return self.root / "incoming"

    def new_partial(self) -> Path:
        return self.incoming / f"{secrets.token_hex(16)}.part"

    def session_dir(self, session_id: str) -> Path:
        return self.root / "sessions" / _checked(session_id)

    def input_name(self, session_id: str, kind: str, head: bytes) -> str:
        """Relative path of a session's stored upload."""
        suffix = KIND_SUFFIX.get(kind)
        if suffix is None:
            suffix = ".video"
            for magic, ext in VIDEO_SUFFIX_BY_MAGIC:
                if head[4 : 4 + len(magic)] == magic:
                    suffix = ext
                    break
            if head[:4] == b"\x1a\x45\xdf\xa3":
                suffix = ".mkv"
            elif head[:4] == b"RIFF":
                suffix = ".avi"
        return f"sessions/{_checked(session_id)}/input{suffix}"

    def attempt_dir(self, session_id: str, claim_token: str) -> Path:
        return self.session_dir(session_id) / f"run-{_checked(claim_token)}"

    def resolve(self, relative: str) -> Path:
        """A stored relative path, refusing anything that leaves the data folder."""
        p = (self.root / relative).resolve()
        if self.root.resolve() not in p.parents:
            raise ValueError(f"stored path outside the data folder: {relative!r}")
        return p

    def relative(self, path: Path) -> str:
        return path.resolve().relative_to(self.root.resolve()).as_posix()

    def delete_session_files(self, session_id: str) -> None:
        shutil.rmtree(self.session_dir(session_id), ignore_errors=True)

    def session_dirs(self) -> list[str]:
        base = self.root / "sessions"
        return [p.name for p in base.iterdir() if p.is_dir()] if base.is_dir() else []
