"""A small YAML reader for request bodies (the standard library has none).

Server-side apply bodies are ``application/apply-patch+yaml``; kubectl sends
JSON there (JSON is YAML), but other clients may send real YAML.  This reader
covers what Kubernetes manifests use:

* block mappings and sequences (including ``- key: v`` compact items),
* plain, 'single' and "double" quoted scalars, multi-line plain scalars,
* literal ``|`` and folded ``>`` block scalars with chomping indicators,
* flow collections ``[a, b]`` and ``{a: 1}`` (may span lines),
* comments, a leading ``---`` and a trailing ``...``.

Scalars resolve like sigs.k8s.io/yaml (YAML 1.1 core types): null/~, booleans
(true/false/yes/no/on/off), ints, floats.  Anchors, aliases, tags, complex
keys and multiple documents are rejected with YAMLError.
"""

import re


class YAMLError(ValueError):
    pass


_BOOL_TRUE = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}
_BOOL_FALSE = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"}
_NULL = {"", "~", "null", "Null", "NULL"}
_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")


def resolve_plain(s):
    if s in _NULL:
        return None
    if s in _BOOL_TRUE:
        return True
    if s in _BOOL_FALSE:
        return False
    if _INT.match(s):
        return int(s.replace("_", ""))
    if _HEX.match(s):
        return int(s, 16)
    if _FLOAT.match(s):
        return float(s.replace("_", ""))
    if s in (".inf", ".Inf", ".INF", "+.inf"):
        return float("inf")
    if s in ("-.inf", "-.Inf", "-.INF"):
        return float("-inf")
    if s in (".nan", ".NaN", ".NAN"):
        return float("nan")
    return s


def _strip_comment(s):
    """Remove a trailing comment outside quotes (a # preceded by whitespace)."""
    q = None
    i = 0
    while i < len(s):
        c = s[i]
        if q:
            if q == '"' and c == "\\":
                i += 2
                continue
            if c == q:
                if q == "'" and i + 1 < len(s) and s[i + 1] == "'":
                    i += 2
                    continue
                q = None
        elif c in "\"'" and (i == 0 or s[i - 1] in " \t[{,:-"):
            q = c
        elif c == "#" and (i == 0 or s[i - 1] in " \t"):
            return s[:i].rstrip()
        i += 1
    return s.rstrip()


def _find_colon(s):
    """Index of the mapping-key colon (':' followed by space/EOL) outside quotes/brackets, or -1."""
    q = None
    depth = 0
    i = 0
    while i < len(s):
        c = s[i]
        if q:
            if q == '"' and c == "\\":
                i += 2
                continue
            if c == q:
                q = None
        elif c in "\"'" and i == 0:
            q = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == ":" and depth == 0 and (i + 1 == len(s) or s[i + 1] in " \t"):
            return i
        i += 1
    return -1


def _unquote_double(s):
    out, i = [], 0
    esc = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "\\": "\\", "/": "/", " ": " ", "b": "\b",
           "f": "\f", "e": "\x1b", "a": "\x07", "v": "\x0b"}
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n in esc:
                out.append(esc[n])
                i += 2
            elif n in "xuU":
                width = {"x": 2, "u": 4, "U": 8}[n]
                out.append(chr(int(s[i + 2:i + 2 + width], 16)))
                i += 2 + width
            else:
                raise YAMLError("invalid escape \\%s" % n)
        else:
            out.append(c)
            i += 1
    return "".join(out)


