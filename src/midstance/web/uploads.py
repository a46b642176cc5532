"""Receiving an upload: the multipart body is parsed as it streams in and the file part goes to disk
chunk by chunk (never whole in memory), counted against the size limit as it arrives; anything
rejected — too big, wrong type, missing CSRF token — leaves nothing on disk.

The type is decided from the content (midstance.io.sniff), never from the name the browser sends;
that name is returned as text for display only."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread
from python_multipart.multipart import MultipartParseError, MultipartParser, parse_options_header

from midstance.errors import InputError
from midstance.io.c3d import looks_like_text

log = logging.getLogger(__name__)

#: kinds of input a session can be made from (an OpenPose folder cannot arrive as one file)
ACCEPTED_KINDS = ("video", "c3d", "trc", "rbds", "marker_table", "keypoint_csv")
WHAT_TO_UPLOAD = "upload a video of the run, a keypoint CSV, or motion capture (C3D, TRC, marker text)"
_HEAD = 8192
_MAX_FIELD_BYTES = 4096
_MAX_FIELDS = 40
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")
#: multipart framing and the small form fields that travel with the file
MULTIPART_OVERHEAD = 64 * 1024


class UploadRejected(Exception):
    """The upload cannot be accepted; ``message`` is shown to the user as it is."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class ReceivedUpload:
    fields: dict[str, str]
    path: Path
    display_name: str
    size_bytes: int
    kind: str
    head: bytes = b""


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    name: str = ""
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)


