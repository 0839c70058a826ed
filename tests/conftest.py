"""Shared fixtures: a fresh in-process tenant per test, the API's client, and a request helper.

Also the Wycheproof summary hook: it lives here, not in tests/vectors/, because under xdist only the
controller prints the terminal summary, and it loads no conftest below this one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

import pytest
from _pytest.terminal import TerminalReporter
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase, ReadOnlyDatabase

from apiexample.auth import require_auth
from fake_issuer import FakeIssuer

# Hypothesis profiles (README: "Choosing a Hypothesis profile"). No deadline anywhere: the machine is
# shared, and a test's outcome must not depend on wall-clock speed. For the same reason no profile runs
# the too_slow health check: it times input generation by the wall clock, so on a loaded machine it fails
# a test for the load, not for its strategies (Hypothesis's own "ci" profile suppresses it for that).


def example_database() -> ExampleDatabase | None:
    """The example database named by ``HYPOTHESIS_EXAMPLES`` (a directory), read-only if asked; else None.

    CI keeps the nightly run's directory and hands it to every pull request's run read-only, so a
    failure found at night is replayed first there (README: "CI and the merge gate").
    """
    directory = os.environ.get("HYPOTHESIS_EXAMPLES")
    if not directory:
        return None
    database = DirectoryBasedExampleDatabase(directory)
    return ReadOnlyDatabase(database) if os.environ.get("HYPOTHESIS_EXAMPLES_READONLY") == "1" else database


def register_profile(name: str, parent: settings | None, max_examples: int) -> None:
    """Register ``name``: untimed, and on the shared example database when one is named."""
    settings.register_profile(
        name, parent, max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    shared = example_database()
    if shared is not None:
        settings.register_profile(name, settings.get_profile(name), database=shared)


register_profile("dev", None, 25)
register_profile("ci", settings.get_profile("ci"), 500)  # Hypothesis's "ci": derandomized, no own database
# Randomized even under CI=true (Hypothesis's "default" as parent): each night explores new examples.
register_profile("thorough", settings.get_profile("default"), 50_000)
if "HYPOTHESIS_PROFILE" in os.environ:
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
elif settings.get_current_profile_name() == "default":
    settings.load_profile("dev")  # outside CI (where Hypothesis loads "ci" by itself), iterate fast


@pytest.fixture
def tenant() -> Iterator[FakeIssuer]:
    """The default fake tenant (the one tests.settings trusts), its JWKS served in-process.

    The API's validator is rebuilt around it, so no keys cached by another test leak in.
    """
    require_auth.reset()
    with FakeIssuer() as issuer:
        yield issuer
    require_auth.reset()


@pytest.fixture
def api() -> Client:
    """Django's test client for the API."""
    return Client()


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    """One line of counts per class for each Wycheproof vector file, when ``test_wycheproof`` ran."""
    reports = [report for reports in terminalreporter.stats.values() for report in reports]
    if not any("test_wycheproof.py" in str(getattr(report, "nodeid", "")) for report in reports):
        return
    from tests.vectors.wycheproof_vectors import FILES, summary

    terminalreporter.section("Wycheproof vectors")
    logging.disable(logging.WARNING)  # the key filter's skip lines were already seen in the tests
    try:
        lines = [summary(file) for file in FILES]
    finally:
        logging.disable(logging.NOTSET)
    for line in lines:
        terminalreporter.write_line(line)
