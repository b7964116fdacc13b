"""The prospect-identity rules at their edges: what still counts as one prospect, and what is refused.

Each example pins a rule that the table in test_identity.py left open (found by mutation testing,
see bench/README.md "Leads and surveys").
"""

from __future__ import annotations

import socket

import pytest
import tldextract.cache

from lms.leads import identity
from lms.leads.identity import display_domain, identity_key, normalise_company, registrable_domain

HOST_253 = "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 57 + ".com"


@pytest.mark.parametrize(("text", "expected"), [
    # A path that holds "@" is still a link, not a mail address.
    ("example.com/people/@jane", "example.com"),
    ("www.example.com/contact@sales", "example.com"),
    # A mail address is cut at its LAST "@": a quoted local part may hold one.
    ('"jane@home"@example.com', "example.com"),
    # "#" and "?" are legal in a mail address's local part; they do not start a URL fragment or query.
    ("team#uk@example.co.uk", "example.co.uk"),
    ("orders?eu@example.de", "example.de"),
    # An address's domain is case-folded whatever letters it ends with (no stray letter is trimmed).
    ("Billing@ACME.TAX", "acme.tax"),
    ("SALES@EXAMPLE.CO.UK.", "example.co.uk"),
    # Turkish dotless ı is its own letter: kırmızı.com.tr and kirmizi.com.tr are two prospects.
    ("kırmızı.com.tr", "xn--krmz-lzacb.com.tr"),
    ("KIRMIZI.com.tr", "kirmizi.com.tr"),
    # Punycode that does not decode is not a domain, even though its characters look fine.
    ("xn--zzzz.de", None),
    ("www.xn--zzzz.de", None),
    # A NUL byte anywhere refuses the whole text, in the path as much as in the host.
    ("example.com/\x00", None),
    ("https://example.com/\x00", None),
])
def test_edges_of_the_domain_rule(text, expected):
    assert registrable_domain(text) == expected


def test_a_host_name_may_be_253_characters_and_no_more():
    assert len(HOST_253) == 253
    assert registrable_domain(HOST_253) == "d" * 57 + ".com"
    host_254 = HOST_253.replace(".com", "d.com")  # the last label one longer, still under 63
    assert len(host_254) == 254
    assert registrable_domain(host_254) is None


def test_the_text_may_be_2048_characters_and_no_more():
    link = "https://example.com/"
    assert registrable_domain(link + "a" * (2048 - len(link))) == "example.com"
    assert registrable_domain(link + "a" * (2049 - len(link))) is None


def test_a_fresh_extractor_uses_the_bundled_list_with_private_suffixes_no_network_no_cache(monkeypatch):
    """Built on first use (as in a new worker): offline, cache-less, and github.io users are separate prospects."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(tldextract.cache.DiskCache, "get", refuse)
    monkeypatch.setattr(tldextract.cache.DiskCache, "set", refuse)
    monkeypatch.setattr(identity, "_extractor", None)

    assert registrable_domain("https://docs.alice.github.io/x") == "alice.github.io"
    assert registrable_domain("bob.github.io") == "bob.github.io"
    assert registrable_domain("www.example.co.uk") == "example.co.uk"
    assert attempts == []
    first = identity._extractor
    registrable_domain("example.com")
    assert identity._extractor is first  # built once, then reused


def test_domains_are_shown_with_every_idn_label_in_unicode():
    assert display_domain("example.xn--p1ai") == "example.рф"
    assert display_domain("xn--krmz-lzacb.com.tr") == "kırmızı.com.tr"
    assert display_domain(None) == ""
    assert display_domain("") == ""


@pytest.mark.parametrize(("name", "expected"), [
    ("Acme_Widgets Ltd", "acme widgets"),  # underscores are spaces
    ("ACME__WIDGETS", "acme widgets"),  # and runs of them are one space
    ("Acme - Widgets", "acme widgets"),
    ("", ""),
    (None, ""),
])
def test_company_name_separators_fold_to_one_space(name, expected):
    assert normalise_company(name) == expected


def test_the_stored_identity_key_has_one_fixed_form():
    # The key is stored on the prospect's row: its form must not drift, or old and new claims would not meet.
    assert identity_key(domain=None, company="Acme Ltd", country=None) == "n:acme|"
    assert identity_key(domain=None, company="Acme Ltd", country="") == "n:acme|"
    assert identity_key(domain=None, company="Acme Ltd", country=None) != identity_key(
        domain=None, company="Acme Ltd", country="GB")
    assert identity_key(domain=None, company="", country="GB") is None
    assert identity_key(domain=None, company=None, country="GB") is None
    assert identity_key(domain="", company="Acme", country="GB") == "n:acme|GB"
