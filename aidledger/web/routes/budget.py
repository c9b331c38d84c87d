"""Pages of this area (to be filled in)."""

from __future__ import annotations

from aidledger.web.access import Routes

routes = Routes()
