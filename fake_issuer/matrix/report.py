"""The claim matrices' decision table, in Markdown and in HTML (RFC 6750 §3 outcomes, grouped).

For each matrix and endpoint: how many combinations got each outcome, the counts per facet value (and
which values decide the outcome on their own), the oracle's first failing rule behind each refusal
(``scope`` for a 403; an endpoint whose rule counts equal an earlier one's says so instead of repeating
them), and the combinations of every small group listed in full. Any disagreement with the oracle
comes first, highlighted, then a legend for every facet value and term. Both files are built from
the same tables, so they never tell different stories.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fake_issuer.matrix.legend import legend_rows
from fake_issuer.matrix.matrix import Facets, Result
from fake_issuer.policy.oracle import INSUFFICIENT_SCOPE

#: Groups up to this size are listed combination by combination.
LISTED_GROUP_SIZE = 64
RULES = {
    2: "compact JWS / JSON",
    3: "header (alg, kid, typ, forbidden members)",
    4: "key usable",
    5: "signature",
    6: "iss",
    7: "aud",
    8: "exp",
    9: "nbf / iat",
    10: "claim types",
    11: "org_id",
}
DISAGREEMENTS = "Disagreements with the oracle"


@dataclass
class Table:
    """A titled table (or, without headers, a heading and a note); ``flagged`` rows are disagreements."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    flagged: set[int] = field(default_factory=set)
    level: int = 3
    note: str = ""


@dataclass(frozen=True)
class Run:
    """One matrix's results, its facet table, and legend entries for values the standard legend lacks."""

    name: str
    results: Sequence[Result]
    table: Facets
    legend: Mapping[tuple[str, str], str] = field(default_factory=dict)


def rule_name(result: Result) -> str:
    """The first failing rule as the report names it; ``scope`` for a valid token refused 403."""
    if result.rule is None:
        return "scope (403)" if result.expected == INSUFFICIENT_SCOPE else "valid"
    if isinstance(result.rule, int):
        return f"rule {result.rule}: {RULES[result.rule]}"
    return result.rule  # DPoP checks name themselves (RFC 9449 §4.3)


def _rule_order(result: Result) -> tuple[int, str]:
    rule = result.rule
    if rule is None:
        return (100, rule_name(result))
    return (rule, "") if isinstance(rule, int) else (50, rule)


def _rules_table(results: Sequence[Result], level: int) -> Table:
    rules = Counter(rule_name(r) for r in sorted(results, key=_rule_order))
    rows = [[k, str(v)] for k, v in rules.items()]
    return Table("Oracle's first failing rule", ["rule", "combinations"], rows, level=level)


def _endpoint_tables(
    endpoint: str, results: Sequence[Result], table: Facets, level: int, seen: dict[str, Table]
) -> list[Table]:
    outcomes = sorted({str(r.actual) for r in results} | {str(r.expected) for r in results})
    totals = Counter(str(r.actual) for r in results)
    rows = [[o, str(totals[o])] for o in outcomes]
    tables = [Table(endpoint, ["outcome", "combinations"], rows, level=level)]
    if len(outcomes) == 1 and all(r.agrees for r in results):
        return tables  # one outcome for everything (the public endpoint): nothing more to tell
    per_value: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    decided: dict[tuple[str, str], set[str]] = defaultdict(set)
    for result in results:
        for facet, value in result.combination.values:
            per_value[facet, value][str(result.actual)] += 1
            decided[facet, value].add(str(result.expected))
    counts = Table("Counts per facet value", ["facet", "value", *outcomes, "decides alone"], level=level + 1)
    for facet, values in table.items():
        for value in values:
            alone = decided[facet, value]
            verdict = next(iter(alone)) if len(alone) == 1 else ""
            counts.rows.append([facet, value, *(str(per_value[facet, value][o]) for o in outcomes), verdict])
    tables.append(counts)
    rules = _rules_table(results, level + 1)
    same = next((name for name, other in seen.items() if other.rows == rules.rows), None)
    if same is None:
        seen[endpoint] = rules
    else:
        rules = Table(rules.title, [], level=level + 1, note=f"The same as for {same}.")
    tables.append(rules)
    for outcome in outcomes:
        group = [r for r in results if str(r.actual) == outcome]
        if 0 < len(group) <= LISTED_GROUP_SIZE:
            listed = Table(f"Combinations answered {outcome}", [*table, "expected"], level=level + 1)
            for result in group:
                listed.rows.append([value for _, value in result.combination.values] + [str(result.expected)])
                if not result.agrees:
                    listed.flagged.add(len(listed.rows) - 1)
            tables.append(listed)
    return tables


def _opening(run: Run) -> str:
    combinations = len({r.combination.index for r in run.results})
    bad = sum(not r.agrees for r in run.results)
    sizes = " × ".join(f"{facet} {len(values)}" for facet, values in run.table.items())
    return (
        f"{combinations} combinations ({sizes}) × {len(run.results) // max(combinations, 1)} endpoints = "
        f"{len(run.results)} requests; {bad} disagreements with the oracle."
    )


