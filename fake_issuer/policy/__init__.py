"""The policy harness, framework-free: token specs, the oracle, the RFC 6750 contract, strategies.

``APIPolicy`` (``fake_issuer.policy.api``) is the public entry: any API's policy in plain values, its
tokens and the answers the oracle owes them. Behind it, ``spec`` describes tokens, ``oracle`` is the
validation policy as a pure function (``keys`` is its rule 4: which published keys may verify),
``contract`` checks an answer's status, challenge and body, and ``strategies``/``drawing`` draw tokens
for Hypothesis (extra ``fake-issuer[hypothesis]``).
"""

from __future__ import annotations

from fake_issuer.policy.api import RULES, APIPolicy, Expectation, Token

__all__ = ["RULES", "APIPolicy", "Expectation", "Token"]
