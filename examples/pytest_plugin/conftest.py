pytest_plugins = [
    "fake_issuer.plugin"
]  # not even this once fake_issuer is pip-installed (pytest11 entry point)
