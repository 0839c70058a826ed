"""JWKS scenarios played through the loopback issuer: rotation, unknown-kid flood, JWKS faults, jku/x5u.

RFC 7517 §5 and RFC 8725 §3.10 (keys come from the issuer's JWKS only, never from a URL the token
names); RFC 9110 §15.6.4 and §10.2.3 (a 503 with ``Retry-After`` when the keys cannot be had). Each
scenario returns ``Check``s: an id, its reference and the findings. Waits are bounded by the target's
stated JWKS TTL and a recovery bound, polled, so a good target finishes them fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from fake_issuer.issuer import FakeIssuer
from fake_issuer.policy.oracle import INVALID_TOKEN, OK, PRIVATE, Outcome
from fake_issuer.scan.cases import Sent
from fake_issuer.scan.judge import Finding, Reply, Verdict, judge_reply
from fake_issuer.scan.runner import Client, shown_request
from fake_issuer.server import IssuerServer
from fake_issuer.server.tenant import Fault

#: The faults a JWKS is put through with keys cached (``empty`` is a valid, keyless JWK Set).
FAULTS: tuple[Fault, ...] = ("status", "garbage", "drop", "slow")
ATTACKER_TENANT = "attacker"


@dataclass(frozen=True)
class Check:
    """One scenario step: id, reference, and what it found (empty: kept)."""

    id: str
    reference: str
    description: str
    findings: tuple[Finding, ...] = ()
    skipped: str | None = None


@dataclass
class Scenarios:
    """The scenarios against one target: the issuer server, the client, the URLs, the judging setup."""

    server: IssuerServer
    client: Client
    urls: dict[str, str]
    verdict: Verdict
    jwks_ttl: float = 600.0
    max_wait: float = 30.0
    recovery_wait: float = 20.0
    flood: int = 40
    flood_bound: int = 5
    #: One more fetch is allowed per ``flood_interval`` seconds the flood lasts: a target that refetches
    #: at most that often stays within the bound however slowly a loaded machine sends the flood.
    flood_interval: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    checks: list[Check] = field(default_factory=list)

    @property
    def issuer(self) -> FakeIssuer:
        """The root tenant the target trusts."""
        return self.server.issuer

    def _send(self, token: str) -> tuple[Sent, Reply]:
        sent = Sent(PRIVATE, f"Bearer {token}", tokens=(token,))
        return sent, self.client.send(self.urls, sent)

    def probe(
        self,
        id: str,
        reference: str,
        description: str,
        token: str,
        owed: Outcome,
        *,
        unavailable: bool = False,
    ) -> Check:
        """Send ``token`` to the private endpoint and judge the answer against ``owed``."""
        sent, reply = self._send(token)
        found = judge_reply(sent, {owed}, reply, self.verdict, time.time(), unavailable=unavailable)
        return self.record(id, reference, description, found, sent, reply, str(owed))

    def record(
        self,
        id: str,
        reference: str,
        description: str,
        found: Sequence[tuple[str, str]],
        sent: Sent | None = None,
        reply: Reply | None = None,
        owed: str = "",
    ) -> Check:
        """Keep a check with ``found`` as its findings."""
        request = shown_request(sent) if sent else ""
        got = reply.describe() if reply else ""
        findings = tuple(Finding(id, s, title, reference, request, got, owed) for s, title in found)
        check = Check(id, reference, description, findings)
        self.checks.append(check)
        return check

    def skip(self, id: str, reference: str, description: str, reason: str) -> None:
        """Keep a check that could not run, with its reason."""
        self.checks.append(Check(id, reference, description, skipped=reason))

    def until_accepted(self, make: Callable[[], str], bound: float) -> tuple[Sent, Reply, bool]:
        """Poll the private endpoint with ``make()`` until a 200 or ``bound`` seconds pass."""
        deadline = time.monotonic() + bound
        while True:
            sent, reply = self._send(make())
            if reply.status == 200 or time.monotonic() >= deadline:
                return sent, reply, reply.status == 200
            self.sleep(0.25)

    # -- the scenarios ----------------------------------------------------------------------------

    def cold_start(self, started: bool, reason: str) -> None:
        """Startup with the JWKS down: the target starts, never accepts, recovers once it is back."""
        ref = "RFC 8725 §3.10; RFC 9110 §15.6.4"
        if not started:
            self.record("scenario/cold-start", ref, "starts while the JWKS is down", [("high", reason)])
            return
        self.record("scenario/cold-start", ref, "starts while the JWKS is down", [])
        self.probe(
            "scenario/cold-start-token",
            ref,
            "a valid token while no key could be had",
            self.issuer.mint(),
            INVALID_TOKEN,
            unavailable=True,
        )

    def recovery(self, id: str, reference: str) -> None:
        """After ``heal()``: a token of a newly published key is accepted within the recovery bound."""
        self.server.heal()
        key = self.issuer.add_key()
        sent, reply, ok = self.until_accepted(lambda: self.issuer.mint(key=key), self.recovery_wait)
        found = (
            [] if ok else [("high", f"did not recover within {self.recovery_wait} s of the JWKS coming back")]
        )
        self.record(id, reference, "recovers by itself once the JWKS is back", found, sent, reply, "200")

    def rotation(self) -> None:
        """A new key is accepted without restart; the withdrawn one is refused within the stated TTL."""
        ref = "RFC 7517 §5; RFC 8725 §3.10"
        old = self.issuer.signing_key
        new = self.issuer.add_key()
        sent, reply, ok = self.until_accepted(lambda: self.issuer.mint(key=new), self.recovery_wait)
        found = (
            [] if ok else [("high", f"a newly published key was not accepted within {self.recovery_wait} s")]
        )
        self.record(
            "scenario/rotation-new-key",
            ref,
            "a new key is accepted without restart",
            found,
            sent,
            reply,
            "200",
        )
        self.issuer.signing_key = new
        self.issuer.remove_key(old)
        if self.jwks_ttl > self.max_wait:
            self.skip(
                "scenario/rotation-withdrawn-key",
                ref,
                "a withdrawn key is refused within the TTL",
                f"the stated JWKS TTL ({self.jwks_ttl} s) is beyond --max-wait ({self.max_wait} s)",
            )
            return
        deadline = time.monotonic() + self.jwks_ttl + 5
        while True:
            sent, reply = self._send(self.issuer.mint(key=old))
            if reply.status != 200 or time.monotonic() >= deadline:
                break
            self.sleep(0.25)
        found = judge_reply(sent, {INVALID_TOKEN}, reply, self.verdict, time.time())
        if reply.status == 200:  # under either profile: RFC 7517 §5, the JWKS is the set of valid keys
            found = [("critical", f"a withdrawn key still verifies tokens {self.jwks_ttl + 5:.0f} s after")]
        self.record(
            "scenario/rotation-withdrawn-key",
            ref,
            "a withdrawn key is refused within the TTL",
            found,
            sent,
            reply,
            str(INVALID_TOKEN),
        )

    def unknown_kid_flood(self) -> None:
        """``flood`` tokens naming unknown kids: each refused, the JWKS fetched a bounded number of times."""
        ref = "RFC 8725 §3.10; RFC 7517 §5"
        path = "/" + self.issuer.jwks_url.split("/", 3)[3]
        before = sum(1 for request in self.server.requests if request.path == path)
        worst: list[tuple[str, str]] = []
        started = self.clock()
        for index in range(self.flood):
            sent, reply = self._send(self.issuer.mint(header={"kid": f"unknown-kid-{index}"}))
            found = judge_reply(sent, {INVALID_TOKEN}, reply, self.verdict, time.time())
            if found and not worst:
                worst = found
        lasted = self.clock() - started
        fetched = sum(1 for request in self.server.requests if request.path == path) - before
        bound = self.flood_bound + int(lasted // self.flood_interval)
        if fetched > bound:
            worst.append(
                (
                    "high",
                    f"{fetched} JWKS fetches for {self.flood} unknown kids in {lasted:.1f} s (bound {bound}: "
                    f"{self.flood_bound}, and one per {self.flood_interval:g} s)",
                )
            )
        self.record(
            "scenario/unknown-kid-flood", ref, f"{self.flood} unknown kids", worst, owed=str(INVALID_TOKEN)
        )

    def jwks_faults(self, faults: Sequence[Fault] = FAULTS) -> None:
        """Each fault with keys cached: known keys keep working (or 503), no unverifiable token passes."""
        ref = "RFC 9110 §15.6.4, §10.2.3; RFC 8725 §3.10"
        for fault in faults:
            self.server.fail(fault)
            self.probe(
                f"scenario/jwks-{fault}-cached",
                ref,
                f"JWKS {fault}: a token of a cached key",
                self.issuer.mint(),
                OK,
                unavailable=True,
            )
            unpublished = self.issuer.new_key()
            self.probe(
                f"scenario/jwks-{fault}-unverifiable",
                ref,
                f"JWKS {fault}: a token of a key it cannot fetch",
                self.issuer.mint(key=unpublished),
                INVALID_TOKEN,
                unavailable=True,
            )
            self.recovery(f"scenario/jwks-{fault}-recovery", ref)

    def foreign_urls(self) -> None:
        """Tokens whose ``jku``/``x5u`` name URLs on the issuer's host: refused, and never fetched."""
        ref = "RFC 8725 §3.10; RFC 7515 §4.1.2, §4.1.5; CVE-2018-0114"
        attacker = self.server.tenants[ATTACKER_TENANT].issuer
        prefix = f"/{ATTACKER_TENANT}/"
        for name, url in (("jku", attacker.jwks_url), ("x5u", f"{attacker.issuer}cert.pem")):
            before = sum(1 for served in self.server.requests if served.path.startswith(prefix))
            token = self.issuer.mint(key=attacker.signing_key, header={name: url})
            sent, reply = self._send(token)
            found = judge_reply(sent, {INVALID_TOKEN}, reply, self.verdict, time.time())
            fetched = [served.path for served in self.server.requests if served.path.startswith(prefix)]
            if len(fetched) > before:
                found.append(
                    ("critical", f"the target fetched {fetched[-1]}, the URL the token's {name} named")
                )
            self.record(
                f"scenario/{name}-fetched",
                ref,
                f"'{name}' names a URL on the issuer's host, signed by its key",
                found,
                sent,
                reply,
                f"{INVALID_TOKEN}, and no request to that URL",
            )
