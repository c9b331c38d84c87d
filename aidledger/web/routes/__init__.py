"""Every router of the application, by area; app.py includes them in this order."""

from __future__ import annotations

from . import api, budget, changes, cycles, dashboard, downloads, ledger, month, registry, signin, uploads, users

# uploads before registry: /registry/upload is not a household's page (/registry/{household_id}).
ROUTERS = [module.routes.router for module in (signin, dashboard, uploads, registry, changes, month, cycles, downloads,
                                                 budget, ledger, users, api)]