def display_name(raw: str) -> str:
    """The browser's file name as safe display text: last path component, without control
    characters or bidirectional overrides (which can disguise a name, e.g. "gpj.exe" shown as
    "exe.jpg"), at most 200 characters. It is only ever shown (escaped), never used in a path."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        ch
        for ch in unicodedata.normalize("NFC", name)
        if unicodedata.category(ch) != "Cc" and ch not in _BIDI
    )
    return name.strip()[:200] or "upload"


def human_mb(n_bytes: float) -> str:
    return (
        f"{n_bytes / 1024 / 1024:.0f} MB"
        if n_bytes >= 10 * 1024 * 1024
        else f"{n_bytes / 1024 / 1024:.1f} MB"
    )


class _Receiver:
    def __init__(
        self, dest: Path, limit: int, csrf_ok: Callable[[str | None], bool], header_token: str | None
    ):
        self.dest = dest
        self.limit = limit
        self.csrf_ok = csrf_ok
        self.csrf_passed = csrf_ok(header_token) if header_token else False
        self.fields: dict[str, str] = {}
        self.part = _Part()
        self._hfield = bytearray()
        self._hvalue = bytearray()
        self.file: BinaryIO | None = None
        self.file_seen = False
        self.filename = ""
        self.size = 0
        self.head = bytearray()
        self.head_checked = False

    # multipart callbacks -------------------------------------------------------------------------
    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._hfield += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._hvalue += data[start:end]

    def on_header_end(self) -> None:
        # latin-1 maps bytes to text one to one; browsers send file names as UTF-8, decoded below
        self.part.headers[self._hfield.decode("latin-1").lower()] = self._hvalue.decode("latin-1")
        self._hfield.clear()
        self._hvalue.clear()

    def on_headers_finished(self) -> None:
        disposition = self.part.headers.get("content-disposition", "")
        _, params = parse_options_header(disposition)
        self.part.name = params.get(b"name", b"").decode("utf-8", "replace")
        raw_filename = params.get(b"filename")
        if raw_filename is None:
            if len(self.fields) >= _MAX_FIELDS:
                raise UploadRejected(400, "the form has too many fields")
            return
        if self.file_seen:
            raise UploadRejected(400, "upload one file at a time")
        # the token must arrive before the file: in the X-CSRF-Token header or a field ahead of it
        if not self.csrf_passed and not self.csrf_ok(self.fields.get("csrf_token")):
            raise UploadRejected(
                403, "the form has expired or did not come from this site; reload the page and try again"
            )
        self.csrf_passed = True
        self.file_seen = True
        self.part.filename = raw_filename.decode("utf-8", "replace")
        self.filename = display_name(self.part.filename)
        self.file = self.dest.open("xb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.file is None:
            if len(self.part.data) + len(chunk) > _MAX_FIELD_BYTES:
                raise UploadRejected(400, f"the form field {self.part.name[:40]!r} is too long")
            self.part.data += chunk
            return
        self.size += len(chunk)
        if self.size > self.limit:
            raise UploadRejected(
                413,
                f"the file is larger than the {human_mb(self.limit)} limit; trim the clip and upload it again",
            )
        self.file.write(chunk)
        if not self.head_checked:
            self.head += chunk[: _HEAD - len(self.head)]
            if len(self.head) >= _HEAD:
                self._check_head()

    def on_part_end(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
            if not self.head_checked:
                self._check_head()
        elif self.part.filename is None and self.part.name:
            self.fields[self.part.name] = self.part.data.decode("utf-8", "replace")

    # checks --------------------------------------------------------------------------------------
    def _check_head(self) -> None:
        """Reject unknown binary content as soon as its first bytes arrive (a 2 GB zip file need
        not stream in completely to be refused); text is classified once complete."""
        self.head_checked = True
        if not self.head:
            return
        if looks_like_text(bytes(self.head)):
            return
        if self.file is not None:
            self.file.flush()
        sniff_or_reject(self.dest, self.filename, complete=False)

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


def sniff_or_reject(path: Path, shown_name: str, complete: bool = True) -> str:
    """The accepted kind of the file at ``path`` or UploadRejected(415) with a message that names
    the file as the user knows it. ``complete=False``: only the first bytes have arrived yet."""
    from midstance.io import sniff

    try:
        kind = sniff(path)
    except InputError as exc:
        # the messages name our generated file; put the user's name in its place
        message = exc.message.replace(path.name, shown_name)
        raise UploadRejected(415, message) from None
    if kind == "image":
        raise UploadRejected(415, f"{shown_name} is a still image; {WHAT_TO_UPLOAD}")
    if kind not in ACCEPTED_KINDS:
        raise UploadRejected(415, f"{shown_name} cannot be analysed here; {WHAT_TO_UPLOAD}")
    if kind == "c3d" and complete:
        # two magic bytes are a weak promise (a PDF starts with them too): open it with the reader
        from midstance.io import read_c3d

        try:
            read_c3d(path)
        except InputError as exc:
            reason = exc.message.replace(path.name, shown_name)
            raise UploadRejected(
                415, f"{shown_name} is not a readable C3D motion-capture file ({reason}); {WHAT_TO_UPLOAD}"
            ) from None
    return kind


async def receive_upload(
    content_type: str,
    content_length: str | None,
    body: AsyncIterator[bytes],
    dest: Path,
    limit: int,
    csrf_ok: Callable[[str | None], bool],
    header_token: str | None,
) -> ReceivedUpload:
    """Stream a multipart/form-data body into ``dest``; the file part's bytes only, at most ``limit``.

    On any rejection the partial file is deleted before UploadRejected propagates."""
    ctype, params = parse_options_header(content_type)
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise UploadRejected(400, "send the file from the upload form (multipart/form-data)")
    if content_length and content_length.isdigit() and int(content_length) > limit + MULTIPART_OVERHEAD:
        raise UploadRejected(
            413, f"the file is larger than the {human_mb(limit)} limit; trim the clip and upload it again"
        )
    rx = _Receiver(dest, limit, csrf_ok, header_token)
    parser = MultipartParser(
        params[b"boundary"],
        {
            "on_part_begin": rx.on_part_begin,
            "on_header_field": rx.on_header_field,
            "on_header_value": rx.on_header_value,
            "on_header_end": rx.on_header_end,
            "on_headers_finished": rx.on_headers_finished,
            "on_part_data": rx.on_part_data,
            "on_part_end": rx.on_part_end,
        },
    )
    try:
        async for chunk in body:
            parser.write(chunk)
        parser.finalize()
        if not rx.file_seen:
            raise UploadRejected(400, f"no file was chosen; {WHAT_TO_UPLOAD}")
        if rx.size == 0:
            raise UploadRejected(400, f"{rx.filename} is empty (0 bytes); {WHAT_TO_UPLOAD}")
        kind = await anyio.to_thread.run_sync(sniff_or_reject, dest, rx.filename)
    except MultipartParseError as exc:
        _discard(rx, dest)
        raise UploadRejected(400, f"the upload was cut off or malformed ({exc}); try again") from None
    except BaseException:
        # also on a client that disconnects half way (the request is cancelled)
        _discard(rx, dest)
        raise
    return ReceivedUpload(rx.fields, dest, rx.filename, rx.size, kind, bytes(rx.head))


def _discard(rx: _Receiver, dest: Path) -> None:
    rx.close()
    dest.unlink(missing_ok=True)
