"""Browser login: email + password, logout, password change and reset, throttling, CSRF."""

import re

import pytest
from django.core import mail
from django.test import Client

from publishing.tasks import send_password_reset
from tests.conftest import PASSWORD

LOGIN = "/accounts/login/"


def post_login(client, email, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_login_page_renders_an_email_field(db, client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'type="email"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_member_logs_in_with_email_in_any_case_and_lands_on_the_overview(cast, client):
    response = post_login(client, "EDDIE@acme.test", PASSWORD)
    assert response.status_code == 302
    assert response.url == "/app/"
    page = client.get("/app/")
    assert page.status_code == 200
    assert b"Acme" in page.content and b"editor" in page.content


def test_wrong_password_shows_a_generic_message(cast, client):
    response = post_login(client, "eddie@acme.test", "wrong-password")
    assert response.status_code == 200
    assert b"do not match an active account" in response.content
    assert "_auth_user_id" not in client.session


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(cast, client):
    known = post_login(client, "eddie@acme.test", "wrong-password").content.decode()
    unknown = post_login(client, "nobody@acme.test", "wrong-password").content.decode()

    def strip_tokens(html):
        html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
        return re.sub(r'value="[^"]*"', "", html)

    assert strip_tokens(known).replace("eddie@acme.test", "X") == strip_tokens(unknown).replace("nobody@acme.test", "X")


def test_logout_requires_post_and_ends_the_session(cast, client):
    client.force_login(cast.editor)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/app/").status_code == 302  # back to login


def test_dashboard_requires_login(db, client):
    response = client.get("/app/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_account_is_locked_after_repeated_failures_even_from_many_addresses(cast, client, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, "eddie@acme.test", f"guess-{attempt}", ip=f"10.0.1.{attempt}")
    locked = post_login(client, "eddie@acme.test", PASSWORD, ip="10.0.2.1")
    assert locked.status_code == 429
    assert b"Too many failed log-in attempts" in locked.content
    # Another account on a fresh address is unaffected.
    assert post_login(Client(), "mona@acme.test", PASSWORD, ip="10.0.3.1").status_code == 302


def test_an_address_is_locked_after_failures_across_many_accounts(cast, settings):
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        post_login(client, f"guess{attempt}@acme.test", "nope", ip="10.9.9.9")
    locked = post_login(client, "mona@acme.test", PASSWORD, ip="10.9.9.9")
    assert locked.status_code == 429
    assert post_login(Client(), "mona@acme.test", PASSWORD, ip="10.9.9.10").status_code == 302


def proxied_login(email, password, client_ip, forwarded_by_client=""):
    """A login through one reverse proxy (10.0.0.2), which appends the address it was reached from."""
    forwarded = f"{forwarded_by_client}, {client_ip}" if forwarded_by_client else client_ip
    return Client().post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR="10.0.0.2",
                         HTTP_X_FORWARDED_FOR=forwarded)


def test_behind_a_proxy_an_address_is_locked_by_the_client_address_it_forwards(cast, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        # What the client itself puts in X-Forwarded-For changes nothing: the proxy's entry counts.
        proxied_login(f"guess{attempt}@acme.test", "nope", "203.0.113.5", forwarded_by_client=f"198.51.100.{attempt}")
    assert proxied_login("mona@acme.test", PASSWORD, "203.0.113.5").status_code == 429
    # Every client comes through the same proxy: another one is not locked out with the first.
    assert proxied_login("mona@acme.test", PASSWORD, "203.0.113.9").status_code == 302


def test_without_trusted_proxies_x_forwarded_for_is_ignored(cast, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        proxied_login(f"guess{attempt}@acme.test", "nope", f"203.0.113.{attempt}")  # all from 10.0.0.2
    assert proxied_login("mona@acme.test", PASSWORD, "203.0.113.9").status_code == 429


def test_lockout_does_not_reveal_whether_an_account_exists(cast, settings):
    for email in ("eddie@acme.test", "ghost@acme.test"):
        client = Client()
        for attempt in range(settings.AXES_FAILURE_LIMIT):
            post_login(client, email, "nope", ip=f"10.7.{attempt}.1")
        assert post_login(client, email, "nope", ip="10.8.0.1").status_code == 429


def test_login_form_rejects_posts_without_a_csrf_token(cast):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "eddie@acme.test", "password": PASSWORD})
    assert response.status_code == 403


def test_password_change_needs_the_old_password(cast, client):
    client.force_login(cast.editor)
    bad = client.post("/accounts/password_change/", {
        "old_password": "not-it", "new_password1": "a-much-better-pass-42", "new_password2": "a-much-better-pass-42",
    })
    assert bad.status_code == 200 and b"incorrectly" in bad.content
    good = client.post("/accounts/password_change/", {
        "old_password": PASSWORD, "new_password1": "a-much-better-pass-42", "new_password2": "a-much-better-pass-42",
    })
    assert good.status_code == 302
    cast.editor.refresh_from_db()
    assert cast.editor.check_password("a-much-better-pass-42")


def test_password_reset_mails_a_single_use_link(cast, client):
    response = client.post("/accounts/password_reset/", {"email": "eddie@acme.test"})
    assert response.status_code == 302
    assert mail.outbox == []  # the request only queues the mail (tests/web/test_password_reset_page.py)
    assert send_password_reset("eddie@acme.test")  # the queued job
    assert len(mail.outbox) == 1
    link = re.search(r"/accounts/reset/\S+/\S+/", mail.outbox[0].body).group(0)
    form_url = client.get(link).url  # Django swaps the token for a session-bound URL
    done = client.post(form_url, {"new_password1": "reset-pass-9876-x", "new_password2": "reset-pass-9876-x"})
    assert done.status_code == 302
    cast.editor.refresh_from_db()
    assert cast.editor.check_password("reset-pass-9876-x")
    reused = Client().get(link, follow=True)
    assert b"invalid or has already been used" in reused.content


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(cast, client):
    response = client.post("/accounts/password_reset/", {"email": "ghost@acme.test"})
    assert response.status_code == 302 and response.url == "/accounts/password_reset/done/"
    assert mail.outbox == []


@pytest.mark.parametrize("debug_cookie_secure", [True])
def test_session_cookie_is_secure_outside_debug(debug_cookie_secure):
    import os
    import subprocess
    import sys

    from django.conf import settings

    code = "from django.conf import settings; print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "pinboard_site.settings", "SECRET_KEY": "k" * 50,
           "SITE_URL": "https://pinboard.example.com", "FIELD_ENCRYPTION_KEY": os.environ["FIELD_ENCRYPTION_KEY"],
           "PINBOARD_ENV_FILE": ""}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], env=env,
                         cwd=settings.BASE_DIR, capture_output=True, text=True)
    assert out.stdout.split() == ["True", "True"], out.stderr
