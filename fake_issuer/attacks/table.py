"""The catalog as a table: plain text for the terminal, Markdown for docs/attacks.md, and the CLI command.

``python -m fake_issuer attacks --list`` prints the text table; ``--markdown PATH`` writes the Markdown
copy (``-`` for standard output).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from fake_issuer.attacks.catalog import CATALOG, Attack

COLUMNS = ("id", "description", "reference", "expected")
MARKDOWN_COMMAND = "python -m fake_issuer attacks --markdown docs/attacks.md"


def _row(entry: Attack) -> tuple[str, str, str, str]:
    return entry.id, entry.description, entry.reference, str(entry.expected)


def render_text(catalog: Sequence[Attack] = CATALOG) -> str:
    """An aligned plain-text table of ``catalog``: id, description, reference, expected."""
    rows = [COLUMNS, *(_row(entry) for entry in catalog)]
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS) - 1)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "\\`")


def render_markdown(catalog: Sequence[Attack] = CATALOG) -> str:
    """The Markdown copy of the catalog: counts per category, then one table per category."""
    counts = Counter(entry.category for entry in catalog)
    lines = [
        "# Attack catalog",
        "",
        f"Generated from `fake_issuer/attacks/` by `{MARKDOWN_COMMAND}`; do not edit by hand.",
        "Every entry runs against `/api/private` and `/api/private-scoped` in `tests/attacks/`.",
        "Expected outcomes follow docs/validation-policy.md: `401 invalid_token` carries",
        '`WWW-Authenticate: Bearer realm="apiexample", error="invalid_token", error_description="..."`;',
        'a bare `401` carries `Bearer realm="apiexample"` only; `403 insufficient_scope` carries',
        '`Bearer realm="apiexample", error="insufficient_scope", scope="read:messages"`;',
        "`a / b` is the outcome on `/api/private` / `/api/private-scoped`.",
        "The `dpop` entries (RFC 9449, `AUTH0_DPOP=allowed`) answer DPoP-scheme requests with",
        '`DPoP realm="apiexample", algs="ES256 ... RS512", error="...", error_description="..."`',
        'followed by `, Bearer realm="apiexample"`; "DPoP check N" is the proof check of RFC 9449 §4.3',
        'as docs/validation-policy.md ("DPoP") numbers them.',
        "",
        f"{len(catalog)} entries: " + ", ".join(f"{name} {count}" for name, count in counts.items()) + ".",
    ]
    for category in counts:
        lines += ["", f"## {category}", "", "| " + " | ".join(COLUMNS) + " |", "|---|---|---|---|"]
        lines += [
            "| " + " | ".join(_cell(cell) for cell in _row(entry)) + " |"
            for entry in catalog
            if entry.category == category
        ]
    return "\n".join(lines) + "\n"


def _run(args: argparse.Namespace) -> int:
    if args.markdown == "-":
        sys.stdout.write(render_markdown())
    elif args.markdown is not None:
        Path(args.markdown).write_text(render_markdown(), encoding="utf-8")
    if args.list or args.markdown is None:
        sys.stdout.write(render_text())
    return 0


def add_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``attacks``: print the catalog (``--list``) or write its Markdown copy (``--markdown``)."""
    parser = subparsers.add_parser(
        "attacks",
        help="print the attack catalog (id, description, reference, expected)",
        description="Print the catalog of JWT forgeries and Authorization-header tricks: each entry's "
        "id, what it does, the RFC section or CVE it comes from, and the answer the validation policy "
        "owes it (docs/validation-policy.md).",
    )
    parser.add_argument("--list", action="store_true", help="print the catalog as a table (the default)")
    parser.add_argument("--markdown", metavar="PATH", help="write the Markdown table to PATH ('-': stdout)")
    parser.set_defaults(handler=_run)
