"""Wycheproof's JWS and JWK vectors (vendored beside this file) and what the policy expects of each.

A vector's class comes from its label and from docs/validation-policy.md, read by the oracle's rule 4
(``fake_issuer.policy.keys``, written from the policy, not from the validator) and by the few lines
below for rules 2-3; never from the code under test:

- ``invalid``: labelled invalid; must be rejected.
- ``in-policy``: labelled valid, a compact JWS, ``alg`` RS256, a key rule 4 allows; must be accepted.
- ``outside``: labelled valid but outside the policy; must be rejected for the policy's reason: not
  compact (rule 2), another ``alg`` (rule 3), or a key rule 4 refuses (its ``kid`` names no key).

``KNOWN_LABEL_PROBLEMS`` lists vectors whose label upstream is wrong; they are classed by the label
they should have and counted apart.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from apiexample.errors import DisallowedHeader, InvalidToken, MalformedToken, UnknownSigningKey
from apiexample.jwks.keysource import StaticKeySource
from apiexample.validator import verify_jws
from fake_issuer.policy.keys import published_by_kid, usable_key

HERE = Path(__file__).resolve().parent / "wycheproof"
FILES = ("json_web_signature_test.json", "json_web_key_test.json")
#: Upstream label problems (C2SP/wycheproof#236): tcId -> the valid tcId it is byte-identical to.
KNOWN_LABEL_PROBLEMS: dict[str, dict[int, int]] = {"json_web_signature_test.json": {367: 357, 370: 357}}

Class = Literal["invalid", "in-policy", "outside"]
JWK = Mapping[str, Any]


@dataclass(frozen=True)
class Vector:
    """One Wycheproof test: its file, id, comment, label, the JWS and the JWK Set it is checked with."""

    file: str
    tc_id: int
    comment: str
    result: str
    jws: str
    jwks: tuple[JWK, ...]

    @property
    def name(self) -> str:
        """``file-tcId-comment``, for test ids."""
        return f"{self.file.removesuffix('_test.json')}-{self.tc_id}-{self.comment}"

    @property
    def label_problem(self) -> bool:
        """Whether upstream labels this vector wrongly (``KNOWN_LABEL_PROBLEMS``)."""
        return self.tc_id in KNOWN_LABEL_PROBLEMS.get(self.file, {})

    @property
    def key_source(self) -> StaticKeySource:
        """The vector's keys as the API would hold them, through the key filter."""
        return StaticKeySource({"keys": list(self.jwks)})


def _group_keys(group: Mapping[str, Any]) -> tuple[JWK, ...]:
    # A verifier is handed the public key; symmetric groups have only a "private" (oct) key.
    key = group.get("public") or group["private"]
    return tuple(key["keys"]) if "keys" in key else (key,)


def load(file: str) -> list[Vector]:
    """Every vector of the vendored ``file``."""
    document = json.loads((HERE / file).read_text(encoding="utf-8"))
    return [
        Vector(file, test["tcId"], test["comment"], test["result"], test["jws"], _group_keys(group))
        for group in document["testGroups"]
        for test in group["tests"]
    ]


def _canonical(segment: str) -> bool:
    """Rule 2: base64url without padding, and the one encoding of its octets (RFC 4648 §3.5)."""
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        return False
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == segment


def _lenient_json(segment: str) -> object:
    try:
        return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError):
        return None


def policy_class(vector: Vector) -> tuple[Class, frozenset[type[InvalidToken]]]:
    """The vector's class and the errors naming each rule the policy says it breaks (any for invalid)."""
    valid = vector.result == "valid" or vector.label_problem
    if not valid:
        return "invalid", frozenset({InvalidToken})
    segments = vector.jws.split(".")
    if len(segments) != 3:
        return "outside", frozenset({MalformedToken})  # rule 2: the compact serialisation only
    reasons: set[type[InvalidToken]] = set()
    if not all(_canonical(segment) for segment in segments):
        reasons.add(MalformedToken)  # rule 2: canonical base64url segments
    header = _lenient_json(segments[0])
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        reasons.add(DisallowedHeader)  # rule 3: alg exactly RS256
    else:
        kid = header.get("kid")
        candidates = published_by_kid(vector.jwks).get(kid, ()) if isinstance(kid, str) else ()
        if not candidates or usable_key(candidates)[0] is None:
            reasons.add(UnknownSigningKey)  # rule 4: the kid names no usable key
    return ("outside" if reasons else "in-policy"), frozenset(reasons)


def outcome(vector: Vector) -> InvalidToken | bytes:
    """What the validator's signature layer makes of the vector: the payload octets or its own error."""
    try:
        return verify_jws(vector.jws, vector.key_source).payload
    except InvalidToken as error:  # anything else propagates and fails the test that asked
        return error


def summary(file: str) -> str:
    """One line of counts per class for ``file`` (what the terminal summary prints)."""
    counts: Counter[str] = Counter()
    for vector in load(file):
        klass, reasons = policy_class(vector)
        got = outcome(vector)
        accepted = not isinstance(got, InvalidToken)
        if vector.label_problem:
            counts["label problems"] += 1
        if klass == "outside":
            counts[
                "outside rejected for the policy's reason" if type(got) in reasons else "outside other"
            ] += 1
        else:
            counts[f"{klass} {'accepted' if accepted else 'rejected'}"] += 1
    order = (
        "invalid rejected",
        "invalid accepted",
        "in-policy accepted",
        "in-policy rejected",
        "outside rejected for the policy's reason",
        "outside other",
        "label problems",
    )
    return f"wycheproof {file}: {sum(counts[k] for k in order[:6])} tests; " + ", ".join(
        f"{key} {counts[key]}" for key in order
    )
