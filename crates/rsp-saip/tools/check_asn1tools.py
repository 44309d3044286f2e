#!/usr/bin/env python3
"""Independent cross-check of profile packages with asn1tools (PyPI), not our decoder.

Usage: pip install asn1tools
       python3 tools/check_asn1tools.py $RSP_REFERENCE_DIR/asn1/PEDefinitions-3.3.1.asn FILE.der...

Decodes each file as a sequence of DER ProfileElement values, re-encodes each element
and checks the bytes are identical; prints the element names and the ICCID.
"""
import re
import sys

import asn1tools

src = open(sys.argv[1]).read()
# asn1tools does not parse an hstring with a space before 'H.
src = re.sub(r"\s+'H", "'H", src)
# sqnInit is a SEQUENCE OF with an OCTET STRING DEFAULT, which asn1tools cannot re-encode.
src = re.sub(r"(sqnInit SEQUENCE \(SIZE \(32\)\) OF OCTET STRING \(SIZE \(6\)\)) DEFAULT '000000000000'H", r"\1 OPTIONAL", src)
spec = asn1tools.compile_string(src, "der")

def tlv_len(b, off):
    i = off + 1
    if b[off] & 0x1F == 0x1F:
        while b[i] & 0x80:
            i += 1
        i += 1
    l = b[i]
    i += 1
    if l & 0x80:
        n = l & 0x7F
        l = int.from_bytes(b[i:i + n], "big")
        i += n
    return i - off + l

bad = 0
for f in sys.argv[2:]:
    b = open(f, "rb").read()
    off, names, iccid = 0, [], None
    while off < len(b):
        n = tlv_len(b, off)
        chunk = b[off:off + n]
        name, value = spec.decode("ProfileElement", chunk)
        names.append(name)
        if name == "header":
            iccid = value["iccid"].hex()
        if spec.encode("ProfileElement", (name, value)) != chunk:
            print(f"{f}: element {len(names) - 1} ({name}) re-encodes differently")
            bad += 1
        off += n
    print(f"{f}: {len(names)} elements, header iccid {iccid}, ok")
sys.exit(1 if bad else 0)
