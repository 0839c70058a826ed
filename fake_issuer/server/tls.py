"""TLS for the loopback server: a throwaway CA and a server certificate for 127.0.0.1 and localhost.

RFC 5280 §4.2.1.9 (basicConstraints: the CA may sign, the leaf may not) and §4.2.1.6 (subjectAltName:
clients match ``127.0.0.1`` against an IP entry, ``localhost`` against a DNS entry). The CA is written
to a PEM file so that ``REQUESTS_CA_BUNDLE`` (requests), ``SSL_CERT_FILE`` (urllib) or
``NODE_EXTRA_CA_CERTS`` (Node) make real clients trust the server, and the issuer can be
``https://127.0.0.1:<port>/`` as an Auth0 tenant is ``https://<domain>/``.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: Names the server certificate is valid for: loopback only, since the server binds nothing else.
LOOPBACK_NAMES = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class TLSMaterial:
    """A CA certificate and a server certificate with its private key, all PEM."""

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes

    def write(self, directory: Path) -> TLSFiles:
        """Write the three PEM files into ``directory``; the key readable by the owner only."""
        directory.mkdir(parents=True, exist_ok=True)
        files = TLSFiles(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
        files.ca.write_bytes(self.ca_pem)
        files.cert.write_bytes(self.cert_pem)
        with os.fdopen(os.open(files.key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as stream:
            stream.write(self.key_pem)
        return files


@dataclass(frozen=True)
class TLSFiles:
    """Where ``TLSMaterial.write`` put things; ``ca`` is the path to give ``REQUESTS_CA_BUNDLE``."""

    ca: Path
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        """A server-side TLS context (TLS 1.2 or later) presenting the server certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert, self.key)
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "fake_issuer"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def generate_tls_material(*, days: int = 30) -> TLSMaterial:
    """A fresh CA and a server certificate it signed for ``LOOPBACK_NAMES``, valid ``days`` days."""
    now = datetime.datetime.now(datetime.UTC)
    # Backdated so that a client whose clock is a little behind still accepts the certificate.
    not_before, not_after = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=days)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("fake_issuer test CA")
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    alt_names += [x509.IPAddress(ipaddress.ip_address(name)) for name in LOOPBACK_NAMES[:2]]
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return TLSMaterial(
        ca_pem=ca_cert.public_bytes(serialization.Encoding.PEM),
        cert_pem=server_cert.public_bytes(serialization.Encoding.PEM),
        key_pem=server_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


def create_tls_files(directory: Path | None = None) -> TLSFiles:
    """Generate TLS material and write it to ``directory`` (a new temporary directory by default)."""
    target = Path(tempfile.mkdtemp(prefix="fake-issuer-tls-")) if directory is None else directory
    return generate_tls_material().write(target)
