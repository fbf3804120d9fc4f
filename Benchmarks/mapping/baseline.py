#!/usr/bin/env python3
"""Baseline for the mapping benchmark: the same mapping as bench.yaml done by a straightforward
Python script, the way a typical on-poll connector maps records (see ../../../shared/bench).

usage: baseline.py FEED_DIR [--records N] [--runs 3]

Loads the feed's pages (not timed), then times, per record: the container fields, the artifact
with its 12 CEF fields, the ISO-8601 time normalised to microseconds UTC, the severity value map,
and the artifact hash as SHA-256 of its canonical JSON (sorted keys, compact) including the raw
record, exactly what Intake hashes. Prints `baseline_rec_s=N` (median of the runs).
"""
import argparse, datetime, glob, hashlib, json, os, statistics, time

ap = argparse.ArgumentParser()
ap.add_argument("feed")
ap.add_argument("--records", type=int, default=0)
ap.add_argument("--runs", type=int, default=3)
a = ap.parse_args()

records = []
for p in sorted(glob.glob(os.path.join(a.feed, "pages", "page_*.json"))):
    with open(p, "rb") as f:
        records.extend(json.load(f)["data"])
    if a.records and len(records) >= a.records:
        break
if a.records:
    records = records[:a.records]

SEV = {"critical": "high"}

def iso_utc(s):
    t = datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

def canonical_hash(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()

def map_record(r):
    sev = SEV.get(r["severity"], r["severity"]) or "medium"
    container = {"label": "incident", "name": r["rule"]["name"], "source_data_identifier": r["rule"]["id"], "severity": sev}
    cef = {"sourceAddress": r["src"]["ip"], "sourcePort": r["src"]["port"],
           "destinationAddress": r["dst"]["ip"], "destinationPort": r["dst"]["port"],
           "sourceUserName": r["user"]["name"], "destinationHostName": r["host"]["name"],
           "fileHashSha256": r["file"]["sha256"], "requestURL": r["url"],
           "deviceAction": r["raw"]["action"], "transportProtocol": r["raw"]["proto"].upper(),
           "bytesIn": r["raw"]["bytes_in"], "bytesOut": r["raw"]["bytes_out"]}
    art = {"cef": cef, "cef_types": {}, "data": r, "description": None, "end_time": None, "kill_chain": None,
           "label": "event", "name": r["rule"]["name"], "severity": sev, "source_data_identifier": r["id"],
           "start_time": iso_utc(r["timestamp"]), "tags": [], "type": None}
    art["hash"] = canonical_hash(art)
    return container, art

rates = []
for _ in range(a.runs):
    t = time.perf_counter()
    sink = 0
    for r in records:
        c, art = map_record(r)
        sink ^= ord(art["hash"][0])
    rates.append(len(records) / (time.perf_counter() - t))
print(f"baseline_rec_s={statistics.median(rates):.0f} records={len(records)} sink={sink}")