class _Flow:
    """Parser for flow collections / quoted scalars within one string."""

    def __init__(self, s):
        self.s, self.i = s, 0

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\n\r":
            self.i += 1

    def value(self, in_map=False):
        self.ws()
        if self.i >= len(self.s):
            raise YAMLError("unexpected end of flow collection")
        c = self.s[self.i]
        if c == "[":
            self.i += 1
            out = []
            while True:
                self.ws()
                if self.s[self.i:self.i + 1] == "]":
                    self.i += 1
                    return out
                out.append(self.value())
                self.ws()
                if self.s[self.i:self.i + 1] == ",":
                    self.i += 1
                elif self.s[self.i:self.i + 1] != "]":
                    raise YAMLError("expected ',' or ']' in flow sequence")
        if c == "{":
            self.i += 1
            out = {}
            while True:
                self.ws()
                if self.s[self.i:self.i + 1] == "}":
                    self.i += 1
                    return out
                k = self.value(in_map=True)
                self.ws()
                if self.s[self.i:self.i + 1] != ":":
                    raise YAMLError("expected ':' in flow mapping")
                self.i += 1
                self.ws()
                if self.s[self.i:self.i + 1] in (",", "}"):
                    v = None
                else:
                    v = self.value()
                if not isinstance(k, (str, int, float, bool)) and k is not None:
                    raise YAMLError("complex mapping keys are not supported")
                out[k if isinstance(k, str) else _key_str(k)] = v
                self.ws()
                if self.s[self.i:self.i + 1] == ",":
                    self.i += 1
                elif self.s[self.i:self.i + 1] != "}":
                    raise YAMLError("expected ',' or '}' in flow mapping")
        if c == '"':
            j = self.i + 1
            while j < len(self.s) and self.s[j] != '"':
                j += 2 if self.s[j] == "\\" else 1
            if j >= len(self.s):
                raise YAMLError("unterminated double-quoted string")
            raw = self.s[self.i + 1:j]
            self.i = j + 1
            return _unquote_double(re.sub(r"[ \t]*\n[ \t]*", " ", raw))
        if c == "'":
            j = self.i + 1
            while True:
                j = self.s.find("'", j)
                if j < 0:
                    raise YAMLError("unterminated single-quoted string")
                if self.s[j + 1:j + 2] == "'":
                    j += 2
                    continue
                break
            raw = self.s[self.i + 1:j]
            self.i = j + 1
            return re.sub(r"[ \t]*\n[ \t]*", " ", raw).replace("''", "'")
        if c in "&*!|>":
            raise YAMLError("anchors, aliases, tags and block scalars are not supported here")
        j = self.i
        while j < len(self.s):
            ch = self.s[j]
            if ch in ",]}":
                break
            if ch == ":" and (j + 1 == len(self.s) or self.s[j + 1] in " \t\n" or in_map):
                break
            j += 1
        tok = self.s[self.i:j].strip()
        self.i = j
        return resolve_plain(tok)


def _key_str(k):
    if k is None:
        return "null"
    if isinstance(k, bool):
        return "true" if k else "false"
    return str(k)


