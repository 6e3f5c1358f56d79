#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Raw generic-netlink client for the vflow selftests (Python standard library only).

One process runs a whole batch of cases (Python start-up is slow in the test guest) and prints
one line per case for the calling shell script:

    PASS|<description>|<detail>
    FAIL|<description>|<detail>
    SKIP|<description>|<detail>
    END|<number of cases>

Modes:
  badinput  every command with malformed, missing, oversized, unknown or mistyped attributes,
            plus the semantic errors (EEXIST, ENOENT, ENODEV, EBUSY); each case checks the errno,
            the extack and that the switch/port dumps are unchanged.
  limits    fill one switch to VFLOW_MAX_PORTS (1024), check ENOSPC, dump pagination, slot reuse.

Attribute and command numbers are the uAPI (include/uapi/linux/vflow.h); they are spelled out
here on purpose and cross-checked against the header when it is given (--uapi).
"""

import argparse
import errno
import os
import re
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200

NLMSG_ERROR = 2
NLMSG_DONE = 3

NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3FFF

NLMSGERR_ATTR_MSG = 1
NLMSGERR_ATTR_OFFS = 2
NLMSGERR_ATTR_MISS_TYPE = 5
NLMSGERR_ATTR_MISS_NEST = 6

GENL_ID_CTRL = 16
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_VERSION = 3
CTRL_ATTR_OPS = 6
CTRL_ATTR_OP_ID = 1
CTRL_ATTR_OP_FLAGS = 2
GENL_ADMIN_PERM = 0x01
GENL_CMD_CAP_DO = 0x02
GENL_CMD_CAP_DUMP = 0x04

# ---- vflow uAPI (include/uapi/linux/vflow.h) ----
VFLOW_FAMILY_NAME = "vflow"
VFLOW_FAMILY_VERSION = 1
VFLOW_NAME_MAX_LEN = 15
VFLOW_MAX_PORTS = 1024

VFLOW_PORT_TYPE_VM = 0
VFLOW_PORT_TYPE_UPLINK = 1
VFLOW_A_STATS_RX_PACKETS = 1
VFLOW_A_STATS_RX_BYTES = 2
VFLOW_A_STATS_TX_PACKETS = 3
VFLOW_A_STATS_TX_BYTES = 4
VFLOW_A_STATS_DROP_PACKETS = 5
VFLOW_A_STATS_DROP_BYTES = 6
VFLOW_A_STATS_PASS_PACKETS = 7
VFLOW_A_STATS_FLOOD_PACKETS = 8
VFLOW_A_SWITCH_NAME = 1
VFLOW_A_SWITCH_N_PORTS = 2
VFLOW_A_SWITCH_STATS = 3
VFLOW_A_PORT_SWITCH = 1
VFLOW_A_PORT_IFINDEX = 2
VFLOW_A_PORT_IFNAME = 3
VFLOW_A_PORT_TYPE = 4
VFLOW_A_PORT_MAC = 5
VFLOW_A_PORT_ID = 6
VFLOW_A_PORT_STATS = 7
VFLOW_A_FDB_SWITCH = 1
VFLOW_A_FDB_MAC = 2
VFLOW_A_FDB_IFINDEX = 3
VFLOW_A_FDB_STATIC = 4
VFLOW_CMD_SWITCH_NEW = 1
VFLOW_CMD_SWITCH_DEL = 2
VFLOW_CMD_SWITCH_GET = 3
VFLOW_CMD_PORT_NEW = 4
VFLOW_CMD_PORT_DEL = 5
VFLOW_CMD_PORT_GET = 6
VFLOW_CMD_FDB_GET = 7

UAPI = {k: v for k, v in globals().items()
        if k.startswith(("VFLOW_PORT_TYPE_", "VFLOW_A_", "VFLOW_CMD_"))}

STATS_MAX = VFLOW_A_STATS_FLOOD_PACKETS
CMD_NAMES = {v: k[len("VFLOW_CMD_"):].lower().replace("_", "-")
             for k, v in UAPI.items() if k.startswith("VFLOW_CMD_")}


# ---------------------------------------------------------------- attribute encoding

def nla(atype, payload, pad=True):
    """One netlink attribute; payload is bytes."""
    raw = struct.pack("=HH", 4 + len(payload), atype) + payload
    if pad:
        raw += b"\0" * ((4 - len(raw) % 4) % 4)
    return raw


def nla_str(atype, s):
    return nla(atype, s.encode() + b"\0")


def nla_u32(atype, v):
    return nla(atype, struct.pack("=I", v))


def nla_nest(atype, inner):
    return nla(atype | NLA_F_NESTED, inner)


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def mac_text(raw):
    return ":".join(f"{b:02x}" for b in raw)


def parse_attrs(buf):
    """dict type -> payload bytes (last one wins) of a flat attribute stream."""
    attrs = {}
    off = 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4 or off + alen > len(buf):
            break
        attrs[atype & NLA_TYPE_MASK] = buf[off + 4:off + alen]
        off += (alen + 3) & ~3
    return attrs


def parse_attr_list(buf):
    """list of (type, payload) in order, for nested arrays."""
    out = []
    off = 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4 or off + alen > len(buf):
            break
        out.append((atype & NLA_TYPE_MASK, buf[off + 4:off + alen]))
        off += (alen + 3) & ~3
    return out


def a_str(v):
    return None if v is None else v.split(b"\0", 1)[0].decode(errors="replace")


def a_uint(v):
    if v is None:
        return None
    if len(v) == 4:
        return struct.unpack("=I", v)[0]
    if len(v) == 8:
        return struct.unpack("=Q", v)[0]
    return ("badlen", len(v))


def errname(e):
    if e == 0:
        return "0"
    if e == errno.EOPNOTSUPP:
        return "EOPNOTSUPP"
    return errno.errorcode.get(e, str(e))


# ---------------------------------------------------------------- the socket

class Result:
    def __init__(self):
        self.err = 0            # positive errno, 0 on success
        self.msgs = []          # attribute dicts of the data messages
        self.ext = {}           # extack: msg, offs, miss_type, miss_nest
        self.got_ack = False

    def extack_text(self):
        parts = []
        if "msg" in self.ext:
            parts.append(repr(self.ext["msg"]))
        if "miss_type" in self.ext:
            parts.append(f"missing attr {self.ext['miss_type']}")
        if "offs" in self.ext:
            parts.append(f"offs {self.ext['offs']}")
        return ", ".join(parts) if parts else "no extack"


class Genl:
    def __init__(self, family=VFLOW_FAMILY_NAME):
        self.sk = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sk.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sk.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sk.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sk.bind((0, 0))
        self.sk.settimeout(10)
        self.seq = 1000
        self.fam_id = None
        self.fam_version = None
        self.fam_ops = {}
        if family:
            self.resolve(family)

    def resolve(self, name):
        r = self.request(CTRL_CMD_GETFAMILY, nla_str(CTRL_ATTR_FAMILY_NAME, name),
                         fam=GENL_ID_CTRL)
        if r.err or not r.msgs:
            raise LookupError(f"genetlink family {name!r} not found: {errname(r.err)}")
        a = r.msgs[0]
        self.fam_id = struct.unpack("=H", a[CTRL_ATTR_FAMILY_ID][:2])[0]
        self.fam_version = a_uint(a.get(CTRL_ATTR_VERSION))
        for _, op in parse_attr_list(a.get(CTRL_ATTR_OPS, b"")):
            oa = parse_attrs(op)
            self.fam_ops[a_uint(oa.get(CTRL_ATTR_OP_ID))] = a_uint(oa.get(CTRL_ATTR_OP_FLAGS)) or 0

    def send_raw(self, cmd, payload, flags, fam=None, version=1, trailing=b""):
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + payload + trailing
        hdr = struct.pack("=IHHII", 16 + len(body), fam if fam is not None else self.fam_id,
                          flags, self.seq, 0)
        self.sk.send(hdr + body)
        return self.seq

    def request(self, cmd, payload=b"", dump=False, fam=None, trailing=b""):
        flags = NLM_F_REQUEST | (NLM_F_DUMP if dump else NLM_F_ACK)
        seq = self.send_raw(cmd, payload, flags, fam=fam, trailing=trailing)
        res = Result()
        while True:
            data = self.sk.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, mflags, mseq, _ = struct.unpack_from("=IHHII", data, off)
                if mlen < 16:
                    raise RuntimeError("bad netlink message length")
                msg = data[off + 16:off + mlen]
                off += (mlen + 3) & ~3
                if mseq != seq:
                    continue
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", msg, 0)[0]
                    res.err = err
                    res.got_ack = True
                    tlv_off = 4 + 16
                    if not mflags & NLM_F_CAPPED:
                        olen = struct.unpack_from("=I", msg, 4)[0]
                        tlv_off = 4 + ((olen + 3) & ~3)
                    if mflags & NLM_F_ACK_TLVS:
                        self._extack(res, msg[tlv_off:])
                    return res
                if mtype == NLMSG_DONE:
                    err = 0
                    if len(msg) >= 4:
                        err = -struct.unpack_from("=i", msg, 0)[0]
                    res.err = err
                    if mflags & NLM_F_ACK_TLVS:
                        self._extack(res, msg[4:])
                    return res
                res.msgs.append(parse_attrs(msg[4:]))  # a do's ACK follows its reply

    @staticmethod
    def _extack(res, buf):
        a = parse_attrs(buf)
        if NLMSGERR_ATTR_MSG in a:
            res.ext["msg"] = a_str(a[NLMSGERR_ATTR_MSG])
        if NLMSGERR_ATTR_OFFS in a:
            res.ext["offs"] = a_uint(a[NLMSGERR_ATTR_OFFS])
        if NLMSGERR_ATTR_MISS_TYPE in a:
            res.ext["miss_type"] = a_uint(a[NLMSGERR_ATTR_MISS_TYPE])
        if NLMSGERR_ATTR_MISS_NEST in a:
            res.ext["miss_nest"] = a_uint(a[NLMSGERR_ATTR_MISS_NEST])

    # ---- decoded dumps
    def switches(self):
        r = self.request(VFLOW_CMD_SWITCH_GET, dump=True)
        if r.err:
            raise RuntimeError(f"switch-get dump failed: {errname(r.err)} {r.extack_text()}")
        return sorted((a_str(m.get(VFLOW_A_SWITCH_NAME)), a_uint(m.get(VFLOW_A_SWITCH_N_PORTS)))
                      for m in r.msgs)

    def ports(self, switch=None):
        payload = nla_str(VFLOW_A_PORT_SWITCH, switch) if switch else b""
        r = self.request(VFLOW_CMD_PORT_GET, payload, dump=True)
        if r.err:
            raise RuntimeError(f"port-get dump failed: {errname(r.err)} {r.extack_text()}")
        out = []
        for m in r.msgs:
            mac = m.get(VFLOW_A_PORT_MAC)
            out.append((a_str(m.get(VFLOW_A_PORT_SWITCH)), a_uint(m.get(VFLOW_A_PORT_IFINDEX)),
                        a_str(m.get(VFLOW_A_PORT_IFNAME)), a_uint(m.get(VFLOW_A_PORT_TYPE)),
                        mac_text(mac) if mac is not None else None,
                        a_uint(m.get(VFLOW_A_PORT_ID))))
        return sorted(out, key=repr)

    def fdb(self, switch=None):
        payload = nla_str(VFLOW_A_FDB_SWITCH, switch) if switch else b""
        r = self.request(VFLOW_CMD_FDB_GET, payload, dump=True)
        if r.err:
            raise RuntimeError(f"fdb-get dump failed: {errname(r.err)} {r.extack_text()}")
        return [(a_str(m.get(VFLOW_A_FDB_SWITCH)),
                 mac_text(m[VFLOW_A_FDB_MAC]) if VFLOW_A_FDB_MAC in m else None,
                 a_uint(m.get(VFLOW_A_FDB_IFINDEX)), VFLOW_A_FDB_STATIC in m) for m in r.msgs]

    def snapshot(self):
        return (tuple(self.switches()), tuple(self.ports()))


# ---------------------------------------------------------------- reporting

class Reporter:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def line(self, status, desc, detail=""):
        self.n += 1
        if status == "FAIL":
            self.failed += 1
        detail = str(detail).replace("\n", " ").replace("|", "/")
        print(f"{status}|{desc}|{detail}", flush=True)

    def ok(self, cond, desc, detail=""):
        self.line("PASS" if cond else "FAIL", desc, detail)
        return cond

    def end(self):
        print(f"END|{self.n}", flush=True)


ANY = "any"      # an extack message or a missing-attribute report is required
MSG = "msg"      # an extack message is required
NONE = None      # nothing required about the extack


def run_case(g, rep, desc, cmd, payload=b"", want=(errno.EINVAL,), extack=MSG, msg_re=None,
             dump=False, trailing=b""):
    """Send one request; check errno, extack and that nothing changed."""
    try:
        before = g.snapshot()
        r = g.request(cmd, payload, dump=dump, trailing=trailing)
        after = g.snapshot()
    except (OSError, RuntimeError) as e:
        rep.line("FAIL", desc, f"exception: {e}")
        return None
    problems = []
    if isinstance(want, int):
        want = (want,)
    if r.err not in want:
        problems.append(f"errno {errname(r.err)}, expected {'|'.join(errname(w) for w in want)}")
    msg = r.ext.get("msg")
    if extack == MSG and not msg:
        problems.append("no extack message")
    elif extack == ANY and not msg and "miss_type" not in r.ext:
        problems.append("no extack (message or missing-attribute type)")
    if msg_re and not (msg and re.search(msg_re, msg, re.I)):
        problems.append(f"extack message does not match /{msg_re}/")
    if before != after:
        problems.append(f"state changed: before={before} after={after}")
    detail = f"{errname(r.err)} ({r.extack_text()})"
    if problems:
        detail += ": " + "; ".join(problems)
    rep.ok(not problems, desc, detail)
    return r


# ---------------------------------------------------------------- checks on the family

def check_uapi_header(rep, path):
    if not path or not os.path.isfile(path):
        rep.line("SKIP", "uAPI numbers match include/uapi/linux/vflow.h", f"no header at {path}")
        return
    text = open(path, encoding="utf-8").read()
    found = {}
    for body in re.findall(r"enum(?:\s+\w+)?\s*\{(.*?)\}", text, re.S):
        val = -1
        for m in re.finditer(r"^\s*(\w+)\s*(?:=\s*(\w+))?\s*,", body, re.M):
            name, explicit = m.group(1), m.group(2)
            if explicit is not None:
                try:
                    val = int(explicit, 0)
                except ValueError:
                    val = found.get(explicit, val)
            else:
                val += 1
            found[name] = val
    for m in re.finditer(r"#define\s+(VFLOW_\w+)\s+(\d+)", text):
        found[m.group(1)] = int(m.group(2))
    want = dict(UAPI, VFLOW_NAME_MAX_LEN=VFLOW_NAME_MAX_LEN, VFLOW_MAX_PORTS=VFLOW_MAX_PORTS,
                VFLOW_FAMILY_VERSION=VFLOW_FAMILY_VERSION)
    bad = [f"{k}={found.get(k)} (test has {v})" for k, v in want.items() if found.get(k) != v]
    rep.ok(not bad, "uAPI numbers match include/uapi/linux/vflow.h", "; ".join(bad))


def check_family(g, rep):
    rep.ok(g.fam_version == VFLOW_FAMILY_VERSION, "family version is 1", f"version {g.fam_version}")
    want = {
        VFLOW_CMD_SWITCH_NEW: (True, True, False),
        VFLOW_CMD_SWITCH_DEL: (True, True, False),
        VFLOW_CMD_SWITCH_GET: (False, True, True),
        VFLOW_CMD_PORT_NEW: (True, True, False),
        VFLOW_CMD_PORT_DEL: (True, True, False),
        VFLOW_CMD_PORT_GET: (False, True, True),
        VFLOW_CMD_FDB_GET: (False, False, True),
    }
    # The issue-3 operations (numbers from include/uapi/linux/vflow.h, checked above).
    for cmd, flags in {
        8: (True, True, False),    # switch-set
        9: (True, True, False),    # port-set
        10: (True, True, False),   # rule-new
        11: (True, True, False),   # rule-set
        12: (True, True, False),   # rule-del
        13: (False, True, True),   # rule-get
        14: (True, True, False),   # layer-new
        15: (True, True, False),   # layer-set
        16: (True, True, False),   # layer-del
        17: (False, True, True),   # layer-get
        18: (True, True, False),   # layer-bind
        19: (True, True, False),   # layer-unbind
        20: (False, False, True),  # flow-get
        21: (True, True, False),   # flow-flush
        22: (False, True, False),  # explain
    }.items():
        want[cmd] = flags
    bad = []
    for cmd, (admin, do, dump) in want.items():
        fl = g.fam_ops.get(cmd)
        if fl is None:
            bad.append(f"{CMD_NAMES.get(cmd, cmd)} missing")
            continue
        got = (bool(fl & GENL_ADMIN_PERM), bool(fl & GENL_CMD_CAP_DO), bool(fl & GENL_CMD_CAP_DUMP))
        if got != (admin, do, dump):
            bad.append(f"{CMD_NAMES.get(cmd, cmd)} admin/do/dump={got}, want {(admin, do, dump)}")
    extra = sorted(set(g.fam_ops) - set(want))
    if extra:
        bad.append(f"unexpected commands {extra}")
    rep.ok(not bad, "ops: mutating ones are admin-perm, do/dump as in the spec", "; ".join(bad))


# ---------------------------------------------------------------- badinput

def mode_badinput(args):
    rep = Reporter()
    check_uapi_header(rep, args.uapi)
    try:
        g = Genl()
    except (OSError, LookupError) as e:
        rep.line("FAIL", "resolve the vflow genetlink family", str(e))
        rep.end()
        return 1
    rep.line("PASS", "resolve the vflow genetlink family", f"id {g.fam_id}")
    check_family(g, rep)

    S, P, F, B = args.switch, args.port, args.free, args.bridged
    pmac = args.port_mac.lower()
    try:
        snap = g.snapshot()
    except RuntimeError as e:
        rep.line("FAIL", "dump switches and ports", str(e))
        rep.end()
        return 1
    sw_ok = any(name == S and (n or 0) >= 1 for name, n in snap[0])
    port_ok = any(p[0] == S and p[2] == P and p[4] == pmac for p in snap[1])
    rep.ok(sw_ok and port_ok, "baseline dump shows the prepared switch and port", str(snap))
    if not (sw_ok and port_ok):
        rep.end()
        return 1
    fidx = socket.if_nametoindex(F)
    pidx = socket.if_nametoindex(P)
    long16 = "x" * 16
    mac_ok = mac_bytes("02:00:00:00:0b:01")

    sw = VFLOW_CMD_SWITCH_NEW
    name = lambda s: nla_str(VFLOW_A_SWITCH_NAME, s)  # noqa: E731

    # positive controls: the request format is right (so the errors below are about the input)
    r = g.request(VFLOW_CMD_SWITCH_GET, name(S))
    got = r.msgs[0] if r.msgs else {}
    rep.ok(r.err == 0 and a_str(got.get(VFLOW_A_SWITCH_NAME)) == S
           and isinstance(a_uint(got.get(VFLOW_A_SWITCH_N_PORTS)), int)
           and VFLOW_A_SWITCH_STATS in got,
           "switch-get do: reply has name, n-ports, stats", f"{errname(r.err)} {sorted(got)}")
    if VFLOW_A_SWITCH_STATS in got:
        st = parse_attrs(got[VFLOW_A_SWITCH_STATS])
        miss = [t for t in range(1, STATS_MAX + 1) if not isinstance(a_uint(st.get(t)), int)]
        rep.ok(not miss, "switch stats nest carries all 8 counters", f"missing {miss}")
    r = g.request(VFLOW_CMD_PORT_GET, nla_str(VFLOW_A_PORT_IFNAME, P))
    got = r.msgs[0] if r.msgs else {}
    rep.ok(r.err == 0 and a_str(got.get(VFLOW_A_PORT_SWITCH)) == S
           and a_uint(got.get(VFLOW_A_PORT_IFINDEX)) == pidx
           and a_str(got.get(VFLOW_A_PORT_IFNAME)) == P
           and a_uint(got.get(VFLOW_A_PORT_TYPE)) == VFLOW_PORT_TYPE_VM
           and mac_text(got.get(VFLOW_A_PORT_MAC, b"")) == pmac
           and isinstance(a_uint(got.get(VFLOW_A_PORT_ID)), int)
           and VFLOW_A_PORT_STATS in got,
           "port-get do: reply has switch, ifindex, ifname, type, mac, id, stats",
           f"{errname(r.err)} {sorted(got)}")
    r = g.request(VFLOW_CMD_PORT_GET, nla_u32(VFLOW_A_PORT_IFINDEX, pidx))
    rep.ok(r.err == 0 and r.msgs and a_str(r.msgs[0].get(VFLOW_A_PORT_IFNAME)) == P,
           "port-get do by ifindex", errname(r.err))
    try:
        fdb = g.fdb(S)
        rep.ok((S, pmac, pidx, True) in fdb, "fdb-get dump: vm port MAC is a static entry", str(fdb))
    except RuntimeError as e:
        rep.line("FAIL", "fdb-get dump: vm port MAC is a static entry", str(e))
    name15 = "n" * 15
    r = g.request(sw, name(name15))
    ok = r.err == 0 and (name15, 0) in g.switches()
    r2 = g.request(VFLOW_CMD_SWITCH_DEL, name(name15))
    rep.ok(ok and r2.err == 0 and g.snapshot() == snap,
           "switch-new: 15-byte name accepted, switch-del removes it",
           f"new {errname(r.err)} del {errname(r2.err)}")

    # ---- switch-new
    run_case(g, rep, "switch-new: no attributes", sw, b"", extack=ANY)
    run_case(g, rep, "switch-new: name of 16 bytes", sw, name(long16),
             msg_re="policy|range|long")
    run_case(g, rep, "switch-new: name of 16 bytes without NUL", sw,
             nla(VFLOW_A_SWITCH_NAME, long16.encode()))
    run_case(g, rep, "switch-new: empty name", sw, name(""))
    run_case(g, rep, "switch-new: zero-length name attribute", sw, nla(VFLOW_A_SWITCH_NAME, b""))
    run_case(g, rep, "switch-new: name not NUL-terminated", sw, nla(VFLOW_A_SWITCH_NAME, b"abc"))
    run_case(g, rep, "switch-new: u32 where the name string is expected", sw,
             nla_u32(VFLOW_A_SWITCH_NAME, 0x41414141))
    run_case(g, rep, "switch-new: reply-only attribute n-ports", sw,
             name("bad0") + nla_u32(VFLOW_A_SWITCH_N_PORTS, 3))
    run_case(g, rep, "switch-new: unknown attribute type 200", sw,
             name("bad0") + nla_u32(200, 1))
    run_case(g, rep, "switch-new: attribute type 0", sw, name("bad0") + nla_u32(0, 1))
    run_case(g, rep, "switch-new: NLA_F_NESTED set on the name", sw,
             nla(VFLOW_A_SWITCH_NAME | NLA_F_NESTED, b"bad0\0"))
    run_case(g, rep, "switch-new: trailing bytes after the attributes", sw, name("bad0"),
             trailing=b"\x01\x02")
    run_case(g, rep, "switch-new: existing name -> EEXIST", sw, name(S), want=errno.EEXIST,
             extack=NONE)

    # ---- switch-del
    sd = VFLOW_CMD_SWITCH_DEL
    run_case(g, rep, "switch-del: no attributes", sd, b"", extack=ANY)
    run_case(g, rep, "switch-del: name of 16 bytes", sd, name(long16))
    run_case(g, rep, "switch-del: empty name", sd, name(""),
             want=(errno.EINVAL, errno.ENOENT), extack=NONE)
    run_case(g, rep, "switch-del: u32 where the name string is expected", sd,
             nla_u32(VFLOW_A_SWITCH_NAME, 0x41414141))
    run_case(g, rep, "switch-del: unknown switch -> ENOENT", sd, name("nosuchsw"),
             want=errno.ENOENT, msg_re="no such switch")
    run_case(g, rep, "switch-del: stats attribute (not a request attribute)", sd,
             name(S) + nla_nest(VFLOW_A_SWITCH_STATS, b""))

    # ---- switch-get
    sg = VFLOW_CMD_SWITCH_GET
    run_case(g, rep, "switch-get: no attributes", sg, b"", extack=ANY)
    run_case(g, rep, "switch-get: name of 16 bytes", sg, name(long16))
    run_case(g, rep, "switch-get: unknown switch -> ENOENT", sg, name("nosuchsw"),
             want=errno.ENOENT, msg_re="no such switch")
    run_case(g, rep, "switch-get: unknown attribute type 9", sg, name(S) + nla_u32(9, 1))

    # ---- port-new
    pn = VFLOW_CMD_PORT_NEW
    psw = nla_str(VFLOW_A_PORT_SWITCH, S)
    pdev = nla_str(VFLOW_A_PORT_IFNAME, F)
    run_case(g, rep, "port-new: no attributes", pn, b"", extack=ANY)
    run_case(g, rep, "port-new: no switch", pn, pdev, extack=ANY)
    run_case(g, rep, "port-new: neither ifindex nor ifname", pn, psw, extack=ANY)
    run_case(g, rep, "port-new: switch name of 16 bytes", pn,
             nla_str(VFLOW_A_PORT_SWITCH, long16) + pdev)
    run_case(g, rep, "port-new: empty switch name", pn, nla_str(VFLOW_A_PORT_SWITCH, "") + pdev,
             want=(errno.EINVAL, errno.ENOENT), extack=NONE)
    run_case(g, rep, "port-new: ifname of 16 bytes", pn, psw + nla_str(VFLOW_A_PORT_IFNAME, long16))
    run_case(g, rep, "port-new: empty ifname", pn, psw + nla_str(VFLOW_A_PORT_IFNAME, ""),
             want=(errno.EINVAL, errno.ENODEV), extack=NONE)
    run_case(g, rep, "port-new: u32 where the switch string is expected", pn,
             nla_u32(VFLOW_A_PORT_SWITCH, 0x41414141) + pdev)
    run_case(g, rep, "port-new: ifindex 0", pn, psw + nla_u32(VFLOW_A_PORT_IFINDEX, 0),
             want=errno.ERANGE, msg_re="range")
    run_case(g, rep, "port-new: short ifindex (u16)", pn,
             psw + nla(VFLOW_A_PORT_IFINDEX, struct.pack("=H", fidx)))
    run_case(g, rep, "port-new: long ifindex (u64)", pn,
             psw + nla(VFLOW_A_PORT_IFINDEX, struct.pack("=Q", fidx)))
    run_case(g, rep, "port-new: string where the u32 type is expected", pn,
             psw + pdev + nla_str(VFLOW_A_PORT_TYPE, "vm"))
    run_case(g, rep, "port-new: port type 7", pn, psw + pdev + nla_u32(VFLOW_A_PORT_TYPE, 7),
             want=errno.ERANGE, msg_re="range")
    run_case(g, rep, "port-new: port type 2", pn, psw + pdev + nla_u32(VFLOW_A_PORT_TYPE, 2),
             want=errno.ERANGE, msg_re="range")
    run_case(g, rep, "port-new: mac of 5 bytes", pn,
             psw + pdev + nla(VFLOW_A_PORT_MAC, mac_ok[:5]), want=errno.ERANGE)
    run_case(g, rep, "port-new: mac of 7 bytes", pn,
             psw + pdev + nla(VFLOW_A_PORT_MAC, mac_ok + b"\0"), want=errno.ERANGE)
    run_case(g, rep, "port-new: mac of 0 bytes", pn,
             psw + pdev + nla(VFLOW_A_PORT_MAC, b""), want=errno.ERANGE)
    run_case(g, rep, "port-new: reply-only attribute id", pn,
             psw + pdev + nla_u32(VFLOW_A_PORT_ID, 1))
    run_case(g, rep, "port-new: reply-only attribute stats", pn,
             psw + pdev + nla_nest(VFLOW_A_PORT_STATS, b""))
    run_case(g, rep, "port-new: unknown attribute type 100", pn, psw + pdev + nla_u32(100, 1))
    run_case(g, rep, "port-new: unknown switch -> ENOENT", pn,
             nla_str(VFLOW_A_PORT_SWITCH, "nosuchsw") + pdev, want=errno.ENOENT,
             msg_re="no such switch")
    run_case(g, rep, "port-new: unknown ifname -> ENODEV", pn,
             psw + nla_str(VFLOW_A_PORT_IFNAME, "nosuchdev0"), want=errno.ENODEV, extack=NONE)
    run_case(g, rep, "port-new: unknown ifindex -> ENODEV", pn,
             psw + nla_u32(VFLOW_A_PORT_IFINDEX, 0x7FFFFFF0), want=errno.ENODEV, extack=NONE)
    run_case(g, rep, "port-new: device already a vflow port -> EBUSY", pn,
             psw + nla_str(VFLOW_A_PORT_IFNAME, P), want=errno.EBUSY)
    run_case(g, rep, "port-new: same device by ifindex -> EBUSY", pn,
             psw + nla_u32(VFLOW_A_PORT_IFINDEX, pidx), want=errno.EBUSY)
    if B:
        run_case(g, rep, "port-new: bridge port -> EBUSY with extack", pn,
                 psw + nla_str(VFLOW_A_PORT_IFNAME, B), want=errno.EBUSY)

    # ---- port-del
    pd = VFLOW_CMD_PORT_DEL
    run_case(g, rep, "port-del: no attributes", pd, b"", extack=ANY)
    run_case(g, rep, "port-del: ifname of 16 bytes", pd, nla_str(VFLOW_A_PORT_IFNAME, long16))
    run_case(g, rep, "port-del: ifindex 0", pd, nla_u32(VFLOW_A_PORT_IFINDEX, 0),
             want=errno.ERANGE, msg_re="range")
    run_case(g, rep, "port-del: short ifindex (u16)", pd,
             nla(VFLOW_A_PORT_IFINDEX, struct.pack("=H", pidx)))
    run_case(g, rep, "port-del: u32 where the ifname string is expected", pd,
             nla_u32(VFLOW_A_PORT_IFNAME, 0x41414141))
    run_case(g, rep, "port-del: unknown ifname -> ENODEV", pd,
             nla_str(VFLOW_A_PORT_IFNAME, "nosuchdev0"), want=errno.ENODEV, extack=NONE)
    run_case(g, rep, "port-del: device that is not a port", pd, nla_str(VFLOW_A_PORT_IFNAME, F),
             want=(errno.ENOENT, errno.ENODEV, errno.EINVAL), extack=NONE)
    run_case(g, rep, "port-del: switch attribute (not in this op's policy)", pd,
             nla_str(VFLOW_A_PORT_IFNAME, P) + nla_str(VFLOW_A_PORT_SWITCH, S))
    run_case(g, rep, "port-del: type attribute (beyond this op's policy)", pd,
             nla_str(VFLOW_A_PORT_IFNAME, P) + nla_u32(VFLOW_A_PORT_TYPE, 0))

    # ---- port-get do / dump
    pg = VFLOW_CMD_PORT_GET
    run_case(g, rep, "port-get: no attributes", pg, b"", extack=ANY)
    run_case(g, rep, "port-get: ifindex 0", pg, nla_u32(VFLOW_A_PORT_IFINDEX, 0),
             want=errno.ERANGE)
    run_case(g, rep, "port-get: unknown ifname -> ENODEV", pg,
             nla_str(VFLOW_A_PORT_IFNAME, "nosuchdev0"), want=errno.ENODEV, extack=NONE)
    run_case(g, rep, "port-get: device that is not a port", pg, nla_str(VFLOW_A_PORT_IFNAME, F),
             want=(errno.ENOENT, errno.ENODEV, errno.EINVAL), extack=NONE)
    run_case(g, rep, "port-get: type attribute (beyond this op's policy)", pg,
             nla_str(VFLOW_A_PORT_IFNAME, P) + nla_u32(VFLOW_A_PORT_TYPE, 0))
    run_case(g, rep, "port-get dump: switch name of 16 bytes", pg,
             nla_str(VFLOW_A_PORT_SWITCH, long16), dump=True)
    run_case(g, rep, "port-get dump: ifindex attribute (beyond the dump policy)", pg,
             nla_u32(VFLOW_A_PORT_IFINDEX, pidx), dump=True)
    run_case(g, rep, "port-get dump: unknown switch -> ENOENT", pg,
             nla_str(VFLOW_A_PORT_SWITCH, "nosuchsw"), dump=True, want=errno.ENOENT,
             extack=NONE)
    try:
        mine = g.ports(S)
        rep.ok(mine and all(p[0] == S for p in mine) and any(p[2] == P for p in mine),
               "port-get dump filtered by switch", str(mine))
    except RuntimeError as e:
        rep.line("FAIL", "port-get dump filtered by switch", str(e))

    # ---- fdb-get dump
    fg = VFLOW_CMD_FDB_GET
    run_case(g, rep, "fdb-get dump: switch name of 16 bytes", fg,
             nla_str(VFLOW_A_FDB_SWITCH, long16), dump=True)
    run_case(g, rep, "fdb-get dump: mac attribute (beyond the dump policy)", fg,
             nla(VFLOW_A_FDB_MAC, mac_ok), dump=True)
    run_case(g, rep, "fdb-get dump: unknown switch -> ENOENT", fg,
             nla_str(VFLOW_A_FDB_SWITCH, "nosuchsw"), dump=True, want=errno.ENOENT, extack=NONE)

    # ---- commands
    run_case(g, rep, "command 0 -> EOPNOTSUPP", 0, b"", want=errno.EOPNOTSUPP, extack=NONE)
    run_case(g, rep, "command 23 (past the last) -> EOPNOTSUPP", 23, b"", want=errno.EOPNOTSUPP,
             extack=NONE)
    run_case(g, rep, "switch-new as a dump -> EOPNOTSUPP", sw, name("bad0"), dump=True,
             want=errno.EOPNOTSUPP, extack=NONE)
    run_case(g, rep, "fdb-get as a do -> EOPNOTSUPP", fg, b"", want=errno.EOPNOTSUPP, extack=NONE)

    rep.ok(g.snapshot() == snap, "state after all cases equals the baseline", str(g.snapshot()))
    rep.end()
    return 1 if rep.failed else 0


# ---------------------------------------------------------------- limits

def mode_limits(args):
    rep = Reporter()
    try:
        g = Genl()
    except (OSError, LookupError) as e:
        rep.line("FAIL", "resolve the vflow genetlink family", str(e))
        rep.end()
        return 1
    S, pre, n = args.switch, args.prefix, VFLOW_MAX_PORTS
    devs = [f"{pre}{i}" for i in range(n + 1)]

    def mac(i):
        return bytes([0x02, 0, 0, 0x0c, i >> 8, i & 0xFF])

    def add(i):
        return g.request(VFLOW_CMD_PORT_NEW, nla_str(VFLOW_A_PORT_SWITCH, S)
                         + nla_str(VFLOW_A_PORT_IFNAME, devs[i]) + nla(VFLOW_A_PORT_MAC, mac(i)))

    fails = []
    for i in range(n):
        r = add(i)
        if r.err:
            fails.append(f"{devs[i]}: {errname(r.err)} {r.extack_text()}")
            if len(fails) > 5:
                break
    rep.ok(not fails, f"attach {n} ports to one switch", "; ".join(fails[:5]))
    if fails:
        rep.end()
        return 1
    sws = dict(g.switches())
    rep.ok(sws.get(S) == n, f"switch reports n-ports {n}", str(sws.get(S)))
    ports = g.ports(S)
    ids = {p[5] for p in ports}
    idx = {p[1] for p in ports}
    rep.ok(len(ports) == n and len(ids) == n and len(idx) == n,
           f"port dump (multi-part) returns {n} distinct ports",
           f"{len(ports)} entries, {len(ids)} ids, {len(idx)} ifindexes")
    fdb = [e for e in g.fdb(S) if e[3]]
    macs = {e[1] for e in fdb}
    rep.ok(len(fdb) == n and len(macs) == n, f"fdb dump (multi-part) returns {n} static entries",
           f"{len(fdb)} static entries, {len(macs)} distinct")
    run_case(g, rep, f"port {n + 1} -> ENOSPC", VFLOW_CMD_PORT_NEW,
             nla_str(VFLOW_A_PORT_SWITCH, S) + nla_str(VFLOW_A_PORT_IFNAME, devs[n]),
             want=errno.ENOSPC, extack=NONE)
    r = g.request(VFLOW_CMD_PORT_DEL, nla_str(VFLOW_A_PORT_IFNAME, devs[0]))
    r2 = add(n)
    sws = dict(g.switches())
    rep.ok(r.err == 0 and r2.err == 0 and sws.get(S) == n,
           "after one port-del the freed slot is reusable",
           f"del {errname(r.err)}, add {errname(r2.err)} {r2.extack_text()}, n-ports {sws.get(S)}")
    rep.end()
    return 1 if rep.failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("mode", choices=["badinput", "limits"])
    ap.add_argument("--switch", required=True, help="an existing switch")
    ap.add_argument("--port", help="badinput: a port of that switch (vm, with --port-mac)")
    ap.add_argument("--port-mac", default="", help="badinput: the MAC configured on --port")
    ap.add_argument("--free", help="badinput: a device that is not attached to anything")
    ap.add_argument("--bridged", help="badinput: a device that is a bridge port")
    ap.add_argument("--uapi", help="path of include/uapi/linux/vflow.h")
    ap.add_argument("--prefix", default="d", help="limits: devices PREFIX0..PREFIX1024 exist")
    args = ap.parse_args()
    if args.mode == "badinput":
        if not (args.port and args.free):
            ap.error("badinput needs --port and --free")
        return mode_badinput(args)
    return mode_limits(args)


if __name__ == "__main__":
    sys.exit(main())
