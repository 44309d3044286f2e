#!/usr/bin/env python3
"""pySim-shell's session of issue 22 through pyscard, pySim's own PC/SC layer.

Not pySim (osmocom pySim is not on PyPI): the APDUs are the forms pySim sends
(pySim/commands.py), exchanged as pySim's transport does (pySim/transport/__init__.py,
LinkBase.send_apdu: GET RESPONSE with the command's CLA while SW1 is 61/62/63/9F, then
the header again on 6Cxx) over pyscard connected with T=0, as pySim's PcscSimLink does.

Usage: pysim_session.py READER_SUBSTRING RAND_HEX AUTN_HEX
Prints one JSON object: atr, eid, aids (EF.DIR), iccid (EF.ICCID hex), imsi (EF.IMSI
hex), status (STATUS FCP), verify (SW), auth (AUTHENTICATE response hex).
"""
import json
import sys

from smartcard.CardConnection import CardConnection
from smartcard.System import readers


def main():
    name, rand, autn = sys.argv[1], sys.argv[2], sys.argv[3]
    reader = next(r for r in readers() if name in str(r))
    con = reader.createConnection()
    con.connect(CardConnection.T0_protocol)

    def raw(pdu):
        data, sw1, sw2 = con.transmit(list(bytes.fromhex(pdu)))
        return bytes(data).hex(), "%02x%02x" % (sw1, sw2)

    def send(pdu, expect="9000"):
        prev = pdu
        data, sw = raw(pdu)
        rounds = 0
        while sw[0:2] in ("9f", "61", "62", "63"):
            rounds += 1
            if rounds > 20:
                raise RuntimeError("GET RESPONSE loop after %s" % pdu)
            prev = pdu[0:2] + "c00000" + sw[2:4]
            d, sw = raw(prev)
            data += d
        if sw[0:2] == "6c":
            data, sw = raw(prev[0:8] + sw[2:4])
        if expect is not None and sw != expect:
            raise RuntimeError("%s: SW %s, expected %s" % (pdu, sw, expect))
        return data, sw

    def fcp(resp, tag):
        b = bytes.fromhex(resp)
        assert b[0] == 0x62, resp
        i = 3 if b[1] == 0x81 else 2
        while i + 1 < len(b):
            t, l = b[i], b[i + 1]
            if t == tag:
                return b[i + 2:i + 2 + l]
            i += 2 + l
        return None

    out = {"atr": bytes(con.getATR()).hex()}
    isdr = "a0000005591010ffffffff8900000100"
    # Card profile pick: SGP.32 GetCerts fails, SGP.22 GetEID matches.
    send("00a4040410" + isdr + "00")
    _, sw = send("80e2910003bf5600", expect=None)
    assert sw != "9000", sw
    send("00a4040410" + isdr + "00")
    out["eid"] = send("80e2910006bf3e035c015a00")[0][10:]
    # Add-on probe with the SIM class: refused.
    out["sim_class"] = send("a0a40000023f00", expect=None)[1]
    # select MF, EF.DIR records.
    send("00a40004023f0000")
    d = fcp(send("00a40004022f0000")[0], 0x82)
    rec_len = int.from_bytes(d[2:4], "big")
    count = int.from_bytes(fcp(send("00a40004022f0000")[0], 0x80), "big") // rec_len
    aids = []
    for n in range(1, count + 1):
        r = bytes.fromhex(send("00b2%02x04%02x" % (n, rec_len))[0])
        if r[0] == 0x61 and r[2] == 0x4F:
            aids.append(r[4:4 + r[3]].hex())
    out["aids"] = aids
    # select MF / EF.ICCID / read_binary.
    send("00a40004023f0000")
    size = int.from_bytes(fcp(send("00a40004022fe200")[0], 0x80), "big")
    out["iccid"] = send("00b00000%02x" % size)[0]
    # select ADF.USIM / STATUS / EF.IMSI / read_binary.
    usim = next(a for a in aids if a.startswith("a0000000871002"))
    send("00a4040410" + usim + "00")
    out["status"] = send("80f20000")[0]
    size = int.from_bytes(fcp(send("00a40004026f0700")[0], 0x80), "big")
    out["imsi"] = send("00b00000%02x" % size)[0]
    # verify_chv 0000, authenticate RAND AUTN (Le 00).
    out["verify"] = send("002000010830303030ffffffff")[1]
    out["auth"] = send("008800812210" + rand + "10" + autn + "00")[0]
    con.disconnect()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