def report_sections(runs: Sequence[Run]) -> tuple[str, list[Table]]:
    """The report of several matrices: one opening line, disagreements, the legend, one section each."""
    bad = [(run.name, r) for run in runs for r in run.results if not r.agrees]
    if len(runs) == 1:
        opening = _opening(runs[0])
    else:
        parts = "; ".join(f"{run.name}: {len(run.results)}" for run in runs)
        total = sum(len(run.results) for run in runs)
        opening = f"{total} requests ({parts}); {len(bad)} disagreements with the oracle."
    tables = []
    if bad:
        disagreements = Table(DISAGREEMENTS, ["matrix", "combination", "endpoint", "breaches"], level=2)
        for name, result in bad:
            disagreements.rows.append(
                [name, str(result.combination), result.endpoint, "; ".join(result.breaches)]
            )
        disagreements.flagged = set(range(len(bad)))
        tables.append(disagreements)
    pairs = [(facet, value) for run in runs for facet, values in run.table.items() for value in values]
    extra = {key: text for run in runs for key, text in run.legend.items()}
    tables.append(Table("Legend", ["term", "meaning"], legend_rows(pairs, extra), level=2))
    for run in runs:
        level = 2 if len(runs) == 1 else 3
        if len(runs) > 1:
            tables.append(Table(run.name[:1].upper() + run.name[1:], [], level=2, note=_opening(run)))
        seen: dict[str, Table] = {}
        for endpoint in dict.fromkeys(r.endpoint for r in run.results):
            chosen = [r for r in run.results if r.endpoint == endpoint]
            tables += _endpoint_tables(endpoint, chosen, run.table, level, seen)
    return opening, tables


def report_tables(results: Sequence[Result], table: Facets) -> tuple[str, list[Table]]:
    """The report of one matrix: its opening line and its tables."""
    return report_sections([Run("claim matrix", results, table)])


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(opening: str, tables: Sequence[Table]) -> str:
    """The decision table as Markdown; flagged rows are bold and marked ❌."""
    lines = ["# Claim matrix: decision table", "", opening, ""]
    for table in tables:
        lines += ["#" * table.level + " " + table.title, ""]
        if table.note:
            lines += [table.note, ""]
        if not table.headers:
            continue
        lines += ["| " + " | ".join(table.headers) + " |", "|" + "---|" * len(table.headers)]
        for i, row in enumerate(table.rows):
            cells = [_cell(c) for c in row]
            if i in table.flagged:
                cells = [f"**{c}**" for c in cells]
                cells[0] = "❌ " + cells[0]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
th { background: #f3f3f3; position: sticky; top: 0; }
tr.bad td { background: #ffd6d6; font-weight: bold; }
td.o200 { background: #dff5df; } td.o401 { background: #f7e7e7; } td.o403 { background: #fff1cc; }
h2 { border-bottom: 2px solid #888; margin-top: 2em; }
"""


def _html_cell(text: str) -> str:
    status = text.split(" ", 1)[0]
    css = f' class="o{status}"' if status in ("200", "401", "403") else ""
    return f"<td{css}>{html.escape(text)}</td>"


def render_html(opening: str, tables: Sequence[Table]) -> str:
    """The decision table as one self-contained HTML page; disagreements in red."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Claim matrix: decision table</title>',
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Claim matrix: decision table</h1>",
        f"<p>{html.escape(opening)}</p>",
    ]
    for table in tables:
        parts.append(f"<h{table.level}>{html.escape(table.title)}</h{table.level}>")
        if table.note:
            parts.append(f"<p>{html.escape(table.note)}</p>")
        if not table.headers:
            continue
        parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in table.headers) + "</tr>")
        for i, row in enumerate(table.rows):
            css = ' class="bad"' if i in table.flagged else ""
            parts.append(f"<tr{css}>" + "".join(_html_cell(c) for c in row) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(results: Sequence[Result], table: Facets, path: Path) -> tuple[Path, Path]:
    """Write one matrix's report to ``path`` as ``.md`` and ``.html``; returns both paths."""
    return write_sections([Run("claim matrix", results, table)], path)


def write_sections(runs: Sequence[Run], path: Path) -> tuple[Path, Path]:
    """Write the report of ``runs`` to ``path`` as ``.md`` and ``.html``; returns both paths."""
    opening, tables = report_sections(runs)
    markdown, page = path.with_suffix(".md"), path.with_suffix(".html")
    markdown.parent.mkdir(parents=True, exist_ok=True)
    markdown.write_text(render_markdown(opening, tables), encoding="utf-8")
    page.write_text(render_html(opening, tables), encoding="utf-8")
    return markdown, page
