"""Shared fixtures: a fresh in-process tenant per test, the API's client, and a request helper.

Also the Wycheproof summary hook: it lives here, not in tests/vectors/, because under xdist only the
controller prints the terminal summary, and it loads no conftest below this one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from _pytest.terminal import TerminalReporter
from django.test import Client

from apiexample.auth import require_auth
from fake_issuer import FakeIssuer
from tests.hypothesis_profiles import load_profiles

load_profiles()


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
