"""The pytest plugin as another project meets it: through ``pytester``, from its own directory."""

from __future__ import annotations

import pytest

#: Plugins of this environment an outside project need not have (Django: ours, not theirs).
ISOLATED = ("-p", "no:django", "-p", "no:cacheprovider")
CONFTEST = 'pytest_plugins = ["fake_issuer.plugin"]'


def run(pytester: pytest.Pytester, test: str, ini: str = "", *args: str) -> pytest.RunResult:
    """Run ``test`` as a project whose conftest loads the plugin and whose pytest.ini holds ``ini``."""
    pytester.makeconftest(CONFTEST)
    pytester.makeini("[pytest]\n" + ini)
    pytester.makepyfile(test)
    return pytester.runpytest_inprocess(*ISOLATED, *args)


def test_every_fixture_is_documented(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    result = pytester.runpytest_inprocess(*ISOLATED, "--fixtures")
    result.stdout.fnmatch_lines_random(
        [
            "fake_issuer -- *",
            "    A fake Auth0 tenant whose JWKS ``requests`` fetches in-process*",
            "fake_issuer_module [[]module scope[]] -- *",
            "fake_issuer_server -- *",
            "    A fake Auth0 tenant served on 127.0.0.1*",
            "fake_issuer_server_module [[]module scope[]] -- *",
            "fake_issuer_options [[]session scope[]] -- *",
            "fake_issuer_settings -- *",
            "    What the application under test needs*",
            "mint_token -- *",
            "    ``mint_token(**overrides)``: a token from the tenant the test uses*",
        ]
    )


def test_every_ini_option_is_documented(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    result = pytester.runpytest_inprocess(*ISOLATED, "--help")
    for name in ("url", "audience", "scope", "port", "tls", "clients", "extra_keys", "key_file"):
        result.stdout.fnmatch_lines([f"  fake_issuer_{name} *"])


def test_the_help_defaults_are_the_library_defaults() -> None:
    from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEFAULT_SCOPE, plugin

    assert (plugin._DEFAULT_ISSUER, plugin._DEFAULT_AUDIENCE, plugin._DEFAULT_SCOPE) == (
        DEFAULT_ISSUER,
        DEFAULT_AUDIENCE,
        DEFAULT_SCOPE,
    )


def test_ini_options_set_the_in_process_tenant(pytester: pytest.Pytester) -> None:
    test = """
        def test_configured(fake_issuer, mint_token, fake_issuer_settings):
            assert fake_issuer.issuer == "https://tenant.example/"
            assert fake_issuer.audience == "urn:my-api"
            assert len(fake_issuer.jwks()["keys"]) == 3
            assert fake_issuer.mock.fetches == 0  # mint_token signed for this tenant, nothing else
            token = mint_token()
            assert fake_issuer.signing_key.kid in fake_issuer.jwks()["keys"][0]["kid"]
            assert dict(fake_issuer_settings) == {
                "issuer": "https://tenant.example/", "audience": "urn:my-api",
                "jwks_url": "https://tenant.example/.well-known/jwks.json",
                "token_url": "https://tenant.example/oauth/token", "ca_path": None,
            }
            import jwt, requests
            key = jwt.PyJWK(requests.get(fake_issuer.jwks_url, timeout=5).json()["keys"][0]).key
            assert jwt.decode(token, key, algorithms=["RS256"], audience="urn:my-api")["scope"] == "write:x"
        """
    ini = (
        "fake_issuer_url = https://tenant.example\nfake_issuer_audience = urn:my-api\n"
        "fake_issuer_scope = write:x\nfake_issuer_extra_keys = 2\n"
    )
    run(pytester, test, ini).assert_outcomes(passed=1)


def test_the_server_fixture_honours_the_options(pytester: pytest.Pytester) -> None:
    test = """
        import requests

        def test_served(fake_issuer_server, fake_issuer_settings, mint_token):
            ca = fake_issuer_settings["ca_path"]
            assert ca.endswith("tls/ca.pem") and fake_issuer_settings["issuer"].startswith("https://127.0.0.1:")
            assert fake_issuer_settings["issuer"] == fake_issuer_server.issuer.issuer
            keys = requests.get(fake_issuer_settings["jwks_url"], timeout=5, verify=ca).json()["keys"]
            assert len(keys) == 2
            body = {"grant_type": "client_credentials", "client_id": "reader", "client_secret": "s3cret",
                    "audience": "urn:api", "scope": "read:a read:b"}
            answer = requests.post(fake_issuer_settings["token_url"], json=body, timeout=5, verify=ca)
            assert answer.json()["scope"] == "read:a read:b"
            assert mint_token().count(".") == 2
            assert fake_issuer_server.take_request().path == "/.well-known/jwks.json"
        """
    ini = (
        "fake_issuer_tls = tls\nfake_issuer_audience = urn:api\nfake_issuer_extra_keys = 1\n"
        "fake_issuer_clients =\n    reader:s3cret:read:a,read:b\n    nobody:s3cret\n"
    )
    run(pytester, test, ini).assert_outcomes(passed=1)


def test_mint_token_signs_for_the_server_without_switching_responses_on(pytester: pytest.Pytester) -> None:
    test = """
        import jwt

        def test_server_token(fake_issuer_server, mint_token):
            keys = jwt.PyJWKClient(fake_issuer_server.issuer.jwks_url, cache_keys=False)
            token = mint_token(scope="a b")
            key = keys.get_signing_key_from_jwt(token).key  # urllib reached the loopback server
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=fake_issuer_server.issuer.audience)
            assert claims["iss"] == fake_issuer_server.url and claims["scope"] == "a b"
        """
    run(pytester, test).assert_outcomes(passed=1)


def test_a_loopback_issuer_url_sets_the_servers_scheme_and_a_remote_one_its_iss(
    pytester: pytest.Pytester,
) -> None:
    test = """
        from fake_issuer.plugin import Options

        def test_urls(fake_issuer_options):
            with Options(**{**vars(fake_issuer_options), "url": "https://127.0.0.1:0/"}).server() as server:
                assert server.url.startswith("https://127.0.0.1:") and server.ca_path is not None
            with fake_issuer_options.server() as server:
                assert server.issuer.issuer == "https://tenant.example/"
                assert server.url.startswith("http://127.0.0.1:")
        """
    run(pytester, test, "fake_issuer_url = https://tenant.example/\n").assert_outcomes(passed=1)


def test_a_key_file_signs_in_process_and_on_the_server(pytester: pytest.Pytester) -> None:
    test = """
        def test_key_file(fake_issuer, fake_issuer_options):
            with fake_issuer_options.server() as server:
                assert server.issuer.signing_key.kid == fake_issuer.signing_key.kid
        """
    run(pytester, test, "fake_issuer_key_file = keys/dev.json\n").assert_outcomes(passed=1)
    assert (pytester.path / "keys" / "dev.json").exists()


def test_module_scoped_tenants_work_with_given(pytester: pytest.Pytester) -> None:
    test = """
        from hypothesis import given, settings, strategies as st
        import requests

        @settings(max_examples=5)
        @given(st.integers())
        def test_in_process(fake_issuer_module, number):
            assert requests.get(fake_issuer_module.jwks_url, timeout=5).status_code == 200

        @settings(max_examples=5)
        @given(st.integers())
        def test_served(fake_issuer_server_module, number):
            assert requests.get(fake_issuer_server_module.issuer.jwks_url, timeout=5).status_code == 200
        """
    run(pytester, test).assert_outcomes(passed=2)


def test_using_two_tenants_at_once_is_a_clear_error(pytester: pytest.Pytester) -> None:
    test = """
        def test_both(fake_issuer, fake_issuer_server, mint_token):
            pass
        """
    result = run(pytester, test)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*mint_token cannot tell which tenant to follow*"])


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        ("fake_issuer_port = eighty\n", "fake_issuer_port must be a whole number, not 'eighty'"),
        ("fake_issuer_clients = reader\n", "fake_issuer_clients: a client is ID:SECRET*"),
    ],
)
def test_a_bad_option_is_one_clear_line(pytester: pytest.Pytester, ini: str, message: str) -> None:
    result = run(pytester, "def test_served(fake_issuer_server):\n    pass\n", ini)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_served*", message])
    result.assert_outcomes(errors=1)


