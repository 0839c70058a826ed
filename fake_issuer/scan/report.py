"""The scan's outputs: summary table, Markdown, HTML, JUnit XML (one testcase per case) and JSON.

Every finding names its case, severity, RFC/CVE reference, the request (tokens shown as header and
claims only), what came back and what was owed. Skipped cases are listed with their reason.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from xml.etree import ElementTree

from fake_issuer.scan.judge import RANK, SEVERITIES, Finding


@dataclass(frozen=True)
class Row:
    """One case or scenario check: its id, source, findings, and why it was skipped (if it was)."""

    id: str
    source: str
    findings: tuple[Finding, ...] = ()
    skipped: str | None = None


@dataclass
class Report:
    """A finished scan: profile, rows, request count, timings and the settings the target was given."""

    profile: str
    rows: Sequence[Row]
    requests: int
    scan_seconds: float
    total_seconds: float
    settings: Mapping[str, str] = field(default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        """Every finding, worst first."""
        found = [finding for row in self.rows for finding in row.findings]
        return sorted(found, key=lambda finding: (RANK[finding.severity], finding.case))

    def counts(self) -> dict[str, int]:
        """Findings per severity, every severity listed."""
        counted = Counter(finding.severity for finding in self.findings)
        return {severity: counted.get(severity, 0) for severity in SEVERITIES}

    def at_or_above(self, severity: str) -> list[Finding]:
        """The findings at ``severity`` or worse."""
        return [finding for finding in self.findings if RANK[finding.severity] <= RANK[severity]]

    @property
    def rate(self) -> float:
        """Requests per second during the case run (scenarios wait on purpose, so they are left out)."""
        return self.requests / self.scan_seconds if self.scan_seconds > 0 else 0.0

    def summary(self) -> str:
        """The terminal summary: counts by severity, then one line per finding at low or above."""
        skipped = sum(1 for row in self.rows if row.skipped)
        lines = [
            f"profile {self.profile}: {len(self.rows)} cases and checks, {self.requests} requests "
            f"in {self.scan_seconds:.1f} s ({self.rate:.0f}/s), {skipped} skipped",
            "",
            f"{'severity':<10}findings",
            *(f"{severity:<10}{count}" for severity, count in self.counts().items()),
        ]
        worst = self.at_or_above("low")
        if worst:
            lines += ["", *(f"{f.severity:<9} {f.case}: {f.title}" for f in worst[:50])]
            if len(worst) > 50:
                lines.append(f"... and {len(worst) - 50} more (see the reports)")
        return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "'")


def render_markdown(report: Report) -> str:
    """The Markdown report: settings, counts, every finding in full, skipped cases."""
    lines = ["# fake-issuer scan", "", f"Profile `{report.profile}`; {report.requests} requests.", ""]
    lines += ["| setting | value |", "|---|---|", *(f"| {k} | `{v}` |" for k, v in report.settings.items())]
    lines += [
        "",
        "| severity | findings |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in report.counts().items()),
    ]
    for finding in report.findings:
        lines += [
            "",
            f"## {finding.severity}: `{finding.case}`",
            "",
            f"- **{_md(finding.title)}**",
            f"- reference: {_md(finding.reference)}",
            f"- request: `{_md(finding.request)}`",
            f"- got: `{_md(finding.got)}`",
            f"- owed: {_md(finding.owed)}",
        ]
    skipped = [row for row in report.rows if row.skipped]
    if skipped:
        lines += ["", "## Skipped", "", *(f"- `{row.id}`: {_md(row.skipped or '')}" for row in skipped)]
    return "\n".join(lines) + "\n"


def render_html(report: Report) -> str:
    """A standalone HTML page with the same content as the Markdown report."""
    esc = html.escape
    counts = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in report.counts().items())
    settings = "".join(
        f"<tr><td>{esc(k)}</td><td><code>{esc(v)}</code></td></tr>" for k, v in report.settings.items()
    )
    rows = "".join(
        f'<tr class="{f.severity}"><td>{f.severity}</td><td><code>{esc(f.case)}</code></td>'
        f"<td>{esc(f.title)}</td>"
        f"<td>{esc(f.reference)}</td><td><code>{esc(f.request)}</code></td><td><code>{esc(f.got)}</code></td>"
        f"<td>{esc(f.owed)}</td></tr>"
        for f in report.findings
    )
    skipped = "".join(
        f"<li><code>{esc(r.id)}</code>: {esc(r.skipped or '')}</li>" for r in report.rows if r.skipped
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8"><title>fake-issuer scan</title><style>'
        "body{font-family:sans-serif}td{border-top:1px solid #ccc;vertical-align:top;padding:4px}"
        ".critical{background:#fbb}.high{background:#fdb}.medium{background:#ffd}</style></head><body>"
        f"<h1>fake-issuer scan</h1><p>Profile <b>{esc(report.profile)}</b>; {report.requests} requests.</p>"
        f"<table>{settings}</table><h2>Findings by severity</h2><table>{counts}</table>"
        "<h2>Findings</h2><table><tr><th>severity</th><th>case</th><th>finding</th><th>reference</th>"
        f"<th>request</th><th>got</th><th>owed</th></tr>{rows}</table><h2>Skipped</h2><ul>{skipped}</ul>"
        "</body></html>\n"
    )


def render_junit(report: Report, fail_on: str = "low") -> str:
    """JUnit XML: one testcase per case; findings at ``fail_on`` or worse fail it, skips are skipped."""
    failing = [row for row in report.rows if any(RANK[f.severity] <= RANK[fail_on] for f in row.findings)]
    suite = ElementTree.Element(
        "testsuite",
        name=f"fake-issuer scan ({report.profile})",
        tests=str(len(report.rows)),
        failures=str(len(failing)),
        skipped=str(sum(1 for row in report.rows if row.skipped)),
        time=f"{report.total_seconds:.3f}",
    )
    for row in report.rows:
        case = ElementTree.SubElement(suite, "testcase", classname=f"scan.{row.source}", name=row.id)
        if row.skipped:
            ElementTree.SubElement(case, "skipped", message=row.skipped)
        for finding in row.findings:
            tag = "failure" if RANK[finding.severity] <= RANK[fail_on] else "system-out"
            text = f"{finding.title}\nreference: {finding.reference}\nrequest: {finding.request}\n"
            text += f"got: {finding.got}\nowed: {finding.owed}"
            element = ElementTree.SubElement(case, tag, message=f"{finding.severity}: {finding.title}")
            element.text = text
    return ElementTree.tostring(suite, encoding="unicode", xml_declaration=True) + "\n"


def render_json(report: Report) -> str:
    """Machine-readable: counts, findings, skipped cases, timings."""
    document = {
        "profile": report.profile,
        "requests": report.requests,
        "scan_seconds": report.scan_seconds,
        "counts": report.counts(),
        "findings": [asdict(finding) for finding in report.findings],
        "skipped": {row.id: row.skipped for row in report.rows if row.skipped},
        "settings": dict(report.settings),
    }
    return json.dumps(document, indent=2) + "\n"
