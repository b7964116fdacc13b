"""Who a prospect is: its registrable domain, or else its normalised company name plus country.

`https://www.Example.co.uk/x`, `sales@example.co.uk` and `EXAMPLE.CO.UK.` are all `example.co.uk`.
The Public Suffix List comes from tldextract's bundled snapshot (never fetched at run time), private
suffixes included, so `alice.github.io` and `bob.github.io` are two prospects. Domains are compared
in their ASCII (punycode) form, so `bücher.de` and `xn--bcher-kva.de` are one prospect.
"""

from __future__ import annotations

import ipaddress
import re
import threading
import unicodedata
from urllib.parse import urlsplit

import tldextract

_extractor: tldextract.TLDExtract | None = None
_extractor_lock = threading.Lock()

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Legal forms dropped from a company name, written without punctuation (the name is folded first).
LEGAL_SUFFIXES = (
    "pty ltd", "pty limited", "pvt ltd", "private limited", "public limited company", "limited liability company",
    "co ltd", "company limited", "ltd", "limited", "llc", "llp", "lp", "plc", "inc", "incorporated", "corp",
    "corporation", "co", "company", "gmbh and co kg", "gmbh co kg", "and co kg", "and co", "gmbh", "mbh", "ag", "kg", "ug", "se", "sa", "sas", "sarl", "sl",
    "srl", "spa", "bv", "nv", "oy", "oyj", "ab", "as", "asa", "aps", "kk", "pte ltd", "pte", "sdn bhd", "bhd",
)
_SUFFIX_RE = re.compile(r"(?:\s+(?:" + "|".join(re.escape(s) for s in LEGAL_SUFFIXES) + r"))+$")


def _extract() -> tldextract.TLDExtract:
    """The one extractor, built on first use: bundled list only, no cache written, private suffixes count."""
    global _extractor
    if _extractor is None:
        with _extractor_lock:
            if _extractor is None:
                _extractor = tldextract.TLDExtract(
                    suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True, include_psl_private_domains=True
                )
    return _extractor


def _host_of(text: str) -> str | None:
    text = text.strip()
    if not text or any(ch.isspace() for ch in text) or "\x00" in text:
        return None
    if "://" in text:
        try:
            host = urlsplit(text).hostname
        except ValueError:
            return None
    elif "@" in text and "/" not in text:
        host = text.rsplit("@", 1)[1]  # an email address
    else:
        try:
            host = urlsplit("//" + text).hostname  # drops userinfo, port, path, query
        except ValueError:
            return None
    if not host:
        return None
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") or ":" in host:
        return None
    return host or None


def _to_ascii(host: str) -> str | None:
    labels = []
    for label in host.split("."):
        if not label:
            return None
        if label.isascii():
            labels.append(label.lower())
            continue
        try:
            labels.append(label.encode("idna").decode("ascii").lower())
        except UnicodeError:
            return None
    ascii_host = ".".join(labels)
    if len(ascii_host) > 253 or not all(_LABEL.match(label) for label in labels):
        return None
    # Punycode labels must decode: "xn--bcher-kva" is fine, "xn--zzzz-" garbage is not a domain.
    for label in labels:
        if label.startswith("xn--"):
            try:
                label.encode("ascii").decode("idna")
            except UnicodeError:
                return None
    return ascii_host


def registrable_domain(text: str | None) -> str | None:
    """The registrable domain of a URL, email address or host name, lower-case ASCII; None when there is none."""
    if text is None or len(text) > 2048:
        return None
    host = _host_of(unicodedata.normalize("NFC", text))
    if host is None:
        return None
    try:
        ipaddress.ip_address(host)
        return None  # an address names a machine, not a company
    except ValueError:
        pass
    host = _to_ascii(host)
    if host is None or "." not in host:
        return None
    parts = _extract()(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    if parts.suffix:
        return None  # the host is itself a public suffix ("co.uk", "github.io")
    # A TLD the list does not know: treat its last label as the suffix (the list's default "*" rule).
    labels = host.split(".")
    return ".".join(labels[-2:])


def display_domain(domain: str | None) -> str:
    """A stored (ASCII) domain in the form people read: `xn--bcher-kva.de` shows as `bücher.de`."""
    if not domain:
        return ""
    try:
        return ".".join(label.encode("ascii").decode("idna") if label.startswith("xn--") else label
                        for label in domain.split("."))
    except UnicodeError:
        return domain


def normalise_company(name: str | None) -> str:
    """A company name folded for comparison: case, accents, punctuation and legal forms removed."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", " and ")
    text = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", text)  # "s.a." -> "sa.", "b.v." -> "bv."
    text = re.sub(r"[^\w]+", " ", text).replace("_", " ")
    text = re.sub(r"\s+", " ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    stripped = _SUFFIX_RE.sub("", " " + text).strip()
    return stripped or text


def identity_key(*, domain: str | None, company: str | None, country: str | None) -> str | None:
    """The key two claims on one prospect share: `d:<domain>`, else `n:<name>|<country>`; None if neither."""
    if domain:
        return f"d:{domain}"
    name = normalise_company(company)
    if not name:
        return None
    return f"n:{name}|{(country or '').upper()}"
