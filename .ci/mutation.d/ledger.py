"""The mutation command's data files and bookkeeping: modules, hand-made mutants, equivalents, report.

``modules.toml`` names each module to mutate and the tests that judge it; ``hand-mutants.toml`` holds
mutants mutmut cannot make (module-level constants, decorated functions), each as a text replacement;
``equivalents.toml`` lists every survivor accepted as equivalent, with its reason. A survivor matches an
entry by module, function and the changed lines (not mutmut's number, which shifts when code is added).
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Module:
    """A module to mutate, the tests that judge its mutants, and whether it may be absent."""

    path: str
    tests: tuple[str, ...]
    optional: bool = False


@dataclass(frozen=True)
class HandMutant:
    """A mutant mutmut cannot make: replace ``original`` (found exactly once) in ``file``.

    It is judged and counted with ``module`` (by default ``file`` itself): a constant one module
    re-exports from a helper file is mutated there and judged by the module's tests.
    """

    id: str
    file: str
    original: str
    replacement: str
    why: str
    tests: tuple[str, ...] = ()
    module: str = ""

    @property
    def judged_with(self) -> str:
        """The configured module whose tally this mutant counts in."""
        return self.module or self.file


@dataclass(frozen=True)
class Equivalent:
    """A survivor accepted as equivalent: a hand mutant's id, or a function and its changed lines."""

    module: str
    reason: str
    hand: str = ""
    function: str = ""
    change: str = ""

    def key(self) -> tuple[str, str, str]:
        """What a survivor must share with this entry to be explained by it."""
        return (self.module, self.hand or self.function, "" if self.hand else self.change.strip())


@dataclass
class Tally:
    """One module's result line."""

    module: str
    mutants: int = 0
    killed: int = 0
    survived: int = 0
    equivalent: int = 0
    unexplained: list[dict[str, str]] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    note: str = ""

    @property
    def raw(self) -> float:
        """Killed over all mutants, in percent."""
        return 100.0 * self.killed / self.mutants if self.mutants else 0.0

    @property
    def adjusted(self) -> float:
        """Killed over all mutants but the equivalent ones, in percent."""
        real = self.mutants - self.equivalent
        return 100.0 * self.killed / real if real else 100.0


def _load(name: str) -> dict[str, Any]:
    with (HERE / name).open("rb") as file:
        return tomllib.load(file)


def load_modules() -> tuple[list[Module], float]:
    """The configured modules and the raw score each must reach."""
    data = _load("modules.toml")
    modules = [
        Module(entry["path"], tuple(entry["tests"]), bool(entry.get("optional", False)))
        for entry in data["module"]
    ]
    return modules, float(data.get("fail_under", 90.0))


def load_hand_mutants() -> list[HandMutant]:
    """The hand-made mutants, each checked to carry a distinct id and a reason."""
    mutants = [
        HandMutant(
            e["id"],
            e["file"],
            e["original"],
            e["replacement"],
            e["why"],
            tuple(e.get("tests", ())),
            e.get("module", ""),
        )
        for e in _load("hand-mutants.toml").get("mutant", [])
    ]
    ids = [mutant.id for mutant in mutants]
    if len(set(ids)) != len(ids) or any(not m.why.strip() or m.original == m.replacement for m in mutants):
        raise SystemExit("hand-mutants.toml: ids must be distinct, each with a 'why' and a real change")
    return mutants


def load_equivalents() -> list[Equivalent]:
    """The accepted equivalents; an entry without a reason is an error, not an explanation."""
    entries = [
        Equivalent(e["module"], e["reason"], e.get("hand", ""), e.get("function", ""), e.get("change", ""))
        for e in _load("equivalents.toml").get("equivalent", [])
    ]
    for entry in entries:
        if not entry.reason.strip() or "TODO" in entry.reason or not (entry.hand or entry.change):
            raise SystemExit(f"equivalents.toml: entry for {entry.key()} needs a reason and a change")
    return entries


def changed_lines(diff: str) -> str:
    """The removed and added lines of a unified diff, each stripped, '-' or '+' first."""
    lines = [
        line[0] + line[1:].strip()
        for line in diff.splitlines()
        if line[:1] in "-+" and not line.startswith(("---", "+++"))
    ]
    return "\n".join(lines)


def function_of(mutant_name: str) -> str:
    """``x_name`` of ``pkg.module.x_name__mutmut_3`` (mutmut's mangled function, or class and method)."""
    return mutant_name.rpartition("__mutmut_")[0].rpartition(".")[2]


def candidate(module: str, survivor: dict[str, str]) -> str:
    """A stanza for equivalents.toml describing ``survivor``, its reason left for a person to write."""
    if survivor.get("hand"):
        head = f'hand = "{survivor["hand"]}"'
    else:
        change = survivor["change"].replace("'''", "' ' '")
        head = (
            f"function = {json.dumps(survivor['function'], ensure_ascii=False)}\nchange = '''\n{change}\n'''"
        )
    return f'[[equivalent]]\nmodule = "{module}"\n{head}\nreason = "TODO: why no test can tell"\n'


def table(tallies: list[Tally]) -> str:
    """The per-module table, as Markdown."""
    rows = [
        "| module | mutants | killed | survived | equivalent | unexplained | raw score "
        "| without equivalents |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in tallies:
        if t.note:
            rows.append(f"| {t.module} | {t.note} | | | | | | |")
            continue
        rows.append(
            f"| {t.module} | {t.mutants} | {t.killed} | {t.survived} | {t.equivalent} | "
            f"{len(t.unexplained)} | {t.raw:.1f}% | {t.adjusted:.1f}% |"
        )
    return "\n".join(rows)
