"""Findings and the typed errors library code raises; only the CLI turns them into output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in the input: where (a path such as ``applications[2].applicant.uscc``),
    how bad, and a Chinese message saying what is wrong and what is expected."""

    path: str
    level: Level
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "level": self.level, "message": self.message}


class DocgenError(Exception):
    """Base class of every error docgen raises on purpose."""


class InputError(DocgenError):
    """The city file cannot be used: it carries every finding at once."""

    def __init__(self, findings: list[Finding]):
        self.findings = sorted(findings, key=_finding_order)
        super().__init__("\n".join(f"{f.path}: {f.message}" for f in self.findings))

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]


class EditionError(DocgenError):
    """An edition folder (templates/<edition>/) is missing or malformed: every problem found,
    each naming its file and key (``templates/gx-2022-1/form.toml：[recommendation] box_title
    缺失``)."""

    def __init__(self, *problems: str):
        self.problems: tuple[str, ...] = problems
        super().__init__("\n".join(problems))


class EditionNotFound(EditionError):
    """No folder of the search path holds the edition named."""


class FontError(DocgenError):
    """No usable font, or a character no font in the chain can print."""


class BuildError(DocgenError):
    """The packet could not be written (output folder busy, disk, ...)."""


def _finding_order(f: Finding) -> tuple[object, ...]:
    """Sort findings by their place in the file, numerically for list indices."""
    import re

    parts: list[object] = []
    for token in re.split(r"(\d+)", f.path):
        parts.append((0, int(token)) if token.isdigit() else (1, token))
    return (parts, 0 if f.level == "error" else 1, f.message)