def test_defaults_without_ini_options(pytester: pytest.Pytester) -> None:
    test = """
        from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER

        def test_defaults(fake_issuer, mint_token):
            assert (fake_issuer.issuer, fake_issuer.audience) == (DEFAULT_ISSUER, DEFAULT_AUDIENCE)
            assert mint_token().count(".") == 2

        def test_settings_alone_start_nothing(fake_issuer_settings):
            import requests, responses
            assert fake_issuer_settings["issuer"] == DEFAULT_ISSUER
            assert responses.mock.registered() == []
        """
    run(pytester, test).assert_outcomes(passed=2)


def test_loading_it_twice_registers_it_once(pytester: pytest.Pytester) -> None:
    # What an editable install does: the pytest11 entry point ("-p" here, same name) and a conftest.
    result = run(
        pytester,
        "def test_fixture(fake_issuer_server):\n    assert fake_issuer_server.url",
        "",
        "-p",
        "fake_issuer.plugin",
    )
    result.assert_outcomes(passed=1)


def test_the_server_fixture_stops_after_the_test(pytester: pytest.Pytester) -> None:
    test = """
        import pytest, requests

        urls = []

        def test_serve(fake_issuer_server):
            urls.append(fake_issuer_server.issuer.jwks_url)
            assert requests.get(urls[0], timeout=5).status_code == 200

        def test_stopped():
            with pytest.raises(requests.ConnectionError):
                requests.get(urls[0], timeout=5)
        """
    run(pytester, test, "", "-p", "no:randomly").assert_outcomes(passed=2)
