"""Rules for Cors (APIs and function URLs)."""

from __future__ import annotations

import re

from aws_cdk import Duration

from .. import limits as L
from . import fail, rule

ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")
HEADER = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token (RFC 9110)
CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*")


@rule("CORS", "CORS origins, methods, headers and max age",
      limit=f"origins '*' or 'scheme://host[:port]' (no path); no '*' with credentials (browsers refuse it); "
            f"methods among {', '.join(CORS_METHODS)}; max age 0..{L.CORS_MAX_AGE_MAX_S:,} s",
      source=L.CORS_URL)
def check_cors(origins: tuple[str, ...], methods: tuple[str, ...], headers: tuple[str, ...], max_age: Duration,
               credentials: bool) -> None:
    where = "Cors"
    if not origins:
        fail(where, "CORS", "allow_origins is empty", "name the origins, e.g. ['https://app.example.com'].")
    for origin in origins:
        if origin != "*" and not ORIGIN.fullmatch(origin):
            fail(where, "CORS", f"origin {origin!r} is not '*' or 'scheme://host[:port]'",
                 "write origins the way browsers send them, e.g. 'https://app.example.com' (no path, no trailing "
                 "'/', no '*.' patterns: list each origin).")
    if "*" in origins and len(origins) > 1:
        fail(where, "CORS", f"allow_origins={list(origins)!r} mixes '*' with named origins",
             "use ['*'] alone, or only named origins.")
    if "*" in origins and credentials:
        fail(where, "CORS", "allow_origins=['*'] with allow_credentials=True",
             "name the origins that may send credentials, e.g. ['https://app.example.com'].")
    for method in methods:
        if method not in CORS_METHODS and method != "ANY":
            fail(where, "CORS", f"method {method!r}", f"use methods among {', '.join(CORS_METHODS)}.")
    for header in headers:
        if not HEADER.fullmatch(header):
            fail(where, "CORS", f"header {header!r} is not a header name", "use names such as 'Content-Type'.")
    if max_age.is_unresolved() or not 0 <= max_age.to_seconds() <= L.CORS_MAX_AGE_MAX_S:
        fail(where, "CORS", f"max_age={max_age.to_seconds() if not max_age.is_unresolved() else 'a token'} s",
             f"use a max_age between 0 and {L.CORS_MAX_AGE_MAX_S:,} s, e.g. Duration.hours(1).")
