"""Signing in and out: hashing, CSRF, rate limits, safe redirects, cookie flags."""

from __future__ import annotations

import uuid

import pytest

from digiflow import create_app
from digiflow.core.db import db
from digiflow.users.models import User
from tests.conftest import AuthActions, csrf_token
from tests.factories import PASSWORD, make_user


@pytest.fixture
def user(app_ctx):
    user = make_user(name="Dana Diedrichs")
    db.session.commit()
    return user


def test_password_is_stored_hashed(user):
    stored = db.session.get(User, user.id)
    assert PASSWORD not in stored.password_hash
    assert stored.check_password(PASSWORD)
    assert not stored.check_password(PASSWORD + "x")


def test_login_page_is_german_and_accessible_markup(client):
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="de">' in html
    assert '<label for="email">E-Mail-Adresse <span class="required">(Pflichtfeld)</span>' in html
    assert 'name="csrf_token"' in html
    assert '<main id="main"' in html


def test_start_page_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_and_logout(client, auth, user):
    response = auth.login(user.email, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "Dana Diedrichs" in page.get_data(as_text=True)
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_answer(client, auth, user):
    wrong = auth.login(user.email, "not the password")
    unknown = auth.login("nobody@example.org", "not the password")
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert "E-Mail-Adresse oder Passwort ist falsch." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_without_csrf_token_is_refused(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "abgelaufen" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_needs_post_with_csrf(client, auth, user):
    auth.login(user.email, PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_next_parameter_cannot_redirect_elsewhere(client, auth, user):
    response = auth.login(user.email, PASSWORD, next_url="https://evil.example/phish")
    assert response.headers["Location"] == "/"
    auth.logout()
    response = auth.login(user.email, PASSWORD, next_url="//evil.example")
    assert response.headers["Location"] == "/"


def test_inactive_account_cannot_log_in(client, auth, user):
    user.is_active_account = False
    db.session.commit()
    assert auth.login(user.email, PASSWORD).status_code == 422


def test_session_cookie_is_httponly_and_samesite(client, auth, user):
    response = auth.login(user.email, PASSWORD)
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_login_is_rate_limited(instance_path, service_env, monkeypatch):
    """After the configured number of attempts further tries get 429, even the right one."""
    for key, value in service_env.items():
        monkeypatch.setenv(key, value)
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance_path),
            "LOGIN_RATE_LIMIT": "3 per minute",
            "RATELIMIT_KEY_PREFIX": "ratelimit-test-" + uuid.uuid4().hex,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    with app.app_context():
        try:
            user = make_user()
            db.session.commit()
            client = app.test_client()
            auth = AuthActions(client)
            statuses = [auth.login(user.email, "wrong password").status_code for _ in range(3)]
            assert statuses == [422, 422, 422]
            blocked = auth.login(user.email, PASSWORD)
            assert blocked.status_code == 429
            assert "Zu viele Versuche" in blocked.get_data(as_text=True)
            assert client.get("/").status_code == 302
        finally:
            db.session.delete(db.session.get(User, user.id))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()


def test_csrf_token_helper_finds_the_token(client):
    assert len(csrf_token(client.get("/login").get_data(as_text=True))) > 20
