"""Progress display for ``docgen batch``: a rich bar on a terminal, plain lines in CI logs."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .textsafe import for_terminal

_STATUS = {
    "built": "已生成",
    "skipped": "未改动，跳过",
    "invalid": "数据有误",
    "failed": "生成失败",
}


class BatchProgress:
    def __init__(self, total: int):
        self.total = total
        self.done = 0
        self.pages = 0
        self.console = Console(stderr=True)
        self.live = sys.stderr.isatty()
        self._progress: Progress | None = None
        self._task: Any = None

    def __enter__(self) -> BatchProgress:
        if self.live:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[pages]} 页"),
                TimeElapsedColumn(),
                console=self.console,
            )
            self._progress.start()
            self._task = self._progress.add_task("生成中", total=self.total, pages=0)
        return self

    def update(self, message: str, outcome: Any) -> None:
        if outcome is None:
            return
        self.done += 1
        self.pages += outcome.pages or 0
        name = for_terminal(f"{outcome.city or outcome.file}（{outcome.division_code or '—'}）")
        status = _STATUS.get(outcome.status, outcome.status)
        line = f"[{self.done}/{self.total}] {name} {status}"
        if outcome.pages:
            line += f"，{outcome.pages} 页"
        if self._progress is not None:
            self._progress.update(self._task, advance=1, pages=self.pages, description=name)
            self._progress.console.print(line, highlight=False, markup=False)
        else:
            print(line, file=sys.stderr, flush=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._progress is not None:
            self._progress.stop()
