"""``python -m fake_issuer matrix``: run the claim matrix against this repository's API in-process.

Writes the decision table (``fake_issuer.matrix.report``) when asked; exits 1 on a disagreement. The
target is the sample API ``apiexample``, which runs from a checkout of the repository and is not
installed with the package: elsewhere the command says so and exits 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

from fake_issuer.matrix.matrix import default_matrix, summary
from fake_issuer.matrix.report import write_report

_TARGET = (
    "the claim matrix runs against this repository's sample API (apiexample, Django), in-process; "
    "run it from a checkout of the repository with its requirements installed"
)


#: What the target needs: the sample API from the checkout and its framework and libraries.
REQUIRES = ("apiexample", "django", "authlib", "joserfc")


def _run_cli(args: argparse.Namespace) -> int:
    missing = [name for name in REQUIRES if importlib.util.find_spec(name) is None]
    if missing:  # installed elsewhere: not in a checkout of the repository
        print(f"fake-issuer matrix: {_TARGET} (missing here: {', '.join(missing)})", file=sys.stderr)
        return 2
    from fake_issuer.matrix.django_api import api_in_process

    matrix = default_matrix()
    chosen = matrix.combinations[: args.limit] if args.limit else matrix.combinations
    with api_in_process(matrix) as api:
        results = matrix.run(chosen, api.get)
    counts = summary(results)
    print(", ".join(f"{value} {name}" for name, value in counts.items()))
    if args.report is not None:
        markdown, html = write_report(results, matrix.table, Path(args.report))
        print(f"decision table: {markdown} and {html}")
    return 1 if counts["disagreements"] else 0


def add_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``matrix``: run the claim matrix against the API in-process, optionally write the report."""
    parser = subparsers.add_parser(
        "matrix",
        help="run the exhaustive claim matrix against the sample API",
        description=f"Send every combination of named claim variants to the three endpoints and compare "
        f"each answer with the oracle's. Note: {_TARGET}.",
    )
    parser.add_argument(
        "--report", metavar="PATH", help="write the decision table to PATH (.md) and PATH.html"
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N combinations (a smoke run)")
    parser.set_defaults(handler=_run_cli)
