"""Parses CEF lines from standard input with pycef (an independent parser) and prints one JSON
object per line: {"header": {...}, "extension": {...}}.

pycef returns extension values exactly as they appear on the line, still escaped; the CEF
specification ("Implementing ArcSight CEF", Character encoding) defines the escapes \\ \= \n \r,
so the values are unescaped here by that rule and nothing else. pycef's header regex also rejects
header fields containing '\\' or '=', which the specification allows; the tests therefore keep
header fields plain when parsing with pycef and check header escaping in unit tests.
"""
import json
import sys

import pycef

HEADER = ["CEFVersion", "DeviceVendor", "DeviceProduct", "DeviceVersion", "DeviceEventClassID", "Name", "Severity"]
ALIASES = {"DeviceName", "DeviceSeverity"}


def unescape(value):
    out = []
    i = 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            n = value[i + 1]
            out.append({"n": "\n", "r": "\r"}.get(n, n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


for line in sys.stdin:
    line = line.rstrip("\n")
    if not line:
        continue
    try:
        parsed = pycef.parse(line)
    except Exception as e:  # pycef raises on headers it cannot split
        parsed = None
    if parsed is None:
        print(json.dumps({"error": "pycef could not parse", "line": line}))
        continue
    header = {k: parsed[k] for k in HEADER if k in parsed}
    extension = {k: unescape(v) for k, v in parsed.items() if k not in HEADER and k not in ALIASES}
    print(json.dumps({"header": header, "extension": extension}))