class _Parser:
    def __init__(self, text):
        self.lines = []   # [indent, text-without-comment, raw]
        for raw in text.replace("\r\n", "\n").split("\n"):
            if "\t" in raw[:len(raw) - len(raw.lstrip())]:
                raise YAMLError("tabs are not allowed for indentation")
            body = raw.lstrip(" ")
            self.lines.append([len(raw) - len(body), _strip_comment(body), raw])
        self.pos = 0

    def skip_blank(self):
        while self.pos < len(self.lines) and not self.lines[self.pos][1]:
            self.pos += 1

    def peek(self):
        self.skip_blank()
        return self.lines[self.pos] if self.pos < len(self.lines) else None

    def document(self):
        ln = self.peek()
        if ln is not None and ln[0] == 0 and ln[1].startswith("---"):
            rest = ln[1][3:].strip()
            if rest:
                ln[1], ln[0] = rest, 4
            else:
                self.pos += 1
        ln = self.peek()
        if ln is None:
            return None
        val = self.node(ln[0])
        ln = self.peek()
        if ln is not None:
            if ln[1] == "..." and ln[0] == 0:
                self.pos += 1
                if self.peek() is None:
                    return val
            if ln[1].startswith("---"):
                raise YAMLError("multiple YAML documents are not supported in one request")
            raise YAMLError("unexpected content at line %d: %r" % (self.pos + 1, ln[2].strip()))
        return val

    def node(self, indent):
        ln = self.peek()
        if ln is None:
            return None
        text = ln[1]
        if text.startswith(("&", "*", "!")):
            raise YAMLError("anchors, aliases and tags are not supported (line %d)" % (self.pos + 1))
        if text == "-" or text.startswith("- "):
            return self.sequence(ln[0])
        if text.startswith("? "):
            raise YAMLError("complex mapping keys are not supported")
        if _find_colon(text) >= 0 and not text.startswith(("[", "{")):
            return self.mapping(ln[0])
        self.pos += 1
        return self.inline(text, ln[0])

    def sequence(self, indent):
        out = []
        while True:
            ln = self.peek()
            if ln is None or ln[0] != indent or not (ln[1] == "-" or ln[1].startswith("- ")):
                return out
            rest = ln[1][1:].lstrip(" ")
            if not rest:
                self.pos += 1
                nxt = self.peek()
                out.append(self.node(nxt[0]) if nxt is not None and nxt[0] > indent else None)
            else:
                # "- key: v" / "- - x": re-read the rest of the line as a node
                # starting at its own column.
                ln[0] = indent + (len(ln[1]) - len(rest))
                ln[1] = rest
                out.append(self.node(ln[0]))

    def mapping(self, indent):
        out = {}
        while True:
            ln = self.peek()
            if ln is None or ln[0] != indent or ln[1] == "-" or ln[1].startswith("- "):
                return out
            text = ln[1]
            c = _find_colon(text)
            if c < 0:
                raise YAMLError("expected a mapping key at line %d: %r" % (self.pos + 1, ln[2].strip()))
            key_s = text[:c].strip()
            if key_s.startswith(("&", "*", "!")):
                raise YAMLError("anchors, aliases and tags are not supported (line %d)" % (self.pos + 1))
            key = _Flow(key_s).value(in_map=True) if key_s[:1] in "\"'" else key_s
            key = key if isinstance(key, str) else _key_str(key)
            if key == "<<":
                raise YAMLError("merge keys are not supported")
            if key in out:
                raise YAMLError('duplicate mapping key "%s" at line %d' % (key, self.pos + 1))
            rest = text[c + 1:].strip()
            self.pos += 1
            if not rest:
                nxt = self.peek()
                if nxt is not None and (nxt[0] > indent or
                                        (nxt[0] == indent and (nxt[1] == "-" or nxt[1].startswith("- ")))):
                    out[key] = self.node(nxt[0])
                else:
                    out[key] = None
            elif rest[0] in "|>":
                out[key] = self.block_scalar(rest, indent)
            else:
                out[key] = self.inline(rest, indent)

    def inline(self, text, indent):
        """A scalar or flow collection that starts on the current line and may
        continue on more-indented lines."""
        if text[0] in "&*!":
            raise YAMLError("anchors, aliases and tags are not supported (line %d)" % self.pos)
        if text[0] in "[{\"'":
            buf = text
            while True:
                f = _Flow(buf)
                try:
                    v = f.value()
                    f.ws()
                    if f.i != len(buf):
                        raise YAMLError("unexpected text after value: %r" % buf[f.i:])
                    return v
                except (YAMLError, IndexError) as e:
                    if self.pos >= len(self.lines) or "unexpected text" in str(e):
                        raise YAMLError(str(e))
                    nxt = self.lines[self.pos]
                    buf += "\n" + (nxt[1] if text[0] in "[{" else nxt[2].strip())
                    self.pos += 1
        parts = [text]
        while True:
            ln = self.peek()
            if ln is None or ln[0] <= indent or _find_colon(ln[1]) >= 0 or ln[1].startswith("- "):
                break
            parts.append(ln[1])
            self.pos += 1
        return resolve_plain(" ".join(p.strip() for p in parts))

    def block_scalar(self, header, indent):
        m = re.match(r"^([|>])([-+]?)([1-9]?)([-+]?)\s*$", header)
        if not m:
            raise YAMLError("invalid block scalar header %r" % header)
        style, chomp, explicit = m.group(1), (m.group(2) or m.group(4)), m.group(3)
        raw = []
        while self.pos < len(self.lines):
            ind, _, r = self.lines[self.pos]
            if r.strip() and ind <= indent:
                break
            raw.append(r)
            self.pos += 1
        while raw and not raw[-1].strip():
            raw.pop()
            trailing = True
        content_ind = indent + int(explicit) if explicit else \
            min((len(r) - len(r.lstrip(" ")) for r in raw if r.strip()), default=indent + 1)
        lines = [r[content_ind:] if len(r) >= content_ind else "" for r in raw]
        if style == "|":
            text = "\n".join(lines)
        else:
            text, prev_blank = "", True
            for ln in lines:
                if not ln:
                    text += "\n"
                    prev_blank = True
                elif ln[0] == " ":
                    text += ("\n" if text and not text.endswith("\n") else "") + ln + "\n"
                    prev_blank = True
                else:
                    text += ("" if prev_blank else " ") + ln
                    prev_blank = False
            text = text.rstrip("\n") if not text.endswith("\n\n") else text
        if chomp == "-":
            return text.rstrip("\n")
        if chomp == "+":
            return text + "\n"
        return text.rstrip("\n") + "\n" if text else ""


def loads(text):
    """Parse one YAML document into Python values (dict/list/str/int/float/bool/None)."""
    return _Parser(text).document()
