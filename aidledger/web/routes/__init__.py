"""Every router of the application, by area; app.py includes them in this order."""

from __future__ import annotations

from . import (
    api,
    bank,
    budget,
    changes,
    cycles,
    dashboard,
    downloads,
    grants,
    jobs,
    ledger,
    month,
    planning,
    planning_reserves,
    registry,
    report_jobs,
    signin,
    upload_jobs,
    upload_problems,
    uploads,
    users,
)

# uploads before registry: /registry/upload is not a household's page (/registry/{household_id}).
ROUTERS = [module.routes.router for module in (
    signin, dashboard, uploads, upload_problems, registry, changes, month, bank, cycles, jobs, upload_jobs, downloads,
    report_jobs, budget, planning, planning_reserves, grants, ledger, users, api)]
