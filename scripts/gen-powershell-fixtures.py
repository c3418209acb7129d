#!/usr/bin/env python3
"""Writes testdata/powershell/: the plan files PowerShell 5.1 and 7.x produce
from one dumpsync plan, byte for byte as POWERSHELL.md describes them (no
PowerShell runs on CI). Run once from the repository root; the output is
committed and the planread tests read it. The rows are the ones the tests'
canonicalRows describe."""
import base64, hashlib, json, os, struct

OUT = "testdata/powershell"
BOX = "/srv/sms/ABC/LOGON.SRV/Invencfg.box"
NOW = 1782900000            # the plan's "now"
CUTOFF = NOW - 90 * 86400

def rec(smsid, t, extra):
    return (smsid.encode().ljust(16, b"\0") + struct.pack("<I", t) + extra.ljust(28, b"\0")).hex()

RESYNC_SHA = hashlib.sha256(b"resync.cfg as planned").hexdigest()
FILE_SHA = hashlib.sha256(b"ABC00012.cfg as planned").hexdigest()

def iso(t):
    import datetime
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

ROWS = [
    dict(Action="RemoveEntry", Path=BOX + "/Resync.cfg", SmsId="ABC00007", RequestTime=1688371200,
         RequestedAt=iso(1688371200), AgeDays=(NOW - 1688371200) // 86400, Cutoff=CUTOFF, Offset=96,
         Record=rec("ABC00007", 1688371200, b"\x01\x02\x03\xfe"), Size=480, ModTime=1782800000,
         Sha256=RESYNC_SHA, Reason="request older than 90 days"),
    dict(Action="RemoveEntry", Path=BOX + "/Resync.cfg", SmsId="ABC00019", RequestTime=1690000000,
         RequestedAt=iso(1690000000), AgeDays=(NOW - 1690000000) // 86400, Cutoff=CUTOFF, Offset=240,
         Record=rec("ABC00019", 1690000000, b"\x10\x20"), Size=480, ModTime=1782800000,
         Sha256=RESYNC_SHA, Reason="request older than 90 days"),
    dict(Action="DeleteFile", Path=BOX + "/ABC00012.cfg", SmsId="ABC00012", RequestTime=1690000000,
         RequestedAt=iso(1690000000), AgeDays=(NOW - 1690000000) // 86400, Cutoff=CUTOFF, Offset=None,
         Record=None, Size=1234, ModTime=1689999000, Sha256=FILE_SHA,
         Reason="client's .cfg & no request since <90 days>"),
]
KEYS = list(ROWS[0].keys())

def with_dates(rows, fmt):
    out = []
    for r in rows:
        r = dict(r)
        r["RequestedAt"] = fmt(r["RequestTime"])
        out.append(r)
    return out

def ps7_json(rows, indent="  "):
    return json.dumps(rows if isinstance(rows, list) else rows, indent=2, ensure_ascii=False).replace("  ", indent) + "\n"

