"""TLS on the loopback server: the throwaway CA, the certificate, and clients that trust it."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import stat
from pathlib import Path

import jwt as pyjwt
import pytest
import requests
from cryptography import x509

from fake_issuer.server import http as server_module
from fake_issuer.server.http import IssuerServer
from fake_issuer.server.tls import create_tls_files, generate_tls_material


def test_the_ca_signs_a_loopback_server_certificate() -> None:
    material = generate_tls_material()
    ca = x509.load_pem_x509_certificate(material.ca_pem)
    leaf = x509.load_pem_x509_certificate(material.cert_pem)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    leaf.verify_directly_issued_by(ca)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]


def test_files_are_written_with_a_private_key_only_the_owner_reads(tmp_path: Path) -> None:
    files = create_tls_files(tmp_path / "tls")
    assert files.ca == tmp_path / "tls" / "ca.pem"
    assert files.ca.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert files.cert.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert stat.S_IMODE(files.key.stat().st_mode) == 0o600
    assert files.server_context().minimum_version == ssl.TLSVersion.TLSv1_2


def test_an_https_server_is_trusted_through_its_ca_only() -> None:
    with IssuerServer(tls=True) as server:
        assert server.url == f"https://127.0.0.1:{server.port}/"
        assert server.issuer.issuer == server.url
        assert server.ca_path is not None and server.ca_path.exists()
        response = requests.get(server.issuer.jwks_url, verify=str(server.ca_path), timeout=5)
        assert response.json() == server.issuer.jwks()
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(server.issuer.jwks_url, timeout=5)
        ca_path = server.ca_path
    assert not ca_path.exists()


def test_pyjwt_over_urllib_verifies_a_token_from_the_https_server() -> None:
    with IssuerServer(tls=True) as server:
        context = ssl.create_default_context(cafile=str(server.ca_path))
        client = pyjwt.PyJWKClient(server.issuer.jwks_url, ssl_context=context)
        token = server.issuer.mint()
        key = client.get_signing_key_from_jwt(token)
        claims = pyjwt.decode(
            token, key.key, algorithms=["RS256"], audience=server.issuer.audience, issuer=server.url
        )
        assert claims["scope"] == "read:messages"


def test_given_tls_files_are_used_and_kept(tmp_path: Path) -> None:
    files = create_tls_files(tmp_path)
    with IssuerServer(tls=files) as server:
        assert server.ca_path == files.ca
        assert requests.get(server.issuer.jwks_url, verify=str(files.ca), timeout=5).status_code == 200
    assert files.ca.exists()


def test_a_failed_handshake_does_not_stop_the_server() -> None:
    with IssuerServer(tls=True) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as plain:
            plain.sendall(b"GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                answer = plain.recv(1024)
            except ConnectionResetError:
                answer = b""
            # A client that does not speak TLS gets no HTTP answer: a TLS alert at most, then a hang-up.
            assert not answer.startswith(b"HTTP/")
        assert requests.get(server.issuer.jwks_url, verify=str(server.ca_path), timeout=5).status_code == 200
        assert server.requests[0].path == "/.well-known/jwks.json"
        assert len(server.requests) == 1


def test_a_taken_port_leaves_no_generated_ca_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "create_tls_files", lambda: create_tls_files(tmp_path / "tls"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(OSError):
            IssuerServer(port=taken.getsockname()[1], tls=True)
    assert not (tmp_path / "tls").exists()
