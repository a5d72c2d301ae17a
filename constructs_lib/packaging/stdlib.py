"""The standard library's top-level module names for a target Python version, seen from any host Python.

`sys.stdlib_module_names` describes the host interpreter; a function runs on the Lambda runtime's Python.
The differences between the versions Lambda offers are the modules PEP 594 and PEP 632 removed and the few
that were added (https://docs.python.org/3/whatsnew/).
"""

from __future__ import annotations

import sys

# version -> top-level modules removed in it
REMOVED_IN: dict[tuple[int, int], frozenset[str]] = {
    (3, 12): frozenset({"asynchat", "asyncore", "distutils", "imp", "smtpd"}),
    (3, 13): frozenset({
        "aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "lib2to3", "mailcap", "msilib", "nis",
        "nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib",
    }),
}
# version -> top-level modules added in it
ADDED_IN: dict[tuple[int, int], frozenset[str]] = {
    (3, 11): frozenset({"tomllib"}),
    (3, 14): frozenset({"annotationlib", "compression"}),
}


def stdlib_modules(version: tuple[int, int]) -> frozenset[str]:
    """Top-level standard-library names importable on Python `version` (3.10 or newer)."""
    host = sys.version_info[:2]
    names = set(sys.stdlib_module_names)
    for changed, removed in REMOVED_IN.items():
        if host < changed <= version:
            names -= removed
        elif version < changed <= host:
            names |= removed
    for changed, added in ADDED_IN.items():
        if host < changed <= version:
            names |= added
        elif version < changed <= host:
            names -= added
    return frozenset(names)