def ps51_value(v):
    s = json.dumps(v, ensure_ascii=True)
    for a, b in (("'", "\\u0027"), ("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        s = s.replace(a, b)
    return s

def ps51_obj(r, ind):
    lines = [ind + "{"]
    items = list(r.items())
    for i, (k, v) in enumerate(items):
        lines.append(ind + "    " + json.dumps(k) + ":  " + ps51_value(v) + ("," if i < len(items) - 1 else ""))
    lines.append(ind + "}")
    return lines

def ps51_array(rows):
    lines = ["["]
    for i, r in enumerate(rows):
        o = ps51_obj(r, "    ")
        if i < len(rows) - 1:
            o[-1] += ","
        lines += o
    lines.append("]")
    return "\r\n".join(lines) + "\r\n"

def compress(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)

msdate = lambda t: "\\/Date(%d000)\\/" % t   # the JSON text 5.1 writes
d51 = with_dates(ROWS, lambda t: "/Date(%d000)/" % t)  # value whose JSON escaping we do by hand

def ps51_dates(text):
    # json.dumps writes "/Date(..)/" as is; 5.1 writes "\/Date(..)\/".
    return text.replace('"/Date(', '"\\/Date(').replace(')/"', ')\\/"')

def write(name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)

# JSON
def cest(t):
    # 7.x ConvertFrom-Json made a local DateTime of the UTC string; ConvertTo-Json writes it with the offset.
    import datetime
    return datetime.datetime.fromtimestamp(t + 7200, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + "+02:00"
ps7rows = with_dates(ROWS, cest)
write("ps7-array.json", ps7_json(ps7rows))
write("ps51-array.json", ps51_dates(ps51_array(d51)))
write("ps51-single-object.json", ps51_dates("\r\n".join(ps51_obj(d51[0], "")) + "\r\n"))
wrapper = "{\r\n    \"value\":  " + ps51_dates(ps51_array(d51)).strip().replace("\r\n", "\r\n              ") + ",\r\n    \"Count\":  3\r\n}\r\n"
write("ps51-wrapper.json", wrapper)
write("ps51-wrapper-empty.json", "{\r\n    \"value\":  [\r\n\r\n              ],\r\n    \"Count\":  0\r\n}\r\n")
write("ps7-jsonl-blank-lines.jsonl", "\n" + compress(ROWS[0]) + "\n\n" + compress(ROWS[1]) + "\r\n\r\n\n" + compress(ROWS[2]) + "\n\n")
write("ps7-compress.json", compress(ROWS))
write("ps51-outfile-utf16le.json", b"\xff\xfe" + ps51_dates(ps51_array(d51)).encode("utf-16-le"))
write("ps7-utf16be.json", b"\xfe\xff" + ps7_json(ROWS).encode("utf-16-be"))
write("ps51-setcontent-utf8bom.json", b"\xef\xbb\xbf" + ps51_dates(ps51_array(d51)).encode())
write("ps51-pipe-ascii-crlf.json", ps7_json(ROWS).replace("\n", "\r\n"))
write("empty.json", b"")
write("bom-only.json", b"\xef\xbb\xbf")
write("utf16le-bom-only.json", b"\xff\xfe")
write("whitespace-only.json", " \r\n\r\n\t \n")
write("empty-array.json", "[]")
strrows = [{k: ("" if v is None else str(v)) for k, v in r.items()} for r in ROWS]
write("ps7-strings-from-import-csv.json", ps7_json(strrows))
# A user rebuilt the rows as hashtables: lower-case keys in hash order, a
# number where a string was, an extra property.
ht = []
for r in ROWS:
    h = {"note": "checked by hand", "path": r["Path"], "smsid": r["SmsId"], "ACTION": r["Action"].lower(),
         "sha256": r["Sha256"].upper(), "size": r["Size"], "cutoff": r["Cutoff"], "record": r["Record"] and r["Record"].upper(),
         "offset": r["Offset"], "requesttime": r["RequestTime"], "requestedat": r["RequestTime"], "agedays": str(r["AgeDays"]),
         "modtime": r["ModTime"], "reason": r["Reason"]}
    ht.append(h)
write("ps51-hashtable-lowercase.json", ps51_array(ht))

# Non-ASCII text survives UTF-16 (a surrogate pair included).
nonascii = dict(ROWS[2]); nonascii["Reason"] = "Ünïcödé réason 😀"
write("ps51-outfile-utf16le-nonascii.json", b"\xff\xfe" + ps7_json(nonascii).replace("\n", "\r\n").encode("utf-16-le"))

# Undo files: dumpsync's own, one complete row per line.
AFTER_SHA = hashlib.sha256(b"resync.cfg after apply").hexdigest()
content = b"[ABC00012]\r\nInventory=1\r\n".ljust(1234, b"#")
UNDO = [
    dict(Action="RestoreEntry", Path=ROWS[0]["Path"], SmsId="ABC00007", RequestTime=ROWS[0]["RequestTime"], RequestedAt=ROWS[0]["RequestedAt"], AgeDays=ROWS[0]["AgeDays"],
         Cutoff=CUTOFF, Offset=96, Record=ROWS[0]["Record"], Size=384, ModTime=1782900100, Sha256=AFTER_SHA, Reason="undo of row 1", Content=None),
    dict(Action="RestoreEntry", Path=ROWS[1]["Path"], SmsId="ABC00019", RequestTime=ROWS[1]["RequestTime"], RequestedAt=ROWS[1]["RequestedAt"], AgeDays=ROWS[1]["AgeDays"],
         Cutoff=CUTOFF, Offset=240, Record=ROWS[1]["Record"], Size=384, ModTime=1782900100, Sha256=AFTER_SHA, Reason="undo of row 2", Content=None),
    dict(Action="RestoreFile", Path=ROWS[2]["Path"], SmsId="ABC00012", RequestTime=ROWS[2]["RequestTime"], RequestedAt=ROWS[2]["RequestedAt"], AgeDays=ROWS[2]["AgeDays"],
         Cutoff=CUTOFF, Offset=None, Record=None, Size=len(content), ModTime=1689999000, Sha256=hashlib.sha256(content).hexdigest(),
         Reason="undo of row 3", Content=base64.b64encode(content).decode()),
]
undo_lines = [compress(r) for r in UNDO]
write("undo.json", "[\n" + ",\n".join(undo_lines) + "\n]\n")
write("undo-truncated-mid-row.json", "[\n" + ",\n".join(undo_lines[:2]) + ",\n" + undo_lines[2][:150])
write("undo-truncated-after-comma.json", "[\n" + ",\n".join(undo_lines[:2]) + ",\n")
write("undo-truncated-after-row.json", "[\n" + undo_lines[0])
write("undo-truncated-open-only.json", "[\n")

# CSV
def csv_field(v, quote=True, delim=","):
    s = "" if v is None else str(v)
    if quote or any(c in s for c in (delim, '"', "\n", "\r")):
        return '"' + s.replace('"', '""') + '"'
    return s

def csv(rows, keys=KEYS, delim=",", quote=True, nl="\r\n", typeline=None, header=None):
    lines = []
    if typeline:
        lines.append(typeline)
    lines.append(delim.join(csv_field(k, quote, delim) for k in (header or keys)))
    for r in rows:
        lines.append(delim.join(csv_field(r.get(k), quote, delim) for k in keys))
    return nl.join(lines) + nl

write("ps51-export.csv", csv(ROWS, typeline="#TYPE System.Management.Automation.PSCustomObject"))
write("ps7-export.csv", csv(ROWS, nl="\n"))
import datetime
de = lambda t: datetime.datetime.fromtimestamp(t + 7200, datetime.timezone.utc).strftime("%d.%m.%Y %H:%M:%S")
write("ps7-de-DE-useculture.csv", csv(with_dates(ROWS, de), delim=";"))
us = lambda t: datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%-m/%-d/%Y %-I:%M:%S %p")
asneeded = [dict(r) for r in with_dates(ROWS, us)]
asneeded[1]["Reason"] = 'request older than 90 days, "stale"'
write("ps7-quotes-asneeded.csv", csv(asneeded, quote=False, nl="\n"))
extra = [dict(r, Note="ok'd by " + ("Ana" if i else "Bo")) for i, r in enumerate(ROWS)]
write("ps51-where-extra-column.csv", csv(extra, keys=KEYS + ["Note"], typeline="#TYPE Selected.System.Management.Automation.PSCustomObject"))
write("lowercase-header.csv", csv(ROWS, header=[k.lower() for k in KEYS]))
write("ps51-export-utf8bom.csv", b"\xef\xbb\xbf" + csv(ROWS, typeline="#TYPE System.Management.Automation.PSCustomObject").encode())
write("ps51-export-header-only.csv", csv([], typeline="#TYPE System.Management.Automation.PSCustomObject"))
