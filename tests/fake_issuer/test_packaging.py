"""The distribution's promises: optional extras fail with their name, the plugin imports nothing early.

pytest imports ``pytest11`` entry points before coverage measurement starts, so importing
``fake_issuer.plugin`` must run only ``fake_issuer/__init__.py`` and the plugin's own definitions.
"""

from __future__ import annotations

import importlib
import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

import fake_issuer

PACKAGE = Path(fake_issuer.__file__).parent


def test_importing_the_plugin_imports_nothing_else_of_fake_issuer() -> None:
    probe = (
        "import json, sys, fake_issuer.plugin; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('fake_issuer', 'cryptography', 'requests', 'responses', 'hypothesis'))))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=PACKAGE.parent
    )
    assert json.loads(found.stdout) == ["fake_issuer", "fake_issuer.plugin"]


def test_the_entry_modules_define_what_they_promise() -> None:
    # Run afresh (under coverage, whichever way the plugin was loaded): definitions only.
    package = runpy.run_path(str(PACKAGE / "__init__.py"))
    assert sorted(package["_HOMES"]) == sorted(package["__all__"]) == sorted(fake_issuer.__all__)
    plugin = runpy.run_path(str(PACKAGE / "plugin.py"))
    fixtures = {"fake_issuer", "fake_issuer_module", "fake_issuer_server", "fake_issuer_server_module"}
    assert fixtures | {"mint_token", "fake_issuer_settings", "fake_issuer_options"} <= set(plugin)


def test_every_public_name_resolves_and_an_unknown_one_is_an_attribute_error() -> None:
    for name in fake_issuer.__all__:
        assert getattr(fake_issuer, name) is getattr(
            importlib.import_module(f"fake_issuer.{fake_issuer._HOMES[name]}"), name
        )
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        fake_issuer.Nope  # noqa: B018


@pytest.mark.parametrize(
    ("module", "dependency", "extra"),
    [
        ("fake_issuer.mocking", "responses", "responses"),
        ("fake_issuer.policy.strategies", "hypothesis", "hypothesis"),
        ("fake_issuer.policy.drawing", "hypothesis", "hypothesis"),
    ],
)
def test_a_missing_extra_is_named(
    module: str, dependency: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    importlib.import_module(module)  # loaded first, so only ``module`` itself is imported again
    monkeypatch.setitem(sys.modules, dependency, None)  # what an absent package looks like to import
    monkeypatch.delitem(sys.modules, module)
    with pytest.raises(ImportError, match=rf"pip install 'fake-issuer\[{extra}\]'"):
        importlib.import_module(module)
