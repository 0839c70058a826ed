"""The pytest plugin as another project meets it: through ``pytester``, from its own directory."""

from __future__ import annotations

from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "pytest_plugin"
#: Plugins of this environment an outside project need not have (Django, Hypothesis: ours, not theirs).
ISOLATED = ("-p", "no:django", "-p", "no:hypothesispytest", "-p", "no:cacheprovider")


def copy_example(pytester: pytest.Pytester) -> None:
    """Lay ``examples/pytest_plugin`` out as the project under test."""
    for source in EXAMPLE.iterdir():
        if source.is_file():
            (pytester.path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")


def test_the_example_project_passes(pytester: pytest.Pytester) -> None:
    copy_example(pytester)
    setup_lines = [
        line
        for name in ("pytest.ini", "conftest.py")
        for line in (pytester.path / name).read_text().splitlines()
        if line.strip()
    ]
    assert len(setup_lines) <= 5
    result = pytester.runpytest_inprocess(*ISOLATED)
    result.assert_outcomes(passed=6)


def test_the_fixtures_are_documented(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["fake_issuer.plugin"]')
    result = pytester.runpytest_inprocess(*ISOLATED, "--fixtures")
    result.stdout.fnmatch_lines(
        [
            "fake_issuer -- *",
            "    A fake Auth0 tenant whose JWKS ``requests`` fetches in-process*",
            "fake_issuer_server -- *",
            "    A fake Auth0 tenant served on 127.0.0.1*",
            "mint_token -- *",
            "    ``mint_token(**overrides)``: a token from ``fake_issuer``*",
        ]
    )


def test_ini_options_set_the_issuer_and_audience(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["fake_issuer.plugin"]')
    pytester.makeini(
        "[pytest]\nfake_issuer_url = https://tenant.example\nfake_issuer_audience = urn:my-api\n"
    )
    pytester.makepyfile(
        """
        def test_configured(fake_issuer, fake_issuer_server):
            assert fake_issuer.issuer == "https://tenant.example/"
            assert fake_issuer.audience == "urn:my-api"
            assert fake_issuer_server.issuer.audience == "urn:my-api"
        """
    )
    pytester.runpytest_inprocess(*ISOLATED).assert_outcomes(passed=1)


def test_defaults_without_ini_options(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["fake_issuer.plugin"]')
    pytester.makepyfile(
        """
        from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER

        def test_defaults(fake_issuer, mint_token):
            assert (fake_issuer.issuer, fake_issuer.audience) == (DEFAULT_ISSUER, DEFAULT_AUDIENCE)
            assert mint_token().count(".") == 2
        """
    )
    pytester.runpytest_inprocess(*ISOLATED).assert_outcomes(passed=1)


def test_loading_it_twice_registers_it_once(pytester: pytest.Pytester) -> None:
    # What an editable install does: the pytest11 entry point ("-p" here, same name) and a conftest.
    pytester.makeconftest('pytest_plugins = ["fake_issuer.plugin"]')
    pytester.makepyfile("def test_fixture(fake_issuer_server):\n    assert fake_issuer_server.url")
    result = pytester.runpytest_inprocess(*ISOLATED, "-p", "fake_issuer.plugin")
    result.assert_outcomes(passed=1)


def test_the_server_fixture_stops_after_the_test(pytester: pytest.Pytester) -> None:
    pytester.makeconftest('pytest_plugins = ["fake_issuer.plugin"]')
    pytester.makepyfile(
        """
        import pytest, requests

        urls = []

        def test_serve(fake_issuer_server):
            urls.append(fake_issuer_server.issuer.jwks_url)
            assert requests.get(urls[0], timeout=5).status_code == 200

        def test_stopped():
            with pytest.raises(requests.ConnectionError):
                requests.get(urls[0], timeout=5)
        """
    )
    pytester.runpytest_inprocess(*ISOLATED, "-p", "no:randomly").assert_outcomes(passed=2)
