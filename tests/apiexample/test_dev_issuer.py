"""The embedded offline dev issuer: key file, mint_token, the runserver banner, the startup warning."""

from __future__ import annotations

import io
import json
import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from apiexample.apps import quiet_process
from apiexample.auth import require_auth
from apiexample.config import load_config
from apiexample.dev_issuer import dev_issuer
from apiexample.management.commands.mint_token import parse_claim
from apiexample.management.commands.runserver import Command as RunserverCommand
from tests.endpoints import PRIVATE, SCOPED


@pytest.fixture
def dev_config(tmp_path: Path) -> Iterator[object]:
    """The nothing-configured settings (dev issuer), with the key file in a temporary folder."""
    config = load_config({}, debug=True)
    config = type(config)(**{**config.__dict__, "dev_key_file": tmp_path / "dev-key.json"})
    with override_settings(AUTH0=config):
        yield config
    require_auth.reset()


def mint(*args: str) -> str:
    out = io.StringIO()
    call_command("mint_token", *args, stdout=out)
    return out.getvalue().strip()


def test_key_file_is_created_once_private_and_reused(dev_config: object, tmp_path: Path) -> None:
    first = dev_issuer(dev_config)  # type: ignore[arg-type]
    key_file = tmp_path / "dev-key.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    stored = json.loads(key_file.read_text())
    assert stored["kid"] == first.signing_key.kid
    second = dev_issuer(dev_config)  # type: ignore[arg-type]
    assert second.jwks() == first.jwks()


def test_dev_issuer_needs_the_dev_configuration() -> None:
    with pytest.raises(ValueError, match="dev_key_file"):
        dev_issuer(load_config({"AUTH0_DOMAIN": "t.example", "AUTH0_AUDIENCE": "a"}, debug=False))


def test_minted_tokens_are_accepted_by_the_api(dev_config: object) -> None:
    api = Client()
    scoped = mint()
    plain = mint("--no-scope")
    write = mint("--scope", "write:messages")
    assert api.get(SCOPED, HTTP_AUTHORIZATION=f"Bearer {scoped}").status_code == 200
    assert api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 200
    assert api.get(SCOPED, HTTP_AUTHORIZATION=f"Bearer {plain}").status_code == 403
    assert api.get(SCOPED, HTTP_AUTHORIZATION=f"Bearer {write}").status_code == 403


def test_claims_and_drops_from_the_command_line(dev_config: object) -> None:
    api = Client()
    expired = mint("--claim", "exp=0")
    no_aud = mint("--drop", "aud")
    other_aud = mint("--claim", "aud=https://other.example")
    for token in (expired, no_aud, other_aud):
        assert api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


@pytest.mark.parametrize(
    ("text", "expected"),
    [("exp=0", ("exp", 0)), ('aud=["a"]', ("aud", ["a"])), ("sub=abc", ("sub", "abc")), ("x==", ("x", "="))],
)
def test_parse_claim(text: str, expected: tuple[str, object]) -> None:
    assert parse_claim(text) == expected


@pytest.mark.parametrize("text", ["novalue", "=value"])
def test_parse_claim_refuses_a_missing_name_or_value(text: str) -> None:
    with pytest.raises(CommandError, match="name=value"):
        parse_claim(text)


def test_mint_token_refuses_when_a_tenant_is_configured() -> None:
    with pytest.raises(CommandError, match="a tenant is configured"):
        mint()


