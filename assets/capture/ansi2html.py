#!/usr/bin/env python3
"""Turns a `tmux capture-pane -p -e` capture (text with SGR colour codes) into a standalone HTML
page that looks like the terminal, for a headless-browser screenshot. Standard library only."""
import html
import re
import sys

COLS = int(sys.argv[1]) if len(sys.argv) > 1 else 120
FG, BG = "#d8dee9", "#1e222a"
# The 16 ANSI colours (a dark theme close to common terminal defaults).
BASE16 = ["#2e3440", "#e06c75", "#98c379", "#e5c07b", "#61afef", "#c678dd", "#56b6c2", "#d8dee9",
          "#5c6370", "#ff7b86", "#b5e890", "#ffd68a", "#82c4ff", "#e099ff", "#7fd8e3", "#ffffff"]


def xterm256(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return "#%02x%02x%02x" % (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return "#%02x%02x%02x" % (v, v, v)


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = self.bg = None
        self.bold = self.dim = self.italic = self.underline = self.reverse = False

    def apply(self, codes):
        i = 0
        while i < len(codes):
            c = codes[i]
            if c == 0:
                self.reset()
            elif c == 1:
                self.bold = True
            elif c == 2:
                self.dim = True
            elif c == 3:
                self.italic = True
            elif c == 4:
                self.underline = True
            elif c == 7:
                self.reverse = True
            elif c == 22:
                self.bold = self.dim = False
            elif c == 23:
                self.italic = False
            elif c == 24:
                self.underline = False
            elif c == 27:
                self.reverse = False
            elif 30 <= c <= 37:
                self.fg = BASE16[c - 30]
            elif 90 <= c <= 97:
                self.fg = BASE16[c - 90 + 8]
            elif c == 39:
                self.fg = None
            elif 40 <= c <= 47:
                self.bg = BASE16[c - 40]
            elif 100 <= c <= 107:
                self.bg = BASE16[c - 100 + 8]
            elif c == 49:
                self.bg = None
            elif c in (38, 48) and i + 1 < len(codes):
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    colour = xterm256(codes[i + 2])
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    colour = "#%02x%02x%02x" % tuple(codes[i + 2:i + 5])
                    i += 4
                else:
                    colour = None
                if c == 38:
                    self.fg = colour
                else:
                    self.bg = colour
            i += 1

    def css(self):
        fg, bg = self.fg or FG, self.bg
        if self.reverse:
            fg, bg = (bg or BG), fg
        out = ["color:" + fg]
        if bg:
            out.append("background:" + bg)
        if self.bold:
            out.append("font-weight:bold")
        if self.dim:
            out.append("opacity:.6")
        if self.italic:
            out.append("font-style:italic")
        if self.underline:
            out.append("text-decoration:underline")
        return ";".join(out)


SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def render(text):
    style = Style()
    lines = []
    for raw in text.rstrip("\n").split("\n"):
        out, width, pos = [], 0, 0
        for m in list(SGR.finditer(raw)) + [None]:
            chunk = raw[pos:m.start()] if m else raw[pos:]
            chunk = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", chunk)
            if chunk:
                out.append('<span style="%s">%s</span>' % (style.css(), html.escape(chunk)))
                width += len(chunk)
            if m:
                codes = [int(x) if x else 0 for x in re.split("[;:]", m.group(1))] or [0]
                style.apply(codes)
                pos = m.end()
        if width < COLS:
            out.append(" " * (COLS - width))
        lines.append("".join(out))
    return "\n".join(lines)


def main():
    body = render(sys.stdin.read())
    sys.stdout.write(
        "<!doctype html><meta charset=utf-8><style>"
        "html,body{margin:0;background:%s}"
        "pre{margin:0;padding:12px 14px;font:14px/16px 'DejaVu Sans Mono',monospace;color:%s;"
        "white-space:pre}</style><pre>%s</pre>\n" % (BG, FG, body))


main()
