def test_login_with_wrong_password_is_refused(client):
    r = client.post("/login", data={"username": "reviewer", "password": "nope-nope"})
    assert r.status_code == 401
    assert client.get("/api/me").status_code == 401


def test_login_sets_a_hardened_cookie_and_logout_ends_it(client):
    from tests.integration.web.conftest import login

    csrf = login(client, "reviewer")
    r = client.get("/api/me")
    assert r.json() == {"username": "reviewer", "roles": ["reviewer"]}
    # unsafe request without the CSRF token is refused
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.post("/logout", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    assert client.get("/api/me").status_code == 401


def test_session_cookie_flags(web):
    from fastapi.testclient import TestClient

    from tarazu.entrypoints.web.app import create_app
    from tests.integration.web.conftest import PASSWORD

    c = TestClient(create_app(web))
    r = c.post("/login", data={"username": "admin", "password": PASSWORD},
               follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_api_token_authenticates_machines(web, client):
    import secrets

    token = "tz_" + secrets.token_urlsafe(16)
    with web.uow() as uow:
        user = uow.users.by_name("requester")[0]
        uow.users.add_token(user.id, "portal", token, web.clock.now())
        uow.commit()
    r = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert r.json()["username"] == "requester"
    assert client.get("/api/me", headers={"Authorization": "Bearer wrong"}).status_code == 401
