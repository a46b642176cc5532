"""A progress bar on stderr for anything a person waits on (silent when not a terminal)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[str, float], None]]:
    """Yield a callback ``(stage, fraction)`` that drives one bar."""
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield lambda stage, frac: None
        return
    with Progress(
        TextColumn("{task.description:<10}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as prog:
        task = prog.add_task("reading", total=1.0)

        def update(stage: str, frac: float) -> None:
            prog.update(task, description=stage, completed=max(0.0, min(1.0, frac)))

        yield update