def test_runserver_prints_ready_to_paste_curl_lines(
    dev_config: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[bool] = []
    monkeypatch.setattr(
        "django.core.management.commands.runserver.Command.inner_run",
        lambda self, *args, **options: served.append(True),
    )
    command = RunserverCommand(stdout=io.StringIO())
    command.addr, command.port, command.protocol, command._raw_ipv6 = "127.0.0.1", "8000", "http", False  # type: ignore[attr-defined]
    command.inner_run(use_threading=True)
    banner = command.stdout._out.getvalue()  # type: ignore[attr-defined]
    assert served == [True]
    assert "OFFLINE DEV ISSUER" in banner
    lines = [line for line in banner.splitlines() if line.startswith("curl")]
    assert len(lines) == 4
    assert lines[0] == "curl -i http://127.0.0.1:8000/api/public"
    api = Client()
    for line, path, expected in zip(lines[1:], [PRIVATE, SCOPED, SCOPED], [200, 200, 403], strict=True):
        token = line.split("Bearer ")[1].split("'")[0]
        assert api.get(path, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == expected
    dpop = [line for line in banner.splitlines() if line.startswith("mapfile")]
    assert dpop == [
        "mapfile -t h < <(python manage.py mint_token --dpop http://127.0.0.1:8000/api/private) && "
        'curl -i http://127.0.0.1:8000/api/private -H "${h[0]}" -H "${h[1]}"    # DPoP'
    ]


def test_mint_token_dpop_prints_a_bound_token_and_a_one_use_proof(dev_config: object) -> None:
    # RFC 9449 §7.1: the two header lines are a request the API accepts once, and only as DPoP.
    lines = mint("--dpop", "http://testserver/api/private").splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == ["Authorization", "DPoP"]
    headers = dict(line.split(": ", 1) for line in lines)
    api = Client()
    assert api.get(PRIVATE, headers=headers).status_code == 200
    replayed = api.get(PRIVATE, headers=headers)
    assert replayed.status_code == 401 and replayed.json()["error"] == "invalid_dpop_proof"
    token = headers["Authorization"].split(" ", 1)[1]
    assert api.get(PRIVATE, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    post = dict(
        line.split(": ", 1)
        for line in mint("--dpop", "http://testserver/api/private", "--method", "POST").splitlines()
    )
    assert api.get(PRIVATE, headers=post).json()["error"] == "invalid_dpop_proof"


def test_mint_token_dpop_needs_an_http_url(dev_config: object) -> None:
    with pytest.raises(CommandError, match="--dpop takes the request's http"):
        mint("--dpop", "/api/private")


def test_runserver_banner_brackets_ipv6(dev_config: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "django.core.management.commands.runserver.Command.inner_run", lambda self, *a, **o: None
    )
    command = RunserverCommand(stdout=io.StringIO())
    command.addr, command.port, command.protocol, command._raw_ipv6 = "::1", "8000", "http", True  # type: ignore[attr-defined]
    command.inner_run()
    assert "curl -i http://[::1]:8000/api/public" in command.stdout._out.getvalue()  # type: ignore[attr-defined]


def test_runserver_is_plain_with_a_tenant(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[bool] = []
    monkeypatch.setattr(
        "django.core.management.commands.runserver.Command.inner_run",
        lambda self, *args, **options: served.append(True),
    )
    command = RunserverCommand(stdout=io.StringIO())
    command.inner_run()
    assert served == [True]
    assert command.stdout._out.getvalue() == ""  # type: ignore[attr-defined]


def test_startup_warns_loudly_with_the_dev_issuer(
    dev_config: object, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="apiexample"):
        apps.get_app_config("apiexample").ready()
    assert "OFFLINE DEV ISSUER" in caplog.text


def test_startup_is_quiet_with_a_tenant(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="apiexample"):
        apps.get_app_config("apiexample").ready()
    assert caplog.text == ""


def test_wsgi_application_serves_the_api() -> None:
    from apiexample.wsgi import application

    statuses: list[str] = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/api/public",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
    }

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> object:
        statuses.append(status)
        return None

    body = b"".join(application(environ, start_response))  # type: ignore[arg-type]
    assert statuses == ["200 OK"]
    assert b"public endpoint" in body


@pytest.mark.parametrize(
    ("argv", "environ", "quiet"),
    [
        (["manage.py", "runserver"], {}, True),  # the autoreloader's parent: its child warns
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, False),
        (["manage.py", "runserver", "--noreload"], {}, False),
        (["manage.py", "mint_token"], {}, True),
        (["gunicorn", "apiexample.wsgi"], {}, False),
        (["manage.py"], {}, False),
    ],
)
def test_the_dev_issuer_warning_comes_once_per_server(
    argv: list[str], environ: dict[str, str], quiet: bool
) -> None:
    assert quiet_process(argv, environ) is quiet


def test_logs_are_in_utc_and_expected_refusals_are_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    from django.conf import settings

    assert settings.TIME_ZONE == "UTC"
    with caplog.at_level(logging.WARNING):
        assert Client().get("/api/private").status_code == 401
    assert not [record for record in caplog.records if record.name == "django.request"]
