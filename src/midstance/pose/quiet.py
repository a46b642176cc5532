"""Keep MediaPipe's native log lines (absl, TFLite, XNNPACK) off the user's terminal.

They are written by C++ straight to file descriptor 2, so neither Python's logging nor the
``GLOG_minloglevel``/``TF_CPP_MIN_LOG_LEVEL`` variables (measured: no effect with mediapipe 0.10.21)
stop them. What works is pointing fd 2 elsewhere while they can appear: while a graph starts (it
loads its models on background threads right after construction) and on the first frames that
reach a new code path (e.g. the first person found). The captured lines go to ``logging`` at DEBUG.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from types import TracebackType

log = logging.getLogger(__name__)

# Harmless where they are ignored, and they quieten builds that honour them.
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class NativeStderrCapture:
    """Reusable context manager: fd 2 points to a scratch file inside the block; what arrived there
    is logged at DEBUG when the block ends. Not re-entrant; one per backend object."""

    def __init__(self) -> None:
        # held open for the object's life (reused on every capture), closed by close()
        self._sink = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115
        self._saved: int | None = None

    def __enter__(self) -> NativeStderrCapture:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        try:
            self._saved = os.dup(2)
        except OSError:
            self._saved = None
            return self
        self._sink.seek(0)
        self._sink.truncate()
        os.dup2(self._sink.fileno(), 2)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._saved is None:
            return
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._saved = None
        self._sink.seek(0)
        text = self._sink.read().decode("utf-8", "replace").strip()
        for line in text.splitlines():
            log.debug("native: %s", line)

    def close(self) -> None:
        self._sink.close()


def silence_native_stderr_for_good() -> None:
    """For worker processes: fd 2 goes to /dev/null for the rest of the process's life (their
    Python errors travel to the parent through the result queue instead)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
