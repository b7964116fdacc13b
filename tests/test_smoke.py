from flask import g


def test_login_logout_do_not_leak_between_requests(client, auth, make, db):
    user = make.partner_user()
    db.commit()
    auth.login_as(user)
    assert client.get("/home").status_code == 200
    auth.logout()
    response = client.get("/home")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
