"""Raw text as a person is shown it: control and direction characters made visible, long values cut.

A raw file is typed by hand or pasted from the web, so any of its cells (or a header name) may
hold an escape sequence that rewrites the line a reviewer reads in a terminal, or a bidirectional
override that makes `moc.elpmaxe` read as `example.com`. Wherever raw text reaches a report (the
build's output, an error, an issue's value) it goes through `visible`, which writes each such
character as its Python escape (`\\x1b`, `\\u202e`); wherever a value may be as long as a file,
through `preview`.
"""

from __future__ import annotations

import re

# Every character of Unicode's categories Cc (C0 and C1 controls, DEL), Cf (format characters:
# bidirectional marks, embeddings, overrides and isolates, zero-width characters, the byte-order
# mark, tag characters), Zl and Zp (line and paragraph separators), as of Unicode 15.1.
# tests/unit/test_input_limits.py checks this class against unicodedata.
_CONTROLS = r"\x00-\x1f"
_CONTROLS_BUT_NEWLINE = r"\x00-\x09\x0b-\x1f"
_OTHER_INVISIBLE = (
    r"\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    r"\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    r"\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    r"\U000e0001\U000e0020-\U000e007f"
)
# as the inside of a regular expression's character class, for rules that refuse them
INVISIBLE_CHARACTERS = _CONTROLS + _OTHER_INVISIBLE
INVISIBLE = re.compile(f"[{INVISIBLE_CHARACTERS}]")
INVISIBLE_BUT_NEWLINE = re.compile(f"[{_CONTROLS_BUT_NEWLINE}{_OTHER_INVISIBLE}]")

# how much of a value a message shows
PREVIEW_CHARS = 200


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def visible(text: str, lines: bool = False) -> str:
    """`text` with every invisible character written as its escape; `lines` keeps line breaks
    (a report of several lines), escaping every other one."""
    return (INVISIBLE_BUT_NEWLINE if lines else INVISIBLE).sub(_escape, text)


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """`text` as a message quotes it: its first `limit` characters, and how long it is when longer."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"
