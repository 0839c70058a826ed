"""``python -m fake_issuer matrix``: run the claim matrices against this repository's API in-process.

The claim matrix, the time matrix (RFC 7519 §4.1) and the DPoP matrices (RFC 9449 §4.3) by default,
or one kind; writes the decision table (``fake_issuer.matrix.report``) when asked; exits 1 on a
disagreement. The target is the sample API ``apiexample``, which runs from a checkout of the
repository and is not installed with the package: elsewhere the command says so and exits 2.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

from fake_issuer.matrix.dpop import DPoPMatrix, default_dpop_matrices
from fake_issuer.matrix.matrix import Matrix, Result, default_matrix, default_time_matrix, summary
from fake_issuer.matrix.report import Run, write_sections

#: The matrices ``--matrix`` can name, in report order (``dpop``: one per ``AUTH0_DPOP`` mode).
MATRICES: dict[str, Callable[[], list[Matrix | DPoPMatrix]]] = {
    "claims": lambda: [default_matrix()],
    "times": lambda: [default_time_matrix()],
    "dpop": lambda: list(default_dpop_matrices()),
}


_TARGET = (
    "the claim matrix runs against this repository's sample API (apiexample, Django), in-process; "
    "run it from a checkout of the repository with its requirements installed"
)
#: What the target needs: the sample API from the checkout and its framework and libraries.
REQUIRES = ("apiexample", "django", "authlib", "joserfc")


def _results(matrix: Matrix | DPoPMatrix, limit: int) -> list[Result]:
    from fake_issuer.matrix.django_api import api_in_process

    chosen = matrix.combinations[:limit] if limit else matrix.combinations
    with api_in_process(matrix) as api:
        if isinstance(matrix, DPoPMatrix):
            with api.dpop_settings(matrix.dpop) as configured:
                return matrix.run(chosen, configured.send)
        return matrix.run(chosen, api.get)


def _run_cli(args: argparse.Namespace) -> int:
    missing = [name for name in REQUIRES if importlib.util.find_spec(name) is None]
    if missing:  # installed elsewhere: not in a checkout of the repository
        print(f"fake-issuer matrix: {_TARGET} (missing here: {', '.join(missing)})", file=sys.stderr)
        return 2
    names = list(MATRICES) if args.matrix == "all" else [args.matrix]
    runs, disagreements = [], 0
    for matrix in (matrix for name in names for matrix in MATRICES[name]()):
        results = _results(matrix, args.limit)
        counts = summary(results)
        disagreements += counts["disagreements"]
        print(f"{matrix.name}: " + ", ".join(f"{value} {key}" for key, value in counts.items()))
        legend = matrix.legend if isinstance(matrix, DPoPMatrix) else {}
        runs.append(Run(matrix.name, results, matrix.table, legend))
    if args.report is not None:
        markdown, html = write_sections(runs, Path(args.report))
        print(f"decision table: {markdown} and {html}")
    return 1 if disagreements else 0


def add_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``matrix``: run the claim matrices against the API in-process, optionally write the report."""
    parser = subparsers.add_parser(
        "matrix",
        help="run the exhaustive claim matrices against the sample API",
        description=f"Send every combination of named claim variants to the three endpoints and compare "
        f"each answer with the oracle's. Note: {_TARGET}.",
    )
    parser.add_argument(
        "--report", metavar="PATH", help="write the decision table to PATH (.md) and PATH.html"
    )
    parser.add_argument(
        "--matrix",
        choices=[*MATRICES, "all"],
        default="all",
        help=(
            "which matrix to run: claims, times (exp x nbf x iat at the leeway edges), "
            "dpop (scheme x proof x binding x token, per AUTH0_DPOP mode) or all (default)"
        ),
    )
    parser.add_argument(
        "--limit", type=int, default=0, help="only the first N combinations of each matrix (a smoke run)"
    )
    parser.set_defaults(handler=_run_cli)
