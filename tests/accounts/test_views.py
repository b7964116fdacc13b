from datetime import timedelta

from sqlalchemy import select

from lms.accounts import service
from lms.db import utcnow
from lms.models import AuditEvent, OutboxMessage, User


def _link(db, recipient, marker):
    mail = db.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
    ).first()
    return marker + mail.body_text.split(marker)[1].split()[0]


def test_login_page_and_bad_credentials(client, make, db):
    make.user("manager", email="m@example.com")
    db.commit()
    assert b"Sign in" in client.get("/login").data
    response = client.post("/login", data={"email": "m@example.com", "password": "wrong wrong wrong"})
    assert response.status_code == 200
    assert b"do not match an account" in response.data
    response = client.post("/login", data={"email": "not-an-email", "password": ""})
    assert b"Enter a valid email address." in response.data and b"Enter your password." in response.data


def test_login_redirects_by_role_and_only_to_local_next(client, auth, make, db):
    partner_user, manager = make.partner_user(), make.manager()
    db.commit()
    response = auth.login(partner_user.email)
    assert response.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/home"
    auth.logout()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        response = client.post("/login", query_string={"next": target}, data={"email": manager.email, "password": make.PASSWORD})
        assert response.headers["Location"] == "/", target
        client.post("/logout")
    response = client.post("/login?next=/partners/", data={"email": manager.email, "password": make.PASSWORD})
    assert response.headers["Location"] == "/partners/"
    assert client.get("/").headers["Location"] == "/dashboard/"  # managers land on the dashboard


def test_sign_in_is_throttled_per_account(client, make, db):
    user = make.user("manager", email="t@example.com")
    db.commit()
    for _ in range(10):
        client.post("/login", data={"email": "t@example.com", "password": "wrong wrong wrong"})
    response = client.post("/login", data={"email": "t@example.com", "password": make.PASSWORD})
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert b"Too many attempts" in response.data


def test_sign_in_is_throttled_per_ip(client, make, db):
    db.commit()
    for n in range(10):
        client.post("/login", data={"email": f"x{n}@example.com", "password": "wrong wrong wrong"})
    assert client.post("/login", data={"email": "new@example.com", "password": "x"}).status_code == 429


def test_invite_flow_end_to_end(client, auth, make, db):
    manager = make.manager()
    partner = make.partner(manager=manager, name="Acme Resellers")
    db.commit()
    auth.login_as(manager)
    response = client.post(f"/partners/{partner.id}/invite", data={"name": "Pat Partner", "email": "Pat@Acme.example"})
    assert response.status_code == 302
    link = _link(db, "pat@acme.example", "/invite/")
    auth.logout()

    page = client.get(link)
    assert b"pat@acme.example" in page.data and b"Acme Resellers" in page.data
    bad = client.post(link, data={"name": "Pat", "password": "pat@acme.example", "confirm": "pat@acme.example", "timezone": "Mars/Base"})
    assert bad.status_code == 200
    assert b"Do not use your email address" in bad.data
    assert b"Choose a time zone from the list" in bad.data
    assert db.scalar(select(User.password_hash).where(User.email == "pat@acme.example")) is None

    ok = client.post(link, data={"name": "Pat Partner", "password": "a sensible passphrase", "confirm": "a sensible passphrase", "timezone": "America/Chicago"})
    assert ok.status_code == 302
    home = client.get("/home")
    assert home.status_code == 200 and b"Acme Resellers" in home.data
    assert client.get(link).status_code == 410  # used


def test_expired_and_unknown_links_get_a_clear_page(client, make, db, app):
    user = make.user("partner", password=None)
    with app.test_request_context():
        raw = service.issue_token(db, user, "invite", now=utcnow() - timedelta(days=8))
    db.commit()
    expired = client.get(f"/invite/{raw}")
    assert expired.status_code == 410 and b"This link has expired." in expired.data
    unknown = client.get("/invite/garbage")
    assert unknown.status_code == 404 and b"This link is not valid" in unknown.data
    assert client.get("/password/reset/garbage").status_code == 404


def test_forgot_password_needs_a_valid_email(client, db):
    response = client.post("/password/forgot", data={"email": "not an email"})
    assert response.status_code == 200 and b"Enter a valid email address." in response.data


def test_forgot_and_reset_password(client, make, db):
    user = make.user("manager", email="r@example.com")
    db.commit()
    response = client.post("/password/forgot", data={"email": "r@example.com"}, follow_redirects=True)
    assert b"we have sent it a link" in response.data
    link = _link(db, "r@example.com", "/password/reset/")
    mismatch = client.post(link, data={"password": "new long passphrase", "confirm": "different"})
    assert b"The two passwords are not the same." in mismatch.data
    assert client.post(link, data={"password": "new long passphrase", "confirm": "new long passphrase"}).status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"email": "r@example.com", "password": "new long passphrase"}).status_code == 302
    assert client.get(link).status_code == 410


def test_change_password_keeps_this_session_and_ends_others(app, client, auth, make, db):
    user = make.user("manager")
    db.commit()
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": make.PASSWORD})
    auth.login_as(user)
    wrong = client.post("/account/password", data={"pw-current_password": "nope", "pw-password": "another long passphrase", "pw-confirm": "another long passphrase"})
    assert b"That is not your current password." in wrong.data
    ok = client.post("/account/password", data={"pw-current_password": make.PASSWORD, "pw-password": "another long passphrase", "pw-confirm": "another long passphrase"})
    assert ok.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302  # signed out elsewhere


