"""The suite's Hypothesis profiles (README: "Choosing a Hypothesis profile") and the shared example database.

No deadline anywhere: the machine is shared, and a test's outcome must not depend on wall-clock speed.
For the same reason no profile runs the too_slow health check: it times input generation by the wall
clock, so on a loaded machine it fails a test for the load, not for its strategies (Hypothesis's own
"ci" profile suppresses it for that).
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase, ExampleDatabase, ReadOnlyDatabase


def example_database() -> ExampleDatabase | None:
    """The example database named by ``HYPOTHESIS_EXAMPLES`` (a directory), read-only if asked; else None.

    CI keeps the nightly run's directory and hands it to every pull request's run read-only, so a
    failure found at night is replayed first there (README: "CI and the merge gate"). The path is
    resolved once, here, so a test that changes the working directory does not move the database.
    """
    directory = os.environ.get("HYPOTHESIS_EXAMPLES")
    if not directory:
        return None
    database = DirectoryBasedExampleDatabase(Path(directory).resolve())
    return ReadOnlyDatabase(database) if os.environ.get("HYPOTHESIS_EXAMPLES_READONLY") == "1" else database


def register_profile(name: str, parent: settings | None, max_examples: int) -> None:
    """Register ``name``: untimed, and on the shared example database when one is named."""
    settings.register_profile(
        name, parent, max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    shared = example_database()
    if shared is not None:
        settings.register_profile(name, settings.get_profile(name), database=shared)


def load_profiles() -> None:
    """Register dev, ci and thorough, and load ``HYPOTHESIS_PROFILE``, Hypothesis's ``ci`` or else dev."""
    register_profile("dev", None, 25)
    # Hypothesis's own "ci" as parent: derandomized, no database of its own.
    register_profile("ci", settings.get_profile("ci"), 500)
    # Randomized even under CI=true (Hypothesis's "default" as parent): each night explores new examples.
    register_profile("thorough", settings.get_profile("default"), 50_000)
    if "HYPOTHESIS_PROFILE" in os.environ:
        settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
    elif settings.get_current_profile_name() == "default":
        settings.load_profile("dev")  # outside CI (where Hypothesis loads "ci" by itself), iterate fast
