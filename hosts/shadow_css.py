"""A widget's ``_css`` for a host that puts it in a shadow root (marimo's front end does).

``_css`` is written for a document: JupyterLab applies it there. In a shadow root ``:root`` matches nothing, so a
widget's CSS variables on ``:root`` (a common pattern: drawdata, Tailwind widgets) are lost; ``:host`` is the
shadow root's ``:root``. This is the same rewrite ``runtime.js`` (``rootToHost``) does on the hosts that run it,
here for front ends this project does not write; the two are checked against each other on the same inputs.
"""

from __future__ import annotations

import re

_ROOT = re.compile(r":root(?![\w-])", re.IGNORECASE)


def root_to_host(css: str) -> str:
    """``:root`` in selector positions becomes ``:host``; comments, strings, escapes and declarations (what ends
    at ``;`` or ``}``) are left as they are, as is anything inside parentheses (``url(...)``)."""
    candidates = [m.start() for m in _ROOT.finditer(css)]
    if not candidates:
        return css
    rewrite: list[int] = []  # where the `:root`s to replace start
    in_part: list[int] = []  # candidates in plain code of the current prelude or declaration
    nxt = depth = i = 0
    n = len(css)
    while i < n:
        c = css[i]
        end = i + 1
        if c == "/" and css.startswith("*", i + 1):
            close = css.find("*/", i + 2)  # a comment
            end = n if close < 0 else close + 2
        elif c in "\"'":
            while end < n and css[end] != c and css[end] != "\n":
                end += 2 if css[end] == "\\" else 1  # a string, with its escapes
            end = min(end + 1, n)
        elif c == "\\":
            end = min(i + 2, n)  # an escape: `.a\:root` is a class name, not the pseudo-class
        elif c in "()":
            depth = max(0, depth + (1 if c == "(" else -1))
        elif depth == 0 and c in "{};":
            if c == "{":  # what came before was a selector
                rewrite.extend(in_part)
            in_part = []
        elif c == ":" and nxt < len(candidates) and candidates[nxt] == i:
            in_part.append(i)
        while nxt < len(candidates) and candidates[nxt] < end:  # skipped ones were in a comment or string
            nxt += 1
        i = end
    if not rewrite:
        return css
    out: list[str] = []
    start = 0
    for at in rewrite:
        out.append(css[start:at] + ":host")
        start = at + len(":root")
    out.append(css[start:])
    return "".join(out)
