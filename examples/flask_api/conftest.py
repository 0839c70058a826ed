import pytest
from notes import create_app


@pytest.fixture
def client(fake_issuer_server, fake_issuer_settings):  # the app trusts the loopback tenant
    return create_app(fake_issuer_settings).test_client()
