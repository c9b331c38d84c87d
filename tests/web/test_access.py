"""Who may use which route: every route of the application has a rule, and every route is tried signed out, as
every role, and outside its user's scope. Also the session's life (sign-in, sign-out, idle timeout, the growing
delay after failures), CSRF, tokens, and what a hostile request cannot do."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from support import ADMIN, APPROVER, AUDITOR, PREPARER
from webbook import (  # noqa: F401
    CITY_AUDITOR,
    ELSEWHERE,
    PASSWORD,
    TOWN_CLERK,
    USERS,
    app,
    client,
    clock,
    csrf_of,
    sign_in,
    signed_in,
    web_templates,
    web_url,
)

from aidledger import db as dbmod
from aidledger.auth import service as auth
from aidledger.users import change_user
from aidledger.web.access import RULES

# A value for each path parameter: things of the worked county, inside the scope of every user but other.county.
SAMPLES = {"household_id": "H001", "cycle_id": "1", "return_id": "1", "grant_id": "1", "job_id": "1", "finding_id": "1",
           "jurisdiction": "230523", "month": "2022-01"}
PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def routes_of(application) -> list[tuple[str, str]]:
    """Every (method, path) the application answers, through the routers it includes (none has a prefix)."""
    found = []

    def walk(routes) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.extend((method, route.path) for method in sorted(route.methods))
            elif getattr(route, "original_router", None) is not None:  # FastAPI's included router
                walk(route.original_router.routes)
    walk(application.routes)
    return found


def concrete(path: str) -> str:
    return PARAMETER.sub(lambda m: SAMPLES[m.group(1)], path)


def test_every_route_has_a_rule(app):
    routes = routes_of(app)
    assert len(routes) >= 15, routes
    missing = [route for route in routes if route not in RULES]
    assert not missing, f"routes without a rule in web/access.py Routes: {missing}"
    unknown_parameters = {name for _, path in routes for name in PARAMETER.findall(path)} - set(SAMPLES)
    assert not unknown_parameters, f"give tests/web/test_access.py SAMPLES a value for {unknown_parameters}"


def _call(c: TestClient, method: str, path: str, csrf: str | None = None):
    if method == "GET":
        return c.get(concrete(path))
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    return c.post(concrete(path), headers=headers, json={})


def test_signed_out_every_page_redirects_and_every_api_call_is_401(app, client):
    for method, path in routes_of(app):
        response = _call(client, method, path)
        if RULES[(method, path)].public:
            assert response.status_code < 500, (method, path, response.status_code)
        elif path.startswith("/api/"):
            assert response.status_code == 401, (method, path, response.status_code)
        elif method == "GET":
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/signin?next=")
        else:
            assert response.status_code in (303, 401), (method, path, response.status_code)


@pytest.mark.parametrize("user", [ADMIN, PREPARER, APPROVER, AUDITOR])
def test_every_route_as_every_role(app, signed_in, user):
    c = signed_in(user)
    csrf = csrf_of(c.get("/").text)
    role = USERS[user]
    for method, path in routes_of(app):
        if path == "/signout":
            continue  # tried last, below
        rule = RULES[(method, path)]
        response = _call(c, method, path, csrf)
        if rule.public:
            assert response.status_code < 500, (method, path, response.status_code)
        elif role in rule.roles:
            assert response.status_code not in (401, 403), (user, method, path, response.status_code,
                                                            response.text[:300])
            assert response.status_code < 500, (user, method, path, response.status_code, response.text[:300])
        else:
            assert response.status_code == 403, (user, method, path, response.status_code)
            if not path.startswith("/api/"):
                assert "不能使用此功能" in response.text
    assert c.post("/signout", headers={"X-CSRF-Token": csrf}).status_code == 303


# What of the worked county would show on a page or in a reply that leaked it: a household id, a payee name.
LEAKS = ("H001", "H003", "王建国", "9,639.00", "9639.00")


def test_every_route_outside_the_users_scope(app, signed_in):
    """other.county (an auditor of 230524) asks for everything of 230523: refused, or shown nothing of it."""
    c = signed_in(ELSEWHERE)
    csrf = csrf_of(c.get("/").text)
    tried = 0
    for method, path in routes_of(app):
        if path == "/signout" or RULES[(method, path)].public or "auditor" not in RULES[(method, path)].roles:
            continue
        response = _call(c, method, path, csrf)
        tried += 1
        assert response.status_code < 500, (method, path, response.status_code, response.text[:300])
        if response.status_code == 403:
            continue
        body = response.text
        leaked = [word for word in LEAKS if word in body]
        assert not leaked, (method, path, response.status_code, leaked)
    assert tried >= 10


def test_a_township_clerk_never_sees_another_townships_household(signed_in):
    c = signed_in(TOWN_CLERK)
    assert c.get("/api/v1/registry/H001").status_code == 200  # 230523100, theirs
    for path in ("/api/v1/registry/H003", "/api/v1/households/H003/explain?month=2022-01", "/registry/H003"):
        response = c.get(path)
        assert response.status_code == 403, (path, response.status_code)
        assert "H003" not in response.text.replace("户 H003", "") or response.status_code == 403


def test_a_city_auditor_sees_the_countys_cycle(signed_in):
    c = signed_in(CITY_AUDITOR)
    response = c.get("/api/v1/cycles/1")
    assert response.status_code == 200
    assert response.json()["total"] == "9639.00"


# --- the session -------------------------------------------------------------------------------------------------

def test_sign_in_sets_a_hardened_cookie_and_sign_out_ends_the_session(client):
    response = sign_in(client, PREPARER)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # served over http here; over https it is Secure (test below)
    session_id = client.cookies.get("aidledger_session")
    page = client.get("/")
    assert page.status_code == 200 and "李明" in page.text
    assert client.post("/signout", data={"csrf": csrf_of(page.text)}).status_code == 303
    # The old cookie, replayed after signing out, opens nothing.
    stale = TestClient(client.app, follow_redirects=False, cookies={"aidledger_session": session_id})
    assert stale.get("/").status_code == 303
    assert stale.get("/api/v1/cycles/1").status_code == 401


def test_cookies_are_secure_over_https(app):
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        response = sign_in(c, PREPARER)
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]


def test_an_idle_session_ends(client, clock):
    assert sign_in(client, PREPARER).status_code == 303
    clock.now += timedelta(minutes=20)
    assert client.get("/").status_code == 200  # used: the idle clock starts again
    clock.now += timedelta(minutes=29)
    assert client.get("/").status_code == 200
    clock.now += timedelta(minutes=31)
    assert client.get("/").status_code == 303


def test_a_wrong_password_and_an_unknown_user_read_the_same(client):
    wrong = sign_in(client, PREPARER, "not-the-password")
    unknown = sign_in(client, "nobody.here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名或密码错误" in wrong.text and "用户名或密码错误" in unknown.text
    assert client.get("/").status_code == 303


def test_twenty_failed_sign_ins_in_a_row_grow_the_delay(client, clock, web_url):
    statuses = []
    for n in range(20):  # one a second
        statuses.append(sign_in(client, APPROVER, f"guess-{n}").status_code)
        clock.now += timedelta(seconds=1)
    assert statuses[:3] == [401, 401, 401]
    assert 429 in statuses  # the delay began
    assert all(code in (401, 429) for code in statuses)
    # During the delay even the right password is refused, unchecked.
    refused = sign_in(client, APPROVER, PASSWORD)
    assert refused.status_code == 429 and "秒后再试" in refused.text
    wait = int(re.search(r"请在 (\d+) 秒后再试", refused.text).group(1))
    database = dbmod.Database(web_url)
    try:
        with database.read() as session:
            failures, _ = auth.failures_in_a_row(session, APPROVER, clock.now)
    finally:
        database.dispose()
    assert 3 <= failures < 20  # attempts during the delay are not counted, so it stays bounded
    clock.now += timedelta(seconds=wait + 1)
    assert sign_in(client, APPROVER, PASSWORD).status_code == 303


def test_a_form_post_without_or_with_a_wrong_csrf_token_is_refused(signed_in, web_url):
    c = signed_in(AUDITOR)
    for data in ({}, {"csrf": "forged"}):
        response = c.post("/ledger/verify", data=data)
        assert response.status_code == 403, response.status_code
        assert "CSRF" in response.text
    assert c.post("/signout", data={"csrf": "forged"}).status_code == 403
    assert c.get("/").status_code == 200  # still signed in: the forged sign-out did nothing


def test_the_sign_in_form_needs_its_token(client):
    client.get("/signin")
    response = client.post("/signin", data={"user": PREPARER, "password": PASSWORD, "csrf": "forged"})
    assert response.status_code == 403
    assert client.get("/").status_code == 303


def test_after_sign_in_only_a_local_path_is_followed(client):
    page = client.get("/signin?next=//evil.example/x")
    response = client.post("/signin", data={"user": PREPARER, "password": PASSWORD, "csrf": csrf_of(page.text),
                                            "next": "https://evil.example/"})
    assert response.status_code == 303 and response.headers["location"] == "/"


# --- tokens -------------------------------------------------------------------------------------------------------

def _token(web_url: str, user: str, clock) -> str:
    database = dbmod.Database(web_url)
    try:
        with database.write() as session:
            return auth.issue_token(session, user, acting=user, now=clock.now)
    finally:
        database.dispose()


def test_an_api_token_authenticates_and_a_disabled_users_token_does_not(client, web_url, clock):
    token = _token(web_url, AUDITOR, clock)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cycles/1", headers=headers).status_code == 200
    assert client.get("/api/v1/cycles/1", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    assert client.get("/", headers=headers).status_code == 303  # a token opens the API, not the pages
    database = dbmod.Database(web_url)
    try:
        with database.write() as session:
            change_user(session, AUDITOR, "disable", acting=ADMIN, now=clock.now)
    finally:
        database.dispose()
    assert client.get("/api/v1/cycles/1", headers=headers).status_code == 401


def test_a_new_token_replaces_the_old(client, web_url, clock):
    first = _token(web_url, AUDITOR, clock)
    second = _token(web_url, AUDITOR, clock)
    assert client.get("/api/v1/cycles/1", headers={"Authorization": f"Bearer {first}"}).status_code == 401
    assert client.get("/api/v1/cycles/1", headers={"Authorization": f"Bearer {second}"}).status_code == 200


def test_a_token_needs_no_csrf_but_a_session_api_post_does(client, signed_in, web_url, clock):
    token = _token(web_url, APPROVER, clock)
    response = client.post("/api/v1/cycles/999/approve", headers={"Authorization": f"Bearer {token}"}, json={})
    assert response.status_code == 422 and response.json()["errors"]
    c = signed_in(APPROVER)
    assert c.post("/api/v1/cycles/999/approve", json={}).status_code == 403  # no X-CSRF-Token


# --- hostile requests ---------------------------------------------------------------------------------------------

def test_pages_carry_the_security_headers(signed_in):
    response = signed_in(AUDITOR).get("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/static/../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
                                  "/downloads/..%2F..%2Fetc%2Fpasswd"])
def test_no_path_leaves_the_application(signed_in, path):
    response = signed_in(AUDITOR).get(path)
    assert response.status_code in (403, 404, 422), response.status_code
    assert "root:" not in response.text


def test_bad_parameters_are_refused_in_chinese_not_crashed(signed_in):
    c = signed_in(PREPARER)
    assert c.get("/api/v1/households/H001/explain?month=2022-13").status_code == 422
    assert c.get("/api/v1/cycles/abc").status_code == 422
    assert c.get("/api/v1/registry/NOPE").status_code == 422
    response = c.post("/api/v1/cycles", headers={"X-CSRF-Token": csrf_of(c.get("/").text)},
                      json={"jurisdiction": "230523", "month": "'; DROP TABLE cycles; --"})
    assert response.status_code == 422 and response.json()["errors"]


def test_a_local_single_user_book_is_not_served(templates):
    from aidledger.errors import Refusal
    from aidledger.web.app import create_app

    with pytest.raises(Refusal, match="未启用身份认证"):
        create_app(templates["sqlite"]())
