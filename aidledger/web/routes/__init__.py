"""Every router of the application, by area; app.py includes them in this order."""

from __future__ import annotations

from . import api, budget, changes, cycles, dashboard, downloads, jobs, ledger, month, registry, signin, uploads, users
from .grants import routes as grant_routes
from .planning import routes as planning_routes

# uploads before registry: /registry/upload is not a household's page (/registry/{household_id}).
ROUTERS = [module.routes.router for module in (signin, dashboard, uploads, registry, changes, month, cycles, jobs,
                                                 downloads, budget, ledger, users, api)]
ROUTERS += [planning_routes.router, grant_routes.router]  # the budget planner's forms, temporary grants, subsidies
