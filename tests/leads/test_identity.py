"""A prospect's identity: registrable domains (Public Suffix List, IDN, private suffixes) and company names."""

from __future__ import annotations

import pytest

from lms.leads.identity import display_domain, identity_key, normalise_company, registrable_domain

DOMAINS = [
    # (input, registrable domain)
    ("https://www.Example.co.uk/x", "example.co.uk"),
    ("sales@example.co.uk", "example.co.uk"),
    ("EXAMPLE.CO.UK.", "example.co.uk"),
    ("example.co.uk", "example.co.uk"),
    ("http://user:secret@shop.example.com:8443/path?q=1#frag", "example.com"),
    ("WWW.Example.COM:443", "example.com"),
    ("example.com/pricing", "example.com"),
    ("  example.com  ", "example.com"),
    ("mailto:Jane.Doe@Mail.Example.org", "example.org"),
    ("Jane Doe <jane@example.org>", None),  # a display name is not an address
    ("bücher.de", "xn--bcher-kva.de"),
    ("xn--bcher-kva.de", "xn--bcher-kva.de"),
    ("https://www.BÜCHER.de/", "xn--bcher-kva.de"),
    ("info@bücher.de", "xn--bcher-kva.de"),
    ("例え.jp", "xn--r8jz45g.jp"),
    ("www.münchen.de", "xn--mnchen-3ya.de"),
    ("alice.github.io", "alice.github.io"),
    ("bob.github.io", "bob.github.io"),
    ("https://docs.alice.github.io/x", "alice.github.io"),
    ("shop.myshopify.com", "shop.myshopify.com"),
    ("a.b.c.blogspot.com", "c.blogspot.com"),
    ("foo.bar.unlistedtld", "bar.unlistedtld"),
    ("acme.internal", "acme.internal"),
    ("www.example.com.au", "example.com.au"),
    ("city.kawasaki.jp", "city.kawasaki.jp"),  # an exception rule of the list
    ("www.example.pvt.k12.ma.us", "example.pvt.k12.ma.us"),
    ("co.uk", None),  # a public suffix is nobody's domain
    ("github.io", None),
    ("localhost", None),
    ("192.168.1.10", None),
    ("http://[2001:db8::1]/", None),
    ("", None),
    ("   ", None),
    (None, None),
    ("http://", None),
    ("not a domain.com", None),
    ("exa_mple.com", None),
    ("-example.com", None),
    ("xn--zz-.de", None),
    ("a" * 64 + ".com", None),
    ("example..com", None),
    ("ex\x00ample.com", None),
    ("https://example.com\r\nX-Injected: 1", None),
    ("x" * 5000, None),
]


@pytest.mark.parametrize(("text", "expected"), DOMAINS)
def test_registrable_domain(text, expected):
    assert registrable_domain(text) == expected


def test_the_table_is_big_enough():
    assert len(DOMAINS) >= 40


def test_idn_is_shown_in_unicode():
    assert display_domain("xn--bcher-kva.de") == "bücher.de"
    assert display_domain("example.com") == "example.com"


COMPANIES = [
    ("ACME Ltd", "acme"),
    ("Acme Limited", "acme"),
    ("acme, inc.", "acme"),
    ("ACME Inc", "acme"),
    ("Acmé GmbH", "acme"),
    ("ACME S.A.", "acme"),
    ("Acme B.V.", "acme"),
    ("Acme Pty Ltd", "acme"),
    ("Acme Pty. Ltd.", "acme"),
    ("The Acme Company", "acme"),
    ("Acme GmbH & Co. KG", "acme"),
    ("Acme LLC", "acme"),
    ("Acme plc", "acme"),
    ("  Acme   Ltd  ", "acme"),
    ("Müller & Söhne GmbH", "muller and sohne"),
    ("Ltd", "ltd"),  # a name that is only a legal form keeps it
    ("Société Générale S.A.", "societe generale"),
]


@pytest.mark.parametrize(("name", "expected"), COMPANIES)
def test_company_names_fold_to_one_form(name, expected):
    assert normalise_company(name) == expected


def test_identity_is_the_domain_else_the_name_and_country():
    assert identity_key(domain="example.com", company="Whatever", country="GB") == "d:example.com"
    assert identity_key(domain=None, company="ACME Ltd", country="gb") == "n:acme|GB"
    assert identity_key(domain=None, company="Acme Limited", country="GB") == identity_key(
        domain=None, company="acme", country="GB")
    assert identity_key(domain=None, company="Acme", country="DE") != identity_key(domain=None, company="Acme", country="GB")
    assert identity_key(domain=None, company="  ", country="GB") is None


def test_no_network_and_no_cache_written(tmp_path, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert registrable_domain("www.brand-new-example.co.uk") == "brand-new-example.co.uk"
