#!/usr/bin/env python3
"""Writes seed inputs for the `handler` target into corpus/handler/: valid request sequences
(an upload, a listing, a refused sparse write, renames, extensions), each request framed as the
target reads it (2-byte length, then the request). Run from crates/sftp/fuzz."""
import os
import struct


def s(b):
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b


def req(kind, rid, fields=b""):
    body = bytes([kind]) + struct.pack(">I", rid) + fields
    return struct.pack(">H", len(body)) + body


INIT = struct.pack(">H", 5) + bytes([1]) + struct.pack(">I", 3)
H1 = s("1")  # the first handle a session hands out
WRITE_CREATE_TRUNC = struct.pack(">II", 0x1A, 0)

seeds = {
    "upload": INIT
    + req(3, 1, s("/transaction/2026-01-27_transaction_v1.csv") + WRITE_CREATE_TRUNC)
    + req(6, 2, H1 + struct.pack(">Q", 0) + s("a|b\n1|2\n"))
    + req(10, 3, H1 + struct.pack(">IQ", 1, 4))
    + req(4, 4, H1),
    "listing": INIT + req(11, 1, s("/transaction")) + req(12, 2, H1) + req(12, 3, H1) + req(4, 4, H1),
    "sparse": INIT
    + req(3, 1, s("/documents/d.pdf") + WRITE_CREATE_TRUNC)
    + req(6, 2, H1 + struct.pack(">Q", 0) + s("%PDF"))
    + req(6, 3, H1 + struct.pack(">Q", 40000) + s("x"))
    + req(10, 4, H1 + struct.pack(">IQ", 1, 1 << 40))
    + req(4, 5, H1),
    "rename": INIT
    + req(3, 1, s("/transaction/a.part") + WRITE_CREATE_TRUNC)
    + req(4, 2, H1)
    + req(18, 3, s("/transaction/a.part") + s("/transaction/b.csv"))
    + req(200, 4, s("posix-rename@openssh.com") + s("/transaction/b.csv") + s("/transaction/" + "n" * 300))
    + req(17, 5, s("/transaction/b.csv"))
    + req(13, 6, s("/transaction/b.csv")),
    "extensions": INIT
    + req(200, 1, s("limits@openssh.com"))
    + req(200, 2, s("fsync@openssh.com") + H1)
    + req(200, 3, s("nope@example.com") + b"\xff" * 8)
    + req(16, 4, s("../../etc")),
}

os.makedirs("corpus/handler", exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join("corpus/handler", name), "wb") as f:
        f.write(data)
print("wrote %d seeds to corpus/handler" % len(seeds))
