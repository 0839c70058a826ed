"""Prints the Wycheproof summary (one line per vector file) after a run that included its tests."""

from __future__ import annotations

import logging

from _pytest.terminal import TerminalReporter


def pytest_terminal_summary(terminalreporter: TerminalReporter) -> None:
    """One line of counts per class for each Wycheproof file, when ``test_wycheproof`` ran."""
    reports = [report for reports in terminalreporter.stats.values() for report in reports]
    if not any("test_wycheproof.py" in str(getattr(report, "nodeid", "")) for report in reports):
        return
    from tests.vectors.wycheproof_vectors import FILES, summary

    terminalreporter.section("Wycheproof vectors")
    logging.disable(logging.WARNING)  # the key filter's skip lines were seen in the tests themselves
    try:
        lines = [summary(file) for file in FILES]
    finally:
        logging.disable(logging.NOTSET)
    for line in lines:
        terminalreporter.write_line(line)
