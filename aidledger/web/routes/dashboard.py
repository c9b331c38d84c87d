"""The county's dashboard (the first page after signing in)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from aidledger.web.access import ALL, Routes, SignedIn
from aidledger.web.pages import render

routes = Routes()


@routes.get("/", roles=ALL)
def dashboard(request: Request, viewer: SignedIn) -> Response:
    return render(request, "dashboard.html", viewer=viewer)
