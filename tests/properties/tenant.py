"""The property suite's tenant: its key ring, the oracle's policy, and the instant tokens are judged at.

Built once at import (keys are cached per process), outside every ``@given``. The values are the ones
tests.settings gives the API (``DEFAULT_ISSUER``, ``DEFAULT_AUDIENCE``, leeway 60, README, configuration);
``test_policy_is_the_apis`` checks that they agree.
"""

from __future__ import annotations

from fake_issuer import DEFAULT_AUDIENCE, DEFAULT_ISSUER
from fake_issuer.matrix.matrix import NOW
from fake_issuer.policy.oracle import Policy
from fake_issuer.policy.spec import key_ring

__all__ = ["NOW", "POLICY", "RING"]

RING = key_ring(DEFAULT_ISSUER)
POLICY = Policy.for_keys(DEFAULT_ISSUER, DEFAULT_AUDIENCE, RING.published)
