"""The claim matrix's decision table, in Markdown and in HTML (DESIGN §5 outcomes, grouped).

For each endpoint: how many combinations got each outcome, the counts per facet value (and which
values decide the outcome on their own), the oracle's first failing rule behind each 401, and the
combinations of every small group listed in full. Any disagreement with the oracle comes first,
highlighted. Both files are built from the same tables, so they never tell different stories.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fake_issuer.matrix.matrix import Facets, Result

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
}


@dataclass
class Table:
    """A titled table; ``flagged`` rows are disagreements, highlighted in both formats."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    flagged: set[int] = field(default_factory=set)
    level: int = 3


def _endpoint_tables(endpoint: str, results: Sequence[Result], table: Facets) -> list[Table]:
    outcomes = sorted({str(r.actual) for r in results} | {str(r.expected) for r in results})
    totals = Counter(str(r.actual) for r in results)
    tables = [Table(endpoint, ["outcome", "combinations"], [[o, str(totals[o])] for o in outcomes], level=2)]
    if len(outcomes) == 1 and all(r.agrees for r in results):
        return tables  # one outcome for everything (the public endpoint): nothing more to tell
    per_value: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    decided: dict[tuple[str, str], set[str]] = defaultdict(set)
    for result in results:
        for facet, value in result.combination.values:
            per_value[facet, value][str(result.actual)] += 1
            decided[facet, value].add(str(result.expected))
    counts = Table("Counts per facet value", ["facet", "value", *outcomes, "decides alone"])
    for facet, values in table.items():
        for value in values:
            alone = decided[facet, value]
            verdict = next(iter(alone)) if len(alone) == 1 else ""
            counts.rows.append([facet, value, *(str(per_value[facet, value][o]) for o in outcomes), verdict])
    tables.append(counts)
    rules = Counter(RULES[r.rule] if r.rule else "valid" for r in results)
    tables.append(
        Table(
            "Oracle's first failing rule (DESIGN §5)",
            ["rule", "combinations"],
            [[k, str(v)] for k, v in rules.most_common()],
        )
    )
    for outcome in outcomes:
        group = [r for r in results if str(r.actual) == outcome]
        if 0 < len(group) <= LISTED_GROUP_SIZE:
            listed = Table(f"Combinations answered {outcome}", [*table, "expected"])
            for result in group:
                listed.rows.append([value for _, value in result.combination.values] + [str(result.expected)])
                if not result.agrees:
                    listed.flagged.add(len(listed.rows) - 1)
            tables.append(listed)
    return tables


def report_tables(results: Sequence[Result], table: Facets) -> tuple[str, list[Table]]:
    """The report's opening line and its tables."""
    combinations = len({r.combination.index for r in results})
    bad = [r for r in results if not r.agrees]
    sizes = " × ".join(f"{facet} {len(values)}" for facet, values in table.items())
    opening = (
        f"{combinations} combinations ({sizes}) × {len(results) // max(combinations, 1)} endpoints = "
        f"{len(results)} requests; {len(bad)} disagreements with the oracle."
    )
    tables = []
    if bad:
        disagreements = Table(
            "Disagreements with the oracle", ["combination", "endpoint", "breaches"], level=2
        )
        for result in bad:
            disagreements.rows.append([str(result.combination), result.endpoint, "; ".join(result.breaches)])
        disagreements.flagged = set(range(len(bad)))
        tables.append(disagreements)
    for endpoint in dict.fromkeys(r.endpoint for r in results):
        tables += _endpoint_tables(endpoint, [r for r in results if r.endpoint == endpoint], table)
    return opening, tables


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(opening: str, tables: Sequence[Table]) -> str:
    """The decision table as Markdown; flagged rows are bold and marked ❌."""
    lines = ["# Claim matrix: decision table", "", opening, ""]
    for table in tables:
        lines += ["#" * table.level + " " + table.title, "", "| " + " | ".join(table.headers) + " |"]
        lines.append("|" + "---|" * len(table.headers))
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
        parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in table.headers) + "</tr>")
        for i, row in enumerate(table.rows):
            css = ' class="bad"' if i in table.flagged else ""
            parts.append(f"<tr{css}>" + "".join(_html_cell(c) for c in row) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(results: Sequence[Result], table: Facets, path: Path) -> tuple[Path, Path]:
    """Write ``path`` as ``.md`` and ``.html``; returns both paths."""
    opening, tables = report_tables(results, table)
    markdown, page = path.with_suffix(".md"), path.with_suffix(".html")
    markdown.parent.mkdir(parents=True, exist_ok=True)
    markdown.write_text(render_markdown(opening, tables), encoding="utf-8")
    page.write_text(render_html(opening, tables), encoding="utf-8")
    return markdown, page
