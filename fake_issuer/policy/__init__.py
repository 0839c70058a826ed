"""The policy harness, framework-free: token specs, the oracle, the RFC 6750 contract, strategies.

``spec`` describes tokens, ``oracle`` is the validation policy as a pure function (``keys`` is its
rule 4: which published keys may verify), ``contract`` checks an answer's status, challenge and body,
``strategies`` draws specs for Hypothesis (extra ``fake-issuer[hypothesis]``).
"""
