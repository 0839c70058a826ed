"""The exhaustive claim matrix against the API, all of it, in shards that pytest-xdist shares out."""

from __future__ import annotations

import pytest

from fake_issuer.matrix.django_api import DjangoAPI
from fake_issuer.matrix.matrix import Matrix, shard
from tests.properties.tenant import NOW, POLICY, RING

SHARDS = 12
MATRIX = Matrix(POLICY, RING, now=NOW)


@pytest.mark.parametrize("index", range(SHARDS))
def test_matrix_shard_agrees_with_the_oracle(live_api: DjangoAPI, index: int) -> None:
    results = MATRIX.run(shard(MATRIX.combinations, index, SHARDS), live_api.get)
    disagreements = [
        f"{r.combination} at {r.endpoint}: {'; '.join(r.breaches)}" for r in results if not r.agrees
    ]
    assert not disagreements, f"{len(disagreements)} disagreements, first ones:\n" + "\n".join(
        disagreements[:20]
    )
    assert len(results) == 3 * len(shard(MATRIX.combinations, index, SHARDS))
