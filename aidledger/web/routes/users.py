"""The users page (admin): every user with their display name, role, scope and state (`user list`). Read-only:
users are added and changed with the `user` commands."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from aidledger import users as user_service
from aidledger.web.access import Routes, SignedIn
from aidledger.web.pages import render

routes = Routes()


@routes.get("/users", roles=("admin",))
def users(request: Request, viewer: SignedIn) -> Response:
    with request.app.state.database.read() as session:
        listed = user_service.list_users(session)
    return render(request, "users.html", viewer=viewer, users=listed)
