#!/usr/bin/python3
"""libseccomp as an oracle: read one request (JSON) on stdin, build the
filter with Debian's python3-seccomp as runc would hand it to libseccomp,
and print one JSON answer: the raw BPF program (hex), the names libseccomp
could not resolve, and the rules it refused.

Request: {"default": RET, "badArch": RET?, "arches": ["x86_64"|"x86"|"x32"...],
          "optimize": 1|2, "rules": [{"name": NAME, "action": RET,
          "args": [[INDEX, OP, VALUE, VALUE_TWO], ...]}]}
RET is a 32-bit SECCOMP_RET_* value; OP one of EQ NE LT LE GT GE MASKED_EQ;
values are decimal strings (64-bit). Names are resolved as runc does, with
seccomp_syscall_resolve_name on the native architecture (a name of another
architecture resolves to a pseudo number and is kept).
"""
import json
import os
import sys
import tempfile

import seccomp

OPS = {"EQ": seccomp.EQ, "NE": seccomp.NE, "LT": seccomp.LT, "LE": seccomp.LE,
       "GT": seccomp.GT, "GE": seccomp.GE, "MASKED_EQ": seccomp.MASKED_EQ}
ARCHES = {"x86_64": seccomp.Arch.X86_64, "x86": seccomp.Arch.X86, "x32": seccomp.Arch.X32}


def ret(v):
    """A 32-bit SECCOMP_RET_* value as the bindings take it: a C int, so
    KILL_PROCESS (0x80000000) must be passed as a negative number."""
    return v - (1 << 32) if v >= 1 << 31 else v


def main():
    req = json.load(sys.stdin)
    f = seccomp.SyscallFilter(ret(req["default"]))
    if "badArch" in req:
        f.set_attr(seccomp.Attr.ACT_BADARCH, ret(req["badArch"]))
    for a in req.get("arches", []):
        if not f.exist_arch(ARCHES[a]):
            f.add_arch(ARCHES[a])
    if req.get("optimize", 1) != 1:
        f.set_attr(seccomp.Attr.CTL_OPTIMIZE, req["optimize"])
    unknown, refused = [], []
    for i, r in enumerate(req["rules"]):
        nr = seccomp.resolve_syscall(seccomp.Arch.NATIVE, r["name"])
        if nr == -1:
            unknown.append(r["name"])
            continue
        args = [seccomp.Arg(a[0], OPS[a[1]], int(a[2]), int(a[3])) for a in r.get("args", [])]
        try:
            f.add_rule(ret(r["action"]), nr, *args)
        except Exception as e:  # libseccomp refuses a rule: runc fails the whole profile
            refused.append({"rule": i, "error": str(e)})
    with tempfile.TemporaryFile() as out:
        f.export_bpf(out)
        out.seek(0)
        bpf = out.read()
    json.dump({"bpf": bpf.hex(), "unknown": unknown, "refused": refused}, sys.stdout)


if __name__ == "__main__":
    main()
