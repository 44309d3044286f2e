#!/usr/bin/env python3
"""Builds fuzz seed corpora (fuzz/seeds/<target>/) from the project's own test fixtures and,
when RSP_REFERENCE_DIR is set, from the public reference material (SGP.26 certificates and keys,
TS.48 profiles). Each seed is <selector byte> + <message>, as the targets expect."""
import glob, json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
ref = os.environ.get("RSP_REFERENCE_DIR")


def put(target, name, data):
    d = os.path.join(here, "seeds", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


for f in glob.glob(f"{root}/crates/rsp-codec/tests/fixtures/json/*.json"):
    data = open(f, "rb").read()
    for sel in range(16):
        put("json_bindings", f"{os.path.basename(f)}.{sel}", bytes([sel]) + data)

# ASN.1 fixtures: every hex string found in the asn1 fixture files, under every selector.
for f in glob.glob(f"{root}/crates/rsp-codec/tests/fixtures/asn1/*"):
    text = open(f, encoding="utf-8", errors="ignore").read()
    blobs = []
    try:
        def walk(v):
            if isinstance(v, str) and len(v) >= 4 and len(v) % 2 == 0:
                try:
                    blobs.append(bytes.fromhex(v))
                except ValueError:
                    pass
            elif isinstance(v, dict):
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
        walk(json.loads(text))
    except ValueError:
        continue
    for i, b in enumerate(blobs):
        put("asn1_es9plus", f"{os.path.basename(f)}.{i}", b)
        for sel in range(20):
            put("asn1_es10", f"{os.path.basename(f)}.{i}.{sel}", bytes([sel]) + b)

if ref:
    for f in glob.glob(f"{ref}/sgp26/**/*.der", recursive=True):
        data = open(f, "rb").read()
        for sel in range(3):
            put("x509_chain", f"{os.path.basename(f)}.{sel}", bytes([sel]) + data)
        put("crypto_inputs", os.path.basename(f) + ".spki", bytes([1]) + data)
    for f in glob.glob(f"{ref}/sgp26/**/*.pem", recursive=True):
        data = open(f, "rb").read()
        put("crypto_inputs", os.path.basename(f), bytes([4]) + data)
    for f in glob.glob(f"{ref}/ts48/*.der"):
        put("saip_package", os.path.basename(f), open(f, "rb").read())

for f in glob.glob(f"{root}/crates/rsp-crypto/tests/vectors/*.txt"):
    for line in open(f, encoding="utf-8", errors="ignore"):
        for word in line.replace("=", " ").replace(":", " ").split():
            if len(word) >= 16 and len(word) % 2 == 0:
                try:
                    b = bytes.fromhex(word)
                except ValueError:
                    continue
                put("scp03t_unprotect", b[:8].hex() + str(len(b)), bytes([0]) + b)
                put("crypto_inputs", "v" + b[:8].hex(), bytes([2]) + b)
print("seeds written to", os.path.join(here, "seeds"))
