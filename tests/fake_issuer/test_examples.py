"""The three outside projects of ``examples/``, each run in a fresh copy as its own pytest session.

Each adopts the plugin the way its README says, in at most five lines of setup (counted here), and
its tests (a valid token, an expired one, a wrong audience, a missing scope, a property judged by the
oracle) must all pass. The plugin is loaded with ``-p fake_issuer.plugin``, as the installed
``pytest11`` entry point would.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
REPOSITORY = EXAMPLES.parent
#: Lines that are not setup for the plugin: the ini header, pytest-django's own setting, blanks.
NOT_SETUP = re.compile(r"^\s*(\[pytest\]|DJANGO_SETTINGS_MODULE\s*=.*|#.*)?\s*$")


def setup_lines(project: Path) -> list[str]:
    """The project's setup for the plugin: ``pytest.ini`` options and ``conftest.py`` lines."""
    lines = []
    for name in ("pytest.ini", "conftest.py"):
        path = project / name
        if path.exists():
            lines += [line for line in path.read_text().splitlines() if not NOT_SETUP.match(line)]
    return lines


def stated_setup_lines(project: Path) -> int:
    """The count the project's README states: ``**Setup: N lines**``."""
    match = re.search(r"\*\*Setup: (\d+) lines?\*\*", (project / "README.md").read_text())
    assert match, f"{project.name}/README.md does not state its setup line count"
    return int(match.group(1))


def copy_example(name: str, pytester: pytest.Pytester) -> Path:
    """A fresh copy of ``examples/NAME`` as the project under test."""
    shutil.copytree(EXAMPLES / name, pytester.path, dirs_exist_ok=True)
    return pytester.path


@pytest.mark.parametrize("name", ["drf_api", "flask_api", "m2m_client"])
def test_each_example_states_its_setup_and_keeps_it_within_five_lines(name: str) -> None:
    project = EXAMPLES / name
    assert len(setup_lines(project)) == stated_setup_lines(project) <= 5


@pytest.mark.parametrize(("name", "tests"), [("flask_api", 5), ("m2m_client", 6)])
def test_the_example_passes(name: str, tests: int, pytester: pytest.Pytester) -> None:
    copy_example(name, pytester)
    result = pytester.runpytest_inprocess(
        "-p", "fake_issuer.plugin", "-p", "no:django", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=tests)


def test_the_django_rest_framework_example_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its own Django settings: a process of its own (Django is configured once per process).
    copy_example("drf_api", pytester)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    monkeypatch.setenv("PYTHONPATH", str(REPOSITORY))
    result = pytester.runpytest_subprocess("-p", "fake_issuer.plugin", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=6)
