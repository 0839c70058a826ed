"""One scan: the loopback issuer the target must trust, the cases, the target, the report.

``Scanner`` starts an ``IssuerServer`` (HTTP or TLS), publishes the claim matrix's keys (RFC 7517 §5),
builds every case before the target starts (so keys the catalog publishes are in its first JWKS
fetch), prints the settings the target needs, then ``scan()`` judges a running target (or one it
launches) and returns a ``Report``. ``scanner`` is the same as a pytest fixture body.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_SCOPE
from fake_issuer.policy.oracle import PRIVATE, PUBLIC, SCOPED, Policy
from fake_issuer.policy.spec import key_ring
from fake_issuer.scan.cases import Case, MatrixSource, Skipped, attack_cases, matrix_cases
from fake_issuer.scan.judge import Verdict
from fake_issuer.scan.profiles import Context
from fake_issuer.scan.report import Report, Row
from fake_issuer.scan.runner import Client, Result, run_cases
from fake_issuer.scan.scenarios import ATTACKER_TENANT, FAULTS, Scenarios
from fake_issuer.scan.target import Launched, TargetError, command, fill, free_port
from fake_issuer.server.tenant import Fault


@dataclass
class Options:
    """How to scan: profile, sample, bounds and what the target states about itself."""

    profile: str = "strict"
    sample: int | None = None
    seed: int = 0
    scope: str = DEFAULT_SCOPE
    audience: str = DEFAULT_AUDIENCE
    leeway: float = 60.0
    realm: str | None = None
    jwks_ttl: float = 600.0
    max_wait: float = 30.0
    recovery_wait: float = 20.0
    workers: int = 8
    timeout: float = 10.0
    startup_timeout: float = 30.0
    scenarios: bool = True
    #: JWKS fetches allowed for the unknown-kid flood (per target process: raise it for several workers).
    flood_bound: int = 5
    #: ... and one more per ``flood_interval`` seconds (> 0) the flood lasts (a refetch limiter's rate).
    flood_interval: float = 1.0
    #: The JWKS faults played with keys cached (``scenarios.FAULTS``: all of them).
    jwks_faults: tuple[Fault, ...] = FAULTS
    catalog: bool = True
    target_log: str | None = None


@dataclass
class Targets:
    """The endpoints: one that needs a valid token, optionally a scoped one and a public one."""

    private: str
    scoped: str | None = None
    public: str | None = None
    run: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    def urls(self, settings: Mapping[str, str]) -> dict[str, str]:
        """The oracle's endpoint paths mapped to the target's URLs, placeholders filled."""
        named = {PRIVATE: self.private, SCOPED: self.scoped, PUBLIC: self.public}
        return {path: fill(url, settings) for path, url in named.items() if url}


class Scanner:
    """The issuer a target trusts and the cases it will be sent; a context manager."""

    def __init__(self, options: Options | None = None, *, tls: bool = False) -> None:
        from fake_issuer.server import IssuerServer

        self.options = options or Options()
        self.server = IssuerServer(tls=tls, audience=self.options.audience)
        self.server.add_tenant(ATTACKER_TENANT)
        tenant = self.server.issuer
        ring = key_ring(tenant.issuer)
        tenant.keys += [ring.weak, ring.ec]
        self.policy = Policy.for_keys(
            tenant.issuer,
            tenant.audience,
            ring.published,
            required_scope=self.options.scope,
            leeway=self.options.leeway,
            realm=self.options.realm or "apiexample",
        )
        self.ring = ring
        self.port = free_port()
        self.cases: list[Case] = []
        self.skipped: list[Skipped] = []
        self._built = False

    @property
    def settings(self) -> dict[str, str]:
        """What the target must be configured with (and the ``--run`` placeholders)."""
        tenant = self.server.issuer
        ca = self.server.ca_path
        return {
            "issuer": tenant.issuer,
            "jwks_url": tenant.jwks_url,
            "audience": tenant.audience,
            "ca": str(ca) if ca else "",
            "scope": self.options.scope,
            "port": str(self.port),
        }

    def build(self, endpoints: tuple[str, ...] = (PUBLIC, PRIVATE, SCOPED)) -> None:
        """Build every case for ``endpoints`` (once): the catalog, then the matrix."""
        if self._built:
            return
        self._built = True
        if self.options.catalog:
            cases, self.skipped = attack_cases(self.server.issuer, endpoints)
            self.cases += cases
        source = MatrixSource(self.policy, self.ring)
        self.cases += matrix_cases(source, endpoints, sample=self.options.sample, seed=self.options.seed)

    def verdict(self) -> Verdict:
        """The judging setup for this scan."""
        tenant = self.server.issuer
        keys = tuple(key for key in tenant.keys if key.kind == "RSA")
        context = Context(tenant.issuer, tenant.audience, self.options.leeway, keys)
        return Verdict(
            self.options.profile, self.policy, context, self.options.realm is not None, self.options.timeout
        )

    def scan(self, targets: Targets, *, progress: Callable[[Result], None] | None = None) -> Report:
        """Judge ``targets`` (launching ``targets.run`` if given) and return the report."""
        settings = self.settings
        urls = targets.urls(settings)
        self.build(tuple(urls))
        started = time.monotonic()
        client = Client(pool=self.options.workers, timeout=self.options.timeout, ca=settings["ca"] or None)
        scenarios = Scenarios(
            self.server,
            client,
            urls,
            self.verdict(),
            jwks_ttl=self.options.jwks_ttl,
            max_wait=self.options.max_wait,
            recovery_wait=self.options.recovery_wait,
            flood_bound=self.options.flood_bound,
            flood_interval=self.options.flood_interval,
        )
        launched = None
        if targets.run:
            argv, env = command(targets.run, settings)
            probe = urls.get(PUBLIC, urls[PRIVATE])
            launched = Launched(
                argv,
                env,
                probe,
                settings["ca"] or None,
                self.options.startup_timeout,
                self.options.target_log,
            )
        try:
            if launched is not None and self.options.scenarios:
                self.server.fail("status")
                try:
                    launched.start()
                except TargetError as error:
                    scenarios.cold_start(False, f"startup needs the JWKS: {error}")
                    self.server.heal()
                    launched.start()
                else:
                    scenarios.cold_start(True, "")
                    scenarios.recovery("scenario/cold-start-recovery", "RFC 9110 §15.6.4")
            elif launched is not None:
                launched.start()
            scan_started = time.monotonic()
            results = run_cases(
                self.cases, client, urls, scenarios.verdict, workers=self.options.workers, progress=progress
            )
            scan_seconds = time.monotonic() - scan_started
            if self.options.scenarios:
                scenarios.foreign_urls()
                scenarios.unknown_kid_flood()
                scenarios.jwks_faults(self.options.jwks_faults)
                scenarios.rotation()
        finally:
            self.server.heal()
            if launched is not None:
                launched.stop()
            client.close()
        rows = [Row(r.case.id, r.case.source, r.findings) for r in results]
        rows += [Row(c.id, "scenario", c.findings, c.skipped) for c in scenarios.checks]
        rows += [Row(s.id, "attack", (), s.reason) for s in self.skipped]
        return Report(
            self.options.profile, rows, len(results), scan_seconds, time.monotonic() - started, settings
        )

    def start(self) -> Self:
        """Start serving the issuer."""
        self.server.start()
        return self

    def stop(self) -> None:
        """Stop the issuer."""
        self.server.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def scanner(options: Options | None = None, *, tls: bool = False) -> Iterator[Scanner]:
    """A running ``Scanner`` for the length of a test: ``scanner.settings``, then ``scanner.scan(...)``."""
    with Scanner(options, tls=tls) as running:
        yield running