def test_profile_time_zone_is_validated(client, auth, make, db):
    user = make.user("manager")
    db.commit()
    auth.login_as(user)
    bad = client.post("/account", data={"name": "M", "timezone": "Nowhere/City", "phone": ""})
    assert b"Choose a time zone from the list" in bad.data
    long_name = client.post("/account", data={"name": "x" * 121, "timezone": "UTC"})
    assert b"Field cannot be longer than 120 characters." in long_name.data
    db.expire_all()
    assert db.get(User, user.id).timezone == "Europe/London"
    client.post("/account", data={"name": "M", "timezone": "Asia/Tokyo", "phone": "+81 3 1234"})
    db.expire_all()
    assert db.get(User, user.id).timezone == "Asia/Tokyo"


def test_deactivated_user_is_signed_out_at_once(client, auth, make, db):
    admin, user = make.admin(), make.user("manager")
    db.commit()
    auth.login_as(user)
    admin_client = client.application.test_client()
    admin_client.post("/login", data={"email": admin.email, "password": make.PASSWORD})
    assert admin_client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert client.get("/account").status_code == 302
    assert b"deactivated" in auth.login(user.email).data
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "user.deactivated")).actor_id == admin.id


def test_csrf_is_required_on_forms(csrf_app, make, db):
    user = make.user("manager")
    db.commit()
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    assert response.status_code == 400 and b"Reload the page" in response.data
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    assert client.post("/login", data={"email": user.email, "password": make.PASSWORD, "csrf_token": token}).status_code == 302
    assert client.post("/logout").status_code == 400  # a cross-site sign-out is refused too


def test_session_cookie_flags(client, make, db):
    user = make.user("manager")
    db.commit()
    response = client.post("/login", data={"email": user.email, "password": make.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_mailed_links_use_base_url_not_the_request_host(app, client, make, db):
    """Issue 9, item 2: a forged Host header must not reach the reset link in the mail."""
    make.user("manager", email="host@example.com")
    db.commit()
    client.post("/password/forgot", data={"email": "host@example.com"}, headers={"Host": "evil.example"},
                base_url="http://evil.example")
    mail = db.scalars(select(OutboxMessage).where(OutboxMessage.recipient == "host@example.com")).one()
    assert "evil.example" not in mail.body_text and "evil.example" not in mail.body_html
    assert app.config["BASE_URL"] + "/password/reset/" in mail.body_text


def _copy_cookies(source, target, names=("session", "remember_token")):
    for name in names:
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def test_sign_out_ends_the_session_on_the_server(app, client, auth, make, db):
    """Issue 9, item 8: cookies copied before POST /logout no longer open pages afterwards."""
    user = make.user("partner", partner=make.partner())
    db.commit()
    client.post("/login", data={"email": user.email, "password": make.PASSWORD, "remember": "y"})
    stolen_session, stolen_remember = app.test_client(), app.test_client()
    _copy_cookies(client, stolen_session, ("session",))
    _copy_cookies(client, stolen_remember, ("remember_token",))
    assert stolen_session.get("/home").status_code == 200
    assert stolen_remember.get("/home").status_code == 200
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": make.PASSWORD})
    client.post("/logout")
    assert client.get("/home").status_code == 302
    assert stolen_session.get("/home").status_code == 302
    fresh = app.test_client()
    _copy_cookies(stolen_remember, fresh, ("remember_token",))
    assert fresh.get("/home").status_code == 302
    assert other_device.get("/home").status_code == 200  # signing out here leaves the other device signed in


def _from(address):
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_wrong_passwords_from_ten_addresses_do_not_lock_out_an_eleventh(client, make, db):
    """Issue 9, item 9: anyone could lock an account; now the limit is per (account, address) pair."""
    user = make.user("manager", email="locked@example.com")
    db.commit()
    for n in range(10):
        client.post("/login", data={"email": user.email, "password": "wrong wrong wrong"}, **_from(f"198.51.100.{n}"))
    response = client.post("/login", data={"email": user.email, "password": make.PASSWORD}, **_from("203.0.113.7"))
    assert response.status_code == 302


def test_the_slow_per_account_limit_refuses_failed_addresses_but_not_a_new_one(app, client, make, db):
    app.config["LOGIN_ACCOUNT_RATE_LIMIT"] = "5 per hour"
    user = make.user("manager", email="slow@example.com")
    db.commit()
    for n in range(5):
        client.post("/login", data={"email": user.email, "password": "wrong wrong wrong"}, **_from(f"198.51.100.{n}"))
    again = client.post("/login", data={"email": user.email, "password": make.PASSWORD}, **_from("198.51.100.1"))
    assert again.status_code == 429 and b"Too many attempts" in again.data
    fresh_wrong = client.post("/login", data={"email": user.email, "password": "still wrong!"}, **_from("192.0.2.1"))
    assert fresh_wrong.status_code == 200 and b"do not match" in fresh_wrong.data
    assert client.post("/login", data={"email": user.email, "password": "x wrong"}, **_from("192.0.2.1")).status_code == 429
    right = client.post("/login", data={"email": user.email, "password": make.PASSWORD}, **_from("192.0.2.99"))
    assert right.status_code == 302
