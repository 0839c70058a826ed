"""The claim matrix and the time matrix against the API, all of them, in shards pytest-xdist shares out."""

from __future__ import annotations

import pytest

from fake_issuer.matrix.django_api import DjangoAPI
from fake_issuer.matrix.matrix import Matrix, shard, time_facets
from tests.properties.tenant import NOW, POLICY, RING

#: Each matrix with its shard count: about 1,000 combinations a shard.
MATRICES = {
    "claims": (Matrix(POLICY, RING, now=NOW), 12),
    "times": (Matrix(POLICY, RING, now=NOW, table=time_facets, name="time matrix"), 2),
}
SHARDS = [(name, index) for name, (_, count) in MATRICES.items() for index in range(count)]


@pytest.mark.parametrize(("name", "index"), SHARDS, ids=[f"{name}-{index}" for name, index in SHARDS])
def test_matrix_shard_agrees_with_the_oracle(live_api: DjangoAPI, name: str, index: int) -> None:
    matrix, count = MATRICES[name]
    chosen = shard(matrix.combinations, index, count)
    results = matrix.run(chosen, live_api.get)
    disagreements = [
        f"{r.combination} at {r.endpoint}: {'; '.join(r.breaches)}" for r in results if not r.agrees
    ]
    assert not disagreements, f"{len(disagreements)} disagreements, first ones:\n" + "\n".join(
        disagreements[:20]
    )
    assert len(results) == 3 * len(chosen) > 0
