"""``fake-issuer`` / ``python -m fake_issuer``: jwks, mint and serve, as a user types them."""

from __future__ import annotations

import dataclasses
import json
import runpy
import socket
import stat
import sys
from pathlib import Path

import pytest
import requests
from django.test import Client, override_settings
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey

from apiexample.auth import require_auth
from apiexample.config import load_config
from apiexample.dev_issuer import dev_issuer
from fake_issuer import cli
from fake_issuer.encoding import b64url_decode
from fake_issuer.issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER
from fake_issuer.keyfile import load_or_create_key_file, read_key_file
from fake_issuer.matrix import cli as matrix_cli
from fake_issuer.server import cli as serving
from fake_issuer.server.http import IssuerServer
from tests.endpoints import SCOPED

API = "https://cli.example/api"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the CLI, assert it succeeded, return what it printed."""
    assert cli.main(list(argv)) == 0
    return capsys.readouterr().out


def decoded(token: str, keys: KeySet | OctKey, alg: str = "RS256") -> jwt.Token:
    """``token`` once its signature checks out."""
    return jwt.decode(token, keys, algorithms=[alg])


# -- jwks and mint ------------------------------------------------------------------------------------------


def test_jwks_prints_one_public_rsa_key(capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(run(capsys, "jwks"))
    assert [jwk["kty"] for jwk in document["keys"]] == ["RSA"]
    assert "d" not in document["keys"][0]


def test_mint_gives_a_token_with_auth0s_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    token = run(capsys, "mint").strip()
    header, payload = (json.loads(b64url_decode(part)) for part in token.split(".")[:2])
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert payload["iss"] == DEFAULT_ISSUER
    assert payload["aud"][0] == DEFAULT_AUDIENCE
    assert payload["scope"] == "read:messages"


def test_mint_takes_claims_and_header_from_flags(capsys: pytest.CaptureFixture[str]) -> None:
    token = run(
        capsys,
        "mint",
        "--issuer",
        "https://other.example",
        "--audience",
        API,
        "--no-scope",
        "--claim",
        "exp=0",
        "--claim",
        "sub=not json",
        "--claim",
        'aud=["a", "b"]',
        "--drop",
        "azp",
        "--header",
        "kid=someone-else",
        "--header",
        "typ=at+jwt",
        "--drop-header",
        "typ",
    ).strip()
    header, payload = (json.loads(b64url_decode(part)) for part in token.split(".")[:2])
    assert header == {"alg": "RS256", "kid": "someone-else"}
    assert payload["iss"] == "https://other.example/"
    assert (payload["exp"], payload["sub"], payload["aud"]) == (0, "not json", ["a", "b"])
    assert "scope" not in payload and "azp" not in payload


def test_mint_signs_hmac_with_a_secret(capsys: pytest.CaptureFixture[str]) -> None:
    token = run(
        capsys, "mint", "--alg", "HS256", "--secret", "a-secret-that-is-long-enough-for-hs256"
    ).strip()
    key = OctKey.import_key(b"a-secret-that-is-long-enough-for-hs256")
    assert decoded(token, key, "HS256").header["alg"] == "HS256"


def test_mint_and_jwks_share_a_key_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    key_file = tmp_path / "key.json"
    key, created = load_or_create_key_file(key_file)
    assert created
    jwks = json.loads(run(capsys, "jwks", "--key-file", str(key_file)))
    assert [jwk["kid"] for jwk in jwks["keys"]] == [key.kid]
    token = run(capsys, "mint", "--key-file", str(key_file)).strip()
    assert decoded(token, KeySet.import_key_set(jwks)).header["kid"] == key.kid


def test_mint_asks_a_running_server_to_sign(capsys: pytest.CaptureFixture[str]) -> None:
    with IssuerServer() as server:
        token = run(
            capsys, "mint", "--server", server.url, "--no-scope", "--claim", "sub=me", "--drop", "gty"
        ).strip()
        claims = decoded(
            token, KeySet.import_key_set(requests.get(server.issuer.jwks_url, timeout=5).json())
        ).claims
    assert claims["iss"] == server.url
    assert claims["sub"] == "me"
    assert "scope" not in claims and "gty" not in claims


def test_mint_reports_a_server_that_refuses(capsys: pytest.CaptureFixture[str]) -> None:
    with IssuerServer() as server, pytest.raises(SystemExit, match="answered 404"):
        cli.main(["mint", "--server", f"{server.url}nobody/"])


@pytest.mark.parametrize(
    "extra", [["--alg", "HS256"], ["--secret", "x"], ["--drop-header", "typ"], ["--key-file", "k"]]
)
def test_mint_server_refuses_options_it_cannot_honour(
    extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["mint", "--server", "http://127.0.0.1:9/", *extra])
    assert exited.value.code == 2
    assert "--server takes only" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--alg", "foo"], "--alg 'foo' is not one of RS256,"),
        (["--alg", "HS256"], "--alg HS256 signs with a shared secret: add --secret SECRET"),
        (["--alg", "ES256", "--key-file", "k.json"], "--alg ES256 needs an EC key"),
        (["--key-file", "missing/folder/key.json"], "cannot read --key-file missing/folder/key.json"),
    ],
)
def test_mint_answers_bad_arguments_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    load_or_create_key_file(tmp_path / "k.json")
    with pytest.raises(SystemExit) as exited:
        cli.main(["mint", *argv])
    assert exited.value.code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"fake-issuer mint: {message}")


def test_a_key_file_that_is_not_one_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(SystemExit) as exited:
        cli.main(["jwks", "--key-file", str(tmp_path / "bad.json")])
    assert exited.value.code == 2
    assert "is not a key file" in capsys.readouterr().err


@pytest.mark.parametrize(("alg", "size"), [("ES256", 64), ("ES384", 96), ("ES512", 132)])
def test_mint_signs_es_with_a_key_of_the_algorithms_curve(
    alg: str, size: int, capsys: pytest.CaptureFixture[str]
) -> None:
    header, _, signature = run(capsys, "mint", "--alg", alg).strip().split(".")
    assert json.loads(b64url_decode(header))["alg"] == alg
    assert len(b64url_decode(signature)) == size  # RFC 7518 §3.4: R and S, each the curve's size


def test_matrix_says_what_it_targets_when_the_sample_api_is_not_there(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(matrix_cli, "REQUIRES", (*matrix_cli.REQUIRES, "not_installed_anywhere"))
    assert cli.main(["matrix", "--limit", "1"]) == 2
    error = capsys.readouterr().err
    assert "runs against this repository's sample API (apiexample" in error
    assert error.endswith("(missing here: not_installed_anywhere)\n")


@pytest.mark.parametrize("assignment", ["novalue", "=1"])
def test_assignments_need_a_name_and_a_value(assignment: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["mint", "--claim", assignment])
    assert exited.value.code == 2
    assert "expected NAME=VALUE" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        ([], ["jwks", "mint", "serve"]),
        (["jwks"], ["--issuer", "--key-file", "publish the key in FILE"]),
        (["attacks"], ["the answer the validation policy", "--markdown"]),
        (["matrix"], ["sample API (apiexample", "--limit", "--report"]),
        (
            ["mint"],
            ["--claim", "--drop", "--header", "--drop-header", "--alg", "--secret", "--server", "examples:"],
        ),
        (
            ["serve"],
            [
                "--port",
                "--client",
                "--clients",
                "--tls",
                "--tls-dir",
                "--key-file",
                "--tenant",
                "REQUESTS_CA_BUNDLE",
                "_admin/faults",
            ],
        ),
    ],
)
def test_help_is_complete(
    capsys: pytest.CaptureFixture[str], command: list[str], mentions: list[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([*command, "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for mention in mentions:
        assert mention in text
    assert command != ["jwks"] or ("--audience" not in text and "sign with" not in text)


def test_python_dash_m_runs_the_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["fake_issuer", "jwks"])
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(str(Path(cli.__file__).with_name("__main__.py")), run_name="__main__")
    assert exited.value.code == 0
    assert json.loads(capsys.readouterr().out)["keys"]


# -- serve ------------------------------------------------------------------------------------------------


def serve(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *argv: str, check: object = None
) -> dict[str, object]:
    """Run ``serve`` with ``argv``; while it serves, parse its banner and call ``check(banner, lines)``."""
    seen: dict[str, object] = {}

    def while_serving() -> None:
        captured = capsys.readouterr()
        lines = [line.strip() for line in captured.out.splitlines()]
        banner = {name: value.strip() for name, _, value in (line.partition("  ") for line in lines)}
        seen.update(banner=banner, lines=lines, err=captured.err)
        if callable(check):
            check(banner, lines)

    monkeypatch.setattr(serving, "wait_for_interrupt", while_serving)
    assert cli.main(["serve", *argv]) == 0
    return seen


def test_serve_prints_urls_env_and_a_curl_that_works(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def check(banner: dict[str, str], lines: list[str]) -> None:
        issuer = banner["issuer"]
        assert issuer.startswith("http://127.0.0.1:")
        assert banner["JWKS"] == f"{issuer}.well-known/jwks.json"
        assert banner["token endpoint"] == f"{issuer}oauth/token"
        assert banner["clients"] == "reader (read:messages), nobody (no scope)"
        assert f"AUTH0_ISSUER={issuer} AUTH0_AUDIENCE={API} python manage.py runserver" in lines
        curl = lines[-1]
        body = json.loads(curl.split(" -d ")[1].strip("'"))
        assert body == {
            "grant_type": "client_credentials",
            "client_id": "reader",
            "client_secret": "s3cret",
            "audience": API,
        }
        response = requests.post(f"{issuer}oauth/token", json=body, timeout=5)
        assert response.json()["scope"] == "read:messages"

    serve(
        capsys,
        monkeypatch,
        "--audience",
        API,
        "--client",
        "reader:s3cret:read:messages",
        "--client",
        "nobody:n",
        check=check,
    )
    assert "POST /oauth/token" in capsys.readouterr().err  # the access log


def test_serve_with_tls_prints_the_ca_and_auth0_domain(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def check(banner: dict[str, str], lines: list[str]) -> None:
        issuer, ca = banner["issuer"], banner["CA certificate"]
        assert issuer.startswith("https://127.0.0.1:")
        assert ca == str(tmp_path / "tls" / "ca.pem")
        domain = issuer.removeprefix("https://").rstrip("/")
        env = f"AUTH0_DOMAIN={domain} REQUESTS_CA_BUNDLE={ca} AUTH0_AUDIENCE={DEFAULT_AUDIENCE}"
        assert f"{env} python manage.py runserver" in lines
        assert f"curl --cacert {ca} -s {issuer}oauth/token" in lines[-1]
        assert requests.get(banner["JWKS"], verify=ca, timeout=5).status_code == 200

    serve(capsys, monkeypatch, "--tls-dir", str(tmp_path / "tls"), check=check)
    assert (tmp_path / "tls" / "ca.pem").exists()  # a directory the user chose is the user's


def test_serve_tls_in_a_temporary_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = serve(capsys, monkeypatch, "--tls")
    ca = Path(str(seen["banner"]["CA certificate"]))  # type: ignore[index]
    assert ca.name == "ca.pem"
    assert not ca.exists()


def test_serve_reads_clients_from_a_file_and_serves_more_tenants(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "clients.json"
    config.write_text(
        json.dumps(
            {"clients": [{"client_id": "m2m", "client_secret": "x", "grants": {API: ["read:messages"]}}]}
        )
    )

    def check(banner: dict[str, str], lines: list[str]) -> None:
        # m2m is granted on API, not on the default audience the banner describes
        assert banner["clients"] == "m2m (no scope), extra (no scope)"
        assert banner["tenant"] == f"{banner['issuer']}second/"
        body = {"grant_type": "client_credentials", "client_id": "m2m", "client_secret": "x", "audience": API}
        response = requests.post(f"{banner['tenant']}oauth/token", json=body, timeout=5)
        assert response.json()["scope"] == "read:messages"

    serve(
        capsys,
        monkeypatch,
        "--clients",
        str(config),
        "--client",
        "extra:y",
        "--tenant",
        "second",
        check=check,
    )


def test_serve_without_clients_prints_no_curl(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "clients.json"
    config.write_text("{}")
    seen = serve(capsys, monkeypatch, "--clients", str(config))
    assert seen["banner"]["clients"] == "none"  # type: ignore[index]
    assert "Get a token:" not in seen["lines"]  # type: ignore[operator]


@pytest.mark.parametrize("argv", [["--client", "no-secret"], ["--clients", "missing.json"]])
def test_serve_refuses_bad_client_config(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="fake-issuer serve"):
        cli.main(["serve", *argv])


def test_serve_and_mint_share_a_key_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file = tmp_path / "key.json"

    def check(banner: dict[str, str], lines: list[str]) -> None:
        jwks = requests.get(banner["JWKS"], timeout=5).json()
        token = run(capsys, "mint", "--key-file", str(key_file), "--issuer", banner["issuer"])
        assert decoded(token.strip(), KeySet.import_key_set(jwks)).claims["iss"] == banner["issuer"]

    assert "created signing key" in str(
        serve(capsys, monkeypatch, "--key-file", str(key_file), check=check)["err"]
    )
    again = serve(capsys, monkeypatch, "--key-file", str(key_file))
    assert f"using signing key {read_key_file(key_file).kid}" in str(again["err"])


# -- key files ----------------------------------------------------------------------------------------------


def test_a_key_file_is_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    key, created = load_or_create_key_file(path)
    again, created_again = load_or_create_key_file(path)
    assert (created, created_again) == (True, False)
    assert again.kid == key.kid
    assert again.public_jwk() == key.public_jwk()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("content", ["{", "[]", '{"kid": "k"}', '{"kid": "k", "private_key_pem": "nope"}'])
def test_a_file_that_is_not_a_key_says_so(tmp_path: Path, content: str) -> None:
    path = tmp_path / "key.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="is not a key file"):
        read_key_file(path)


def test_mint_with_the_dev_issuers_key_file_passes_the_dev_api(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = dataclasses.replace(load_config({}, debug=True), dev_key_file=tmp_path / "dev-key.json")
    try:
        with override_settings(AUTH0=config):
            dev_issuer(config)  # what runserver does first: create the key file
            token = run(
                capsys,
                "mint",
                *(
                    "--key-file",
                    str(config.dev_key_file),
                    "--issuer",
                    config.issuer,
                    "--audience",
                    config.audience,
                ),
            ).strip()
            response = Client().get(SCOPED, HTTP_AUTHORIZATION=f"Bearer {token}")
            assert response.status_code == 200
    finally:
        require_auth.reset()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert serving._is_loopback(host) is loopback


def test_serve_warns_when_bound_beyond_loopback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Binding a real public address in a test would expose a minting server: pretend instead.
    assert "is not loopback" not in str(serve(capsys, monkeypatch)["err"])
    monkeypatch.setattr(serving, "_is_loopback", lambda host: False)
    assert "127.0.0.1 is not loopback; anyone who can reach it can mint tokens" in str(
        serve(capsys, monkeypatch)["err"]
    )


@pytest.mark.parametrize("tls", [[], ["--tls"]])
def test_serve_with_another_issuer_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tls: list[str]
) -> None:
    def check(banner: dict[str, str], lines: list[str]) -> None:
        assert banner["issuer"] == "https://tenant.example/"
        assert banner["JWKS"] == "https://tenant.example/.well-known/jwks.json"
        env = next(line for line in lines if "manage.py runserver" in line)
        assert env.startswith("AUTH0_ISSUER=https://tenant.example/ ")
        assert ("REQUESTS_CA_BUNDLE=" in env) is bool(tls)

    serve(capsys, monkeypatch, "--issuer", "https://tenant.example", *tls, check=check)


def test_serve_reports_a_taken_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit, match=f"cannot listen on 127.0.0.1:{port}"):
            cli.main(["serve", "--port", str(port)])


def test_mint_explains_an_untrusted_https_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    with IssuerServer(tls=True) as server, pytest.raises(SystemExit, match="set REQUESTS_CA_BUNDLE"):
        cli.main(["mint", "--server", server.url])
