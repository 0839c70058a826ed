"""The shared example database: a failure found by the nightly profile replays on a pull request's run.

Run through ``pytester`` in fresh processes, as CI runs them: a ``thorough`` run writing to the
directory, then the derandomized ``ci`` profile reading it (``HYPOTHESIS_EXAMPLES_READONLY=1``).
Hypothesis refuses ``derandomize=True`` together with a database when both are given at once; the
profiles get them from two parents, and this is the test that they still replay.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFTEST = """
from tests.hypothesis_profiles import load_profiles

load_profiles()
"""
# Fails from RARE on (the night's search shrinks that to RARE itself), or, with EXACT, at RARE alone:
# an input that 500 derandomized examples never draw, so only a replayed example can fail the test.
RARE = 98_765_432_123
TEST = f"""
import os

from hypothesis import given, strategies as st


@given(st.integers())
def test_rare(x):
    assert not (x == {RARE} if os.environ.get("EXACT") == "1" else x >= {RARE})
"""


def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, **env: str) -> pytest.RunResult:
    """The test file in a new pytest process, with the suite's profiles and only ``env`` set of theirs."""
    for name in ("CI", "HYPOTHESIS_PROFILE", "HYPOTHESIS_EXAMPLES", "HYPOTHESIS_EXAMPLES_READONLY", "EXACT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:cov", "-q")


def stored(directory: Path) -> dict[str, bytes]:
    """Every file of an example database directory, by relative path."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def test_a_failure_found_at_night_fails_the_pull_requests_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_night=TEST)
    shared = pytester.path / ".hypothesis-shared"

    night = run(pytester, monkeypatch, HYPOTHESIS_PROFILE="thorough", HYPOTHESIS_EXAMPLES=str(shared))
    night.assert_outcomes(failed=1)
    night.stdout.fnmatch_lines([f"*x={RARE:_}*"])
    saved = stored(shared)
    assert saved, "the night run stored no example"

    # Without the night's examples the pull request's profile never meets the failing input...
    run(pytester, monkeypatch, HYPOTHESIS_PROFILE="ci", EXACT="1").assert_outcomes(passed=1)
    # ...with them, read-only, it replays it first and fails, and writes nothing.
    ci = {"HYPOTHESIS_EXAMPLES": str(shared), "HYPOTHESIS_EXAMPLES_READONLY": "1", "EXACT": "1"}
    pull_request = run(pytester, monkeypatch, HYPOTHESIS_PROFILE="ci", **ci)
    pull_request.assert_outcomes(failed=1)
    pull_request.stdout.fnmatch_lines([f"*x={RARE:_}*"])
    assert stored(shared) == saved


def test_ci_true_alone_picks_the_ci_profile_on_the_shared_database(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_profile="""
        import os

        from hypothesis import settings
        from hypothesis.database import ReadOnlyDatabase


        def test_profile():
            current = settings.default
            assert settings.get_current_profile_name() == "ci"
            assert current.derandomize and current.max_examples == 500 and current.deadline is None
            assert isinstance(current.database, ReadOnlyDatabase)
            # resolved when the profiles load: a test that changes directory later keeps the same one
            assert f"'{os.getcwd()}/relative-dir'" in repr(current.database)
        """
    )
    run(
        pytester, monkeypatch, CI="true", HYPOTHESIS_EXAMPLES="relative-dir", HYPOTHESIS_EXAMPLES_READONLY="1"
    ).assert_outcomes(passed=1)
