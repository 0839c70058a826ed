"""The figures table every bench command prints: a ratio per row, its spread, its goal and a mark.

A figure is a ratio of two measurements taken side by side in one run, in interleaved rounds. The best
round's ratio is the figure (the round least disturbed by the rest of the machine); the range of the
per-round ratios is printed beside it so a reader can tell noise from change. A goal is a bound on the
ratio (``<=`` for costs, ``>=`` for rates); a figure outside it is marked ``MISS``.
"""

from __future__ import annotations

import operator
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

#: ``<=`` for a cost relative to its anchor, ``>=`` for a rate relative to its floor.
BOUNDS: dict[str, Callable[[float, float], bool]] = {"<=": operator.le, ">=": operator.ge}


@dataclass(frozen=True)
class Figure:
    """One row: a ratio's best and its range across rounds, its goal, and what it divides."""

    label: str
    best: float
    low: float
    high: float
    goal: str = "-"
    detail: str = ""

    @property
    def met(self) -> bool | None:
        """Whether ``best`` meets the goal (None when the row is a reference without a goal)."""
        if self.goal == "-":
            return None
        bound, limit = self.goal[:2], float(self.goal[2:].rstrip("x"))
        return BOUNDS[bound](self.best, limit)


def cost_figure(label: str, numerator: Sequence[float], anchor: Sequence[float], **kwargs: str) -> Figure:
    """A cost ratio from per-round seconds: best = fastest numerator / fastest anchor, range per round."""
    per_round = [n / a for n, a in zip(numerator, anchor, strict=True)]
    return Figure(label, min(numerator) / min(anchor), min(per_round), max(per_round), **kwargs)


def rate_figure(label: str, numerator: Sequence[float], floor: Sequence[float], **kwargs: str) -> Figure:
    """A rate ratio from per-round rates (higher is better): best = fastest / fastest, range per round."""
    per_round = [n / f for n, f in zip(numerator, floor, strict=True)]
    return Figure(label, max(numerator) / max(floor), min(per_round), max(per_round), **kwargs)


def render(figures: Sequence[Figure]) -> str:
    """The table as text: label, best ratio, per-round range, goal, mark, detail."""
    width = max(len(figure.label) for figure in figures)
    lines = [f"{'figure':{width}}  {'best':>7}  {'rounds':>13}  {'goal':>8}  {'':4}  detail"]
    for figure in figures:
        mark = {True: "ok", False: "MISS", None: ""}[figure.met]
        spread = f"{figure.low:.2f}-{figure.high:.2f}x"
        best = f"{figure.best:6.2f}x"
        lines.append(
            f"{figure.label:{width}}  {best}  {spread:>13}  {figure.goal:>8}  {mark:4}  {figure.detail}"
        )
    missed = [figure.label for figure in figures if figure.met is False]
    lines.append(f"{len(missed)} of {sum(f.met is not None for f in figures)} goals missed" + (
        ": " + "; ".join(missed) if missed else ""
    ))  # fmt: skip
    return "\n".join(lines)


def as_json(figures: Sequence[Figure]) -> list[dict[str, object]]:
    """The rows as JSON-ready dicts, with the goal's verdict."""
    return [asdict(figure) | {"met": figure.met} for figure in figures]


def executable(name: str) -> Path | None:
    """``name`` from this interpreter's environment (its bin/ folder), else from PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return beside
    found = shutil.which(name)
    return Path(found) if found else None
