"""Done-when of the server issue: the API behind ``AUTH0_DOMAIN`` trusts an HTTPS fake tenant.

Tokens come from the fake tenant's ``/oauth/token`` (client credentials), as Auth0's own quickstart
test suite gets them; a client granted ``read:messages`` gets 200 on both protected endpoints, one
without that grant 403 on the scoped one. Once in process (Django's test client, settings built from
the same environment variables), once with both servers as real processes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.test import Client, override_settings

from apiexample.config import load_config
from fake_issuer.server.clients import Client as FakeClient
from fake_issuer.server.clients import ClientRegistry
from fake_issuer.server.http import IssuerServer
from tests.endpoints import MESSAGES, PRIVATE, PUBLIC, SCOPED

API = "https://apiexample.e2e/api"
ROOT = Path(__file__).resolve().parents[3]
CLIENT_SPECS = [
    "reader:reader-secret:read:messages",
    "writer:writer-secret:write:messages",
    "nobody:nobody-secret",
]
#: Client -> (status on /api/private, status on /api/private-scoped).
EXPECTED = {"reader": (200, 200), "writer": (200, 403), "nobody": (200, 403)}


def client_credentials(token_url: str, client: str, verify: str) -> str:
    """An access token from ``/oauth/token`` for ``client`` on API."""
    body = {
        "grant_type": "client_credentials",
        "client_id": client,
        "client_secret": f"{client}-secret",
        "audience": API,
    }
    response = requests.post(token_url, json=body, verify=verify, timeout=10)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def test_in_process_api_trusts_the_https_tenant_named_by_auth0_domain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = ClientRegistry(
        [
            FakeClient("reader", "reader-secret", {API: ("read:messages",)}),
            FakeClient("writer", "writer-secret", {API: ("write:messages",)}),
            FakeClient("nobody", "nobody-secret", {API: ()}),
        ]
    )
    with IssuerServer(tls=True, audience=API, clients=registry) as server:
        ca = str(server.ca_path)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca)
        env = {"AUTH0_DOMAIN": f"127.0.0.1:{server.port}", "AUTH0_AUDIENCE": API}
        with override_settings(AUTH0=load_config(env, debug=False)):
            api = Client()
            for client, (private_status, scoped_status) in EXPECTED.items():
                authorization = f"Bearer {client_credentials(server.issuer.token_url, client, ca)}"
                assert api.get(PRIVATE, HTTP_AUTHORIZATION=authorization).status_code == private_status
                assert api.get(SCOPED, HTTP_AUTHORIZATION=authorization).status_code == scoped_status
        # The API fetched the keys from the HTTPS tenant itself, once.
        assert [r.path for r in server.requests].count("/.well-known/jwks.json") == 1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def fake_tenant_process() -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    """``python -m fake_issuer serve --tls`` with three clients: (issuer URL, CA path, process)."""
    command = [sys.executable, "-m", "fake_issuer", "serve", "--tls", "--audience", API]
    for spec in CLIENT_SPECS:
        command += ["--client", spec]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    banner: dict[str, str] = {}
    for line in process.stdout:
        name, _, value = line.strip().partition("  ")
        banner[name] = value.strip()
        if line.startswith("Get a token:"):
            break
    try:
        yield banner["issuer"], banner["CA certificate"], process
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()


def test_real_processes_api_and_tenant_configured_by_environment(
    fake_tenant_process: tuple[str, str, subprocess.Popen[str]],
) -> None:
    issuer, ca, tenant = fake_tenant_process
    assert issuer.startswith("https://127.0.0.1:")
    domain = issuer.removeprefix("https://").rstrip("/")
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AUTH0_", "DJANGO_", "API_IDENTIFIER", "REQUESTS_CA_BUNDLE"))
    }
    env.update(
        AUTH0_DOMAIN=domain,
        AUTH0_AUDIENCE=API,
        REQUESTS_CA_BUNDLE=ca,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
    )
    api = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(f"{base}{PUBLIC}", api)
        for client, (private_status, scoped_status) in EXPECTED.items():
            headers = {"Authorization": f"Bearer {client_credentials(issuer + 'oauth/token', client, ca)}"}
            private = requests.get(f"{base}{PRIVATE}", headers=headers, timeout=10)
            scoped = requests.get(f"{base}{SCOPED}", headers=headers, timeout=10)
            assert (private.status_code, scoped.status_code) == (private_status, scoped_status), client
            assert private.json() == {"message": MESSAGES[PRIVATE]}
            if scoped_status == 200:
                assert scoped.json() == {"message": MESSAGES[SCOPED]}
            else:
                assert scoped.json()["error"] == "insufficient_scope"
    finally:
        api.terminate()
        api.wait(timeout=30)
        assert api.stderr is not None
        api.stderr.close()
    tenant.terminate()
    assert tenant.wait(timeout=30) == 0  # SIGTERM is a clean stop ...
    assert not Path(ca).exists()  # ... that removes the generated CA


def _wait_until_serving(url: str, process: subprocess.Popen[str]) -> None:
    """Poll ``url`` until the API answers (readiness, not a timing assertion: the limit is generous)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the API exited: {process.stderr.read() if process.stderr else ''}")
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"the API did not start serving {url}")
