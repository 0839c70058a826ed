"""``fake-issuer scan``: judge any running API over real HTTP against this project's oracle.

Starts the loopback issuer, prints the settings the target must use, scans ``--target`` (launching
``--run CMD`` first when given), prints the summary by severity, writes the reports asked for and exits
0, or 1 when a finding is at ``--fail-on`` or worse; 2 on bad arguments or a target that never answers.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path

from fake_issuer.scan.judge import SEVERITIES
from fake_issuer.scan.profiles import PROFILES
from fake_issuer.scan.report import Report, render_html, render_json, render_junit, render_markdown
from fake_issuer.scan.runner import Result
from fake_issuer.scan.session import Options, Scanner, Targets
from fake_issuer.scan.target import TargetError, command

EPILOG = """\
Placeholders in --run and the target URLs: {issuer} {jwks_url} {audience} {ca} {scope} {port}.
Example (this repository's API):
  fake-issuer scan --run 'AUTH0_ISSUER={issuer} AUTH0_AUDIENCE={audience} DJANGO_ALLOWED_HOSTS=127.0.0.1
    gunicorn -b 127.0.0.1:{port} --threads 4 apiexample.wsgi' --target 'http://127.0.0.1:{port}/api/private'
    --scoped-target 'http://127.0.0.1:{port}/api/private-scoped' --public-target 'http://127.0.0.1:{port}/api/public'
Exit status: 0 no finding at --fail-on or worse, 1 some, 2 bad arguments or the target never answered."""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _interval(text: str) -> float:
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 86400:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 86400 seconds")
    return value


def _progress(total: int) -> tuple[Callable[[Result], None] | None, Callable[[], None]]:
    """A tqdm bar on a terminal, nothing otherwise."""
    if not sys.stdout.isatty():
        return None, lambda: None
    from tqdm import tqdm  # pragma: no cover - only on a terminal

    bar = tqdm(total=total, unit="req", leave=False)  # pragma: no cover - only on a terminal

    def update(result: Result) -> None:  # pragma: no cover - only on a terminal
        bar.update(1)

    return update, bar.close  # pragma: no cover - only on a terminal


def _write(report: Report, args: argparse.Namespace) -> None:
    outputs: dict[str | None, Callable[[Report], str]] = {
        args.markdown: render_markdown,
        args.html: render_html,
        args.json: render_json,
        args.junit: functools.partial(render_junit, fail_on=args.fail_on),
    }
    for path, render in outputs.items():
        if path is not None:
            Path(path).write_text(render(report), encoding="utf-8")
            print(f"wrote {path}")


def _run(args: argparse.Namespace) -> int:
    if args.target is None:
        print(
            "fake-issuer scan: --target URL is required (the endpoint that needs a valid token)",
            file=sys.stderr,
        )
        return 2
    options = Options(
        profile=args.profile,
        sample=args.sample,
        seed=args.seed,
        scope=args.scope,
        audience=args.audience,
        leeway=args.leeway,
        realm=args.realm,
        jwks_ttl=args.jwks_ttl,
        max_wait=args.max_wait,
        recovery_wait=args.recovery_wait,
        workers=args.workers,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        scenarios=not args.no_scenarios,
        flood_bound=args.flood_bound,
        flood_interval=args.flood_interval,
        target_log=args.target_log,
    )
    targets = Targets(args.target, args.scoped_target, args.public_target, args.run)
    with Scanner(options, tls=args.tls) as scanner:
        try:
            urls = targets.urls(scanner.settings)
            if targets.run:
                command(targets.run, scanner.settings)  # a bad --run fails now, before the cases are built
        except TargetError as error:
            print(f"fake-issuer scan: {error}", file=sys.stderr)
            return 2
        scanner.build(tuple(urls))
        print("Configure the target with:")
        for name, value in scanner.settings.items():
            print(f"  {name:<9}{value or '(none: plain HTTP)'}")
        print(f"{len(scanner.cases)} cases, {len(scanner.skipped)} skipped; target {urls}", flush=True)
        update, close = _progress(len(scanner.cases))
        try:
            report = scanner.scan(targets, progress=update)
        except TargetError as error:
            print(f"fake-issuer scan: {error}", file=sys.stderr)
            return 2
        finally:
            close()
    sys.stdout.write(report.summary())
    _write(report, args)
    return 1 if report.at_or_above(args.fail_on) else 0


def add_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``scan``: judge a running API (or one ``--run`` launches) over HTTP."""
    parser = subparsers.add_parser(
        "scan",
        help="judge any running API over HTTP: attacks, claim matrix, JWKS scenarios",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--target", metavar="URL", help="an endpoint that needs a valid token (required)")
    parser.add_argument("--scoped-target", metavar="URL", help="an endpoint that also needs --scope")
    parser.add_argument("--public-target", metavar="URL", help="an endpoint that needs no token")
    parser.add_argument("--scope", default="read:messages", help="the scope --scoped-target needs")
    parser.add_argument("--run", metavar="CMD", help="launch the target with CMD (placeholders filled)")
    parser.add_argument("--tls", action="store_true", help="serve the issuer over HTTPS with a throwaway CA")
    parser.add_argument("--audience", default="https://apiexample.test/api", help="the API's audience")
    parser.add_argument("--profile", choices=PROFILES, default="strict", help="strict (default) or rfc")
    parser.add_argument("--sample", type=_positive, help="N claim-matrix cells instead of all of them")
    parser.add_argument("--seed", type=int, default=0, help="the --sample seed (default 0)")
    parser.add_argument("--leeway", type=_seconds, default=60.0, help="the target's clock leeway (60)")
    parser.add_argument("--realm", help="check the challenges' realm is this (default: any realm)")
    parser.add_argument("--jwks-ttl", type=_seconds, default=600.0, help="the target's stated JWKS TTL")
    parser.add_argument("--max-wait", type=_seconds, default=30.0, help="longest wait for a TTL (30 s)")
    parser.add_argument("--recovery-wait", type=_seconds, default=20.0, help="bound on recovery (20 s)")
    parser.add_argument("--workers", type=_positive, default=8, help="concurrent keep-alive connections (8)")
    parser.add_argument("--timeout", type=_seconds, default=10.0, help="seconds per request (10)")
    parser.add_argument("--startup-timeout", type=_seconds, default=30.0, help="seconds to answer (30)")
    parser.add_argument("--flood-bound", type=_positive, default=5, help="JWKS fetches a flood may cause (5)")
    parser.add_argument(
        "--flood-interval",
        type=_interval,
        default=1.0,
        help="and one more per this many seconds it lasts (1 s)",
    )
    parser.add_argument("--no-scenarios", action="store_true", help="skip the JWKS scenarios")
    parser.add_argument("--fail-on", choices=SEVERITIES, default="low", help="exit 1 at this or worse (low)")
    parser.add_argument("--markdown", metavar="PATH", help="write the Markdown report")
    parser.add_argument("--html", metavar="PATH", help="write the HTML report")
    parser.add_argument("--junit", metavar="PATH", help="write JUnit XML (findings at --fail-on fail)")
    parser.add_argument("--json", metavar="PATH", help="write the JSON report")
    parser.add_argument("--target-log", metavar="PATH", help="append the launched target's output here")
    parser.set_defaults(handler=_run)
