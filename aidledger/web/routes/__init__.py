"""Every router of the application, by area; app.py includes them in this order."""

from __future__ import annotations

from . import api, budget, changes, cycles, dashboard, downloads, ledger, registry, signin, users

ROUTERS = [module.routes.router for module in (signin, dashboard, registry, changes, cycles, downloads, budget, ledger,
                                                 users, api)]
