"""``fake-issuer scan``: judge any running API over real HTTP (RFC 7519, 7515, 8725, 9068, 6750).

``Scanner`` (``session``) starts the loopback issuer and builds the cases (``cases``: the attack
catalog, the bearer-header tricks, the claim matrix); ``runner`` sends them over keep-alive HTTP;
``judge`` and ``profiles`` compare each answer with the oracle under ``strict`` or ``rfc``;
``scenarios`` plays JWKS rotation, floods, faults and foreign ``jku``/``x5u``; ``report`` writes the
outputs; ``cli`` is the ``scan`` subcommand.
"""

from __future__ import annotations

from fake_issuer.scan.judge import SEVERITIES, Finding
from fake_issuer.scan.report import Report
from fake_issuer.scan.session import Options, Scanner, Targets, scanner

__all__ = ["SEVERITIES", "Finding", "Options", "Report", "Scanner", "Targets", "scanner"]
