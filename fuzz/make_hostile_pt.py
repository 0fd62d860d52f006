#!/usr/bin/env python3
"""Writes the hostile torch.save archives of fuzz/corpus/torch_archive (hostile-*.pt), the cases the
weight-file reader must refuse with a reason and within bounded memory: a compressed record that claims
256 MiB for a 16-byte storage, a tensor view whose offset is near 2**63 and one whose stride is 2**55,
a dict that contains itself, 200,000 nested tuples and 100,000 nested dicts. Plain Python (zipfile);
the pickles are written by hand, so no torch is needed.  Usage: fuzz/make_hostile_pt.py FOLDER"""
import struct
import sys
import zipfile
from pathlib import Path


def string(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def integer(n):
    if 0 <= n < 256:
        return b"K" + bytes([n])
    if -(2**31) <= n < 2**31:
        return b"J" + struct.pack("<i", n)
    b = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(b)]) + b  # LONG1


def tensor(offset, size, stride, numel=4):
    """_rebuild_tensor_v2(persistent storage '0' of `numel` floats, offset, size, stride, False, OrderedDict())"""
    storage = b"(" + string("storage") + b"ctorch\nFloatStorage\n" + string("0") + string("cpu") + integer(numel) + b"tQ"
    sizes = b"(" + b"".join(integer(s) for s in size) + b"t"
    strides = b"(" + b"".join(integer(s) for s in stride) + b"t"
    return (b"ctorch._utils\n_rebuild_tensor_v2\n(" + storage + integer(offset) + sizes + strides + b"\x89"
            + b"ccollections\nOrderedDict\n)Rt" + b"R")


def state_dict(entries):
    return b"\x80\x02}(" + b"".join(string(k) + v for k, v in entries) + b"u."


def archive(path, pickle, storage=b"\0" * 16, compress_storage=False):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hostile/data.pkl", pickle, compress_type=zipfile.ZIP_STORED)  # as torch.save
        z.writestr("hostile/data/0", storage, compress_type=zipfile.ZIP_DEFLATED if compress_storage else zipfile.ZIP_STORED)
        z.writestr("hostile/version", b"3\n")


def main(folder):
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    archive(out / "hostile-claims-256mib.pt", state_dict([("w", tensor(0, [4], [1]))]), b"\0" * (256 << 20), True)
    archive(out / "hostile-view-offset.pt", state_dict([("w", tensor(2**63 - 10, [4], [1]))]))
    archive(out / "hostile-view-stride.pt", state_dict([("w", tensor(0, [4, 2], [2**55, 1]))]))
    # d = {}; d["self"] = d  (BINPUT 0 after EMPTY_DICT, BINGET 0 as the value)
    archive(out / "hostile-self-dict.pt", b"\x80\x02}q\x00" + string("self") + b"h\x00s.")
    n = 200_000
    archive(out / "hostile-nested-tuples.pt", b"\x80\x02" + b"(" * n + b")" + b"t" * n + b".")
    n = 100_000
    # {0: {0: {... {} ...}}}: EMPTY_DICT, key, then the inner one; SETITEM closes each level.
    archive(out / "hostile-nested-dicts.pt", b"\x80\x02" + (b"}" + integer(0)) * n + b"}" + b"s" * n + b".")
    for p in sorted(out.glob("hostile-*.pt")):
        print(p, p.stat().st_size)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fuzz/corpus/torch_archive")
