"""``python -m fake_issuer``."""

from __future__ import annotations

import sys

from fake_issuer.cli import main

sys.exit(main())
