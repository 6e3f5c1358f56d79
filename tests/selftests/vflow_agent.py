#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Traffic and inspection agent of the vflow policy selftests (Python standard library only).

Python start-up takes seconds in the emulated test guest, so a test starts this once (lib.sh:
agent_start, a bash coprocess) and sends it one command per line; every command gets exactly one
reply line, "OK <result>" or "ERR <message>". The agent lives in the test's host namespace (--home:
vflowctl runs there) and opens sockets in the VM namespaces by entering them with setns(2) for the
moment of the socket() call: one process talks from and to every namespace.

Commands (IPs decide the family; NS is a name under /run/netns; T a timeout in seconds):

  hello                                         -> OK agent
  sysctl NS name=value...                       e.g. net.ipv6.conf.all.accept_dad=0 in NS
  sleep S
  udp  NSA SRCIP NSB DSTIP PAIRS [T] [tos=N] [n=K]
        one datagram (K with n=) per "sport:dport" of the comma-separated PAIRS from NSA (bound to
        SRCIP:sport, sport 0 = ephemeral) to DSTIP:dport in NSB (receivers stay open between
        commands). -> OK <one digit per pair: datagrams received, at most 9>
  udprr NSA SRCIP SPORT NSB DSTIP DPORT N [T] [tos=N]
        request/response: N datagrams A -> B, B answers each one -> OK <requests> <answers>
  tcp  NSA SRCIP NSB DSTIP PAIRS [T]
        one connection attempt per "sport:dport" (concurrently), then closed
        -> OK <one digit per pair: 1 connected, 0 not>
  tconn NAME NSA SRCIP NSB DSTIP DPORT [T] [sport=N]
        open a connection kept as NAME -> OK connected | OK failed <reason>
  txfer NAME c2s|s2c BYTES [T]                  -> OK <bytes received at the other end>
  tclose NAME [rst]                             -> OK (FIN from the client, or RST with rst)
  ping NS SRCIP DSTIP N [T] [ident=N]           -> OK <echo replies received>
  sniff NAME NS [IF]                            start capturing on IF (eth0) of NS
  send NS KIND [opt=val ...]                    build and send one raw frame from eth0 of NS
        KIND ipv4 | ipv6 | raw; see build_frame() for the options.  -> OK <marker hex>
  seen NAME MARKER [T] [want=N]                 -> OK <frames captured containing MARKER>
  snap KEY port DEV | switch NAME | rule SWITCH ID | layer SWITCH NAME [, KEY ...]
        store the objects' fields (stats flattened, '-' read as '_'; one vflowctl -b) -> OK
  get KEY FIELD                                 -> OK <value>
  delta KEY1 KEY2 FIELD                         -> OK <KEY2.FIELD - KEY1.FIELD>
  flows SWITCH [DEV]                            dump flows (of input port DEV) -> OK <count>
  fcount [FIELD=V|FIELD!=V ...]                 on the last dump: -> OK <count> <packets> <bytes>
  fshow                                         the last dump, compact, for diagnostics
  wflows SWITCH OP N T [FILTERS]                poll the dump until count OP N (eq|le|ge)
                                                -> OK <count> <seconds waited> | ERR timeout...
  explain DEV out|in PROTO SRC SPORT DST DPORT [vflowctl explain options...]
        (SPORT/DPORT - for none) -> OK <verdict> <layer:rule:verdict,...> <out-port>
  explains SPEC ;; SPEC ...                     several explains in one vflowctl -b run
                                                -> OK <result> | <result> ...
  vfc ARGS...                                   run vflowctl -> OK <exit code> (output: lastout)
  lastout                                       stdout+stderr of the last vflowctl, one line
  mem [drain]                                   /proc/meminfo (kB) after draining the KASAN
        quarantine and slab caches with drain -> OK Slab=.. SUnreclaim=.. Percpu=.. ...
"""

import argparse
import ctypes
import errno
import ipaddress
import json
import os
import select
import shlex
import socket
import struct
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD
ETH_P_8021Q = 0x8100

_libc = ctypes.CDLL(None, use_errno=True)


class AgentError(Exception):
    pass


# ---------------------------------------------------------------- namespaces

class Netns:
    """Enter a named network namespace for the duration of a call, then come back home."""

    def __init__(self, home):
        self.fds = {}
        if home:
            self._setns(self._fd(home))
        self.home_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY)

    def _fd(self, name):
        if name not in self.fds:
            try:
                self.fds[name] = os.open(f"/run/netns/{name}", os.O_RDONLY)
            except OSError as e:
                raise AgentError(f"netns {name}: {e.strerror}") from e
        return self.fds[name]

    @staticmethod
    def _setns(fd):
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise AgentError(f"setns: {os.strerror(e)}")

    def call(self, name, fn, *args):
        if name in (None, "", "-"):
            return fn(*args)
        self._setns(self._fd(name))
        try:
            return fn(*args)
        finally:
            self._setns(self.home_fd)


def family_of(ip):
    return socket.AF_INET6 if ":" in ip else socket.AF_INET


def sockaddr(ip, port):
    return (ip, port, 0, 0) if ":" in ip else (ip, port)


def norm_ip(v):
    try:
        a = ipaddress.ip_address(str(v).split("/")[0])
    except ValueError:
        return str(v)
    if a.version == 6 and a.ipv4_mapped:
        a = a.ipv4_mapped
    return str(a)


# ---------------------------------------------------------------- checksums and frames

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def l4_header(proto, sport, dport, payload, opts, pseudo):
    """TCP/UDP/ICMP header + payload with a correct checksum (pseudo: pseudo-header prefix)."""
    if proto == 17:
        ln = 8 + len(payload)
        h = struct.pack("!HHHH", sport, dport, ln, 0) + payload
        c = csum(pseudo(ln) + h) or 0xFFFF
        return h[:6] + struct.pack("!H", c) + h[8:]
    if proto == 6:
        doff = int(opts.get("doff", 5))
        flags = 0
        for ch in opts.get("flags", "S"):
            flags |= {"F": 1, "S": 2, "R": 4, "P": 8, "A": 16, "U": 32, "E": 64, "C": 128}[ch]
        optbytes = b"\x01" * max(0, (doff - 5) * 4)
        h = struct.pack("!HHIIBBHHH", sport, dport, int(opts.get("seq", 1000)),
                        int(opts.get("ack", 0)), doff << 4, flags, 65535, 0, 0) + optbytes
        h += payload
        c = csum(pseudo(len(h)) + h)
        return h[:16] + struct.pack("!H", c) + h[18:]
    if proto in (1, 58):
        ty = int(opts.get("type", 8 if proto == 1 else 128))
        code = int(opts.get("code", 0))
        h = struct.pack("!BBHHH", ty, code, 0, int(opts.get("ident", 0x4242)), 1) + payload
        c = csum((pseudo(len(h)) if proto == 58 else b"") + h)
        return h[:2] + struct.pack("!H", c) + h[4:]
    return payload


PROTOS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}


def build_frame(kind, env, opts):
    """One Ethernet frame and the marker bytes to recognise it by at the receiver.

    Options (all optional): smac dmac sip dip (default: the env set by the caller), vlan=VID,
    proto=tcp|udp|icmp|icmpv6|N, sport dport flags(TCP: SAFRP..) doff(TCP) payload=LEN, tos,
    ident (IPv4 id / IPv6 flow label, made unique by default), ttl,
    IPv4: ihl=N (header length field; options are NOPs) ver=N tlen=N (total length field)
          frag=first|later (MF with offset 0 / offset 64 bytes)
    IPv6: frag=first|later (fragment header), ext=N (N destination-options headers first),
          plen=N (payload length field)
    trunc=N: cut the frame N bytes after the start of the IP header (the marker becomes those
    bytes); pad=N: N zero bytes after the IP packet (Ethernet padding, not in the marker);
    ethertype=0xNNNN for kind raw (then payload=LEN bytes follow).
    """
    smac = mac_bytes(opts.get("smac", env["smac"]))
    dmac = mac_bytes(opts.get("dmac", env["dmac"]))
    env["seq"] = env.get("seq", 0) + 1
    ident = int(opts.get("ident", 0x5000 + env["seq"]))
    tag = b"VFLOW-%06d-" % env["seq"]
    payload = (tag * 64)[:int(opts.get("payload", 32))] if "payload" in opts else tag + b"x" * 19
    proto = opts.get("proto", "udp")
    proto = PROTOS.get(proto, None) if not proto.isdigit() else int(proto)
    if proto is None:
        raise AgentError("bad proto")
    sport = int(opts.get("sport", 40000))
    dport = int(opts.get("dport", 5000))
    tos = int(opts.get("tos", 0))
    if kind == "raw":
        etype = int(opts.get("ethertype", "0x88b5"), 0)
        l3 = payload
    elif kind == "ipv4":
        etype = ETH_P_IP
        sip = socket.inet_aton(opts.get("sip", env["sip"]))
        dip = socket.inet_aton(opts.get("dip", env["dip"]))
        frag = opts.get("frag", "none")

        def pseudo(ln):
            return sip + dip + struct.pack("!BBH", 0, proto, ln)
        l4 = payload if frag == "later" else l4_header(proto, sport, dport, payload, opts, pseudo)
        ihl = int(opts.get("ihl", 5))
        optlen = max(0, (ihl - 5) * 4)
        ver = int(opts.get("ver", 4))
        tlen = int(opts.get("tlen", 20 + optlen + len(l4)))
        fo = {"none": 0, "first": 0x2000, "later": 8}[frag]
        h = struct.pack("!BBHHHBBH4s4s", (ver << 4) | (ihl & 0xF), tos, tlen, ident, fo,
                        int(opts.get("ttl", 64)), proto, 0, sip, dip) + b"\x01" * optlen
        h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        l3 = h + l4
    elif kind == "ipv6":
        etype = ETH_P_IPV6
        sip = socket.inet_pton(socket.AF_INET6, opts.get("sip", env["sip6"]))
        dip = socket.inet_pton(socket.AF_INET6, opts.get("dip", env["dip6"]))
        frag = opts.get("frag", "none")

        def pseudo(ln):
            return sip + dip + struct.pack("!IxxxB", ln, proto)
        l4 = payload if frag == "later" else l4_header(proto, sport, dport, payload, opts, pseudo)
        nexthdr = proto
        if frag != "none":
            off = 0 if frag == "first" else 8
            more = 1 if frag == "first" else 0
            l4 = struct.pack("!BBHI", nexthdr, 0, (off << 3) | more, ident) + l4
            nexthdr = 44
        for _ in range(int(opts.get("ext", 0))):
            # destination options: next header, length 0 (8 bytes), PadN of 4
            l4 = struct.pack("!BB", nexthdr, 0) + b"\x01\x04\0\0\0\0" + l4
            nexthdr = 60
        plen = int(opts.get("plen", len(l4)))
        ver = int(opts.get("ver", 6))
        first = (ver << 28) | (tos << 20) | (ident & 0xFFFFF)
        l3 = struct.pack("!IHBB", first, plen, nexthdr, int(opts.get("ttl", 64))) + sip + dip + l4
    else:
        raise AgentError(f"unknown frame kind {kind}")
    if "trunc" in opts:
        l3 = l3[:int(opts["trunc"])]
    marker = l3
    if "pad" in opts:
        l3 += b"\0" * int(opts["pad"])
    eth = dmac + smac
    if "vlan" in opts:
        eth += struct.pack("!HH", ETH_P_8021Q, int(opts["vlan"]) & 0xFFF)
    frame = eth + struct.pack("!H", etype) + l3
    # The marker: the whole IP part (unique through ident and the payload tag); short frames
    # are recognised by their full contents.
    marker = marker if len(marker) >= 8 else frame
    return frame, marker


# ---------------------------------------------------------------- the agent

class Agent:
    def __init__(self, args):
        self.ns = Netns(args.home)
        self.vflowctl = args.vflowctl
        self.env = {"smac": "02:00:00:00:00:01", "dmac": "02:00:00:00:00:02",
                    "sip": "10.0.0.1", "dip": "10.0.0.2", "sip6": "fd00::1", "dip6": "fd00::2"}
        self.receivers = {}        # (ns, ip, port) -> UDP socket
        self.listeners = {}        # (ns, ip, port) -> TCP listening socket
        self.conns = {}            # name -> (client, server)
        self.sniffers = {}         # name -> (socket, captured frames)
        self.snaps = {}
        self.flows = []
        self.portmap = {}          # ifname -> port id
        self.lastout = ""
        self.probe = 0

    # ---- helpers
    def sock_in(self, ns, fam, typ, proto=0):
        return self.ns.call(ns, socket.socket, fam, typ, proto)

    def vfc(self, *args):
        p = subprocess.run([self.vflowctl, *args], capture_output=True, text=True, timeout=120)
        self.lastout = (p.stdout + p.stderr).strip()
        return p.returncode, p.stdout, p.stderr

    def vfc_json(self, *args):
        rc, out, err = self.vfc("-j", *args)
        if rc != 0:
            raise AgentError(f"vflowctl -j {' '.join(args)}: exit {rc}: {err.strip()[:300]}")
        try:
            return json.loads(out or "[]")
        except ValueError as e:
            raise AgentError(f"vflowctl -j {' '.join(args)}: bad JSON: {out[:200]!r}") from e

    def receiver(self, ns, ip, port):
        key = (ns, ip, port)
        if key not in self.receivers:
            s = self.sock_in(ns, family_of(ip), socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(sockaddr(ip, port))
            s.setblocking(False)
            self.receivers[key] = s
        return self.receivers[key]

    def listener(self, ns, ip, port):
        key = (ns, ip, port)
        if key not in self.listeners:
            s = self.sock_in(ns, family_of(ip), socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(sockaddr(ip, port))
            s.listen(64)
            s.setblocking(False)
            self.listeners[key] = s
        return self.listeners[key]

    @staticmethod
    def opts(words):
        pos, kv = [], {}
        for w in words:
            if "=" in w:
                k, v = w.split("=", 1)
                kv[k] = v
            else:
                pos.append(w)
        return pos, kv

    @staticmethod
    def set_tos(s, ip, tos):
        if tos is None:
            return
        if ":" in ip:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, int(tos))
        else:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, int(tos))

    # ---- commands
    def c_hello(self, _):
        return "agent"

    def c_sysctl(self, a):
        """sysctl NS name=value...: write /proc/sys entries inside NS (net.* are per netns)."""
        def write():
            for kv in a[1:]:
                k, v = kv.split("=", 1)
                with open("/proc/sys/" + k.replace(".", "/"), "w") as f:
                    f.write(v)
        self.ns.call(a[0], write)
        return ""

    def c_sleep(self, a):
        time.sleep(float(a[0]))
        return ""

    def c_env(self, a):
        _, kv = self.opts(a)
        self.env.update(kv)
        return ""

    def c_udp(self, a):
        pos, kv = self.opts(a)
        nsa, sip, nsb, dip, pairs = pos[:5]
        timeout = float(pos[5]) if len(pos) > 5 else 1.0
        n = int(kv.get("n", 1))
        self.probe += 1
        pairs = [tuple(int(x) for x in p.split(":")) for p in pairs.split(",")]
        got = [0] * len(pairs)
        senders = []
        try:
            for i, (sp, dp) in enumerate(pairs):
                r = self.receiver(nsb, dip, dp)
                while True:         # drop anything left over from earlier commands
                    try:
                        r.recv(65535)
                    except BlockingIOError:
                        break
                s = self.sock_in(nsa, family_of(sip), socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(sockaddr(sip, sp))
                self.set_tos(s, sip, kv.get("tos"))
                senders.append(s)
            for i, (sp, dp) in enumerate(pairs):
                for k in range(n):
                    msg = f"P{self.probe}:{i}:{k}".encode()
                    try:
                        senders[i].sendto(msg, sockaddr(dip, dp))
                    except OSError:
                        pass
            want = n * len(pairs)
            rset = {self.receivers[(nsb, dip, dp)] for _, dp in pairs}
            deadline = time.monotonic() + timeout
            while sum(got) < want:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                rd, _, _ = select.select(list(rset), [], [], left)
                for r in rd:
                    while True:
                        try:
                            data = r.recv(65535)
                        except BlockingIOError:
                            break
                        parts = data.decode(errors="replace").split(":")
                        if len(parts) == 3 and parts[0] == f"P{self.probe}":
                            got[int(parts[1])] += 1
        finally:
            for s in senders:
                s.close()
        return "".join(str(min(g, 9)) for g in got)

    def c_udprr(self, a):
        pos, kv = self.opts(a)
        nsa, sip, sport, nsb, dip, dport, n = pos[:7]
        sport, dport, n = int(sport), int(dport), int(n)
        timeout = float(pos[7]) if len(pos) > 7 else 2.0
        self.probe += 1
        srv = self.receiver(nsb, dip, dport)
        cli = self.sock_in(nsa, family_of(sip), socket.SOCK_DGRAM)
        try:
            cli.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            cli.bind(sockaddr(sip, sport))
            cli.setblocking(False)
            self.set_tos(cli, sip, kv.get("tos"))
            req = ans = 0
            for k in range(n):
                cli.sendto(f"R{self.probe}:{k}".encode(), sockaddr(dip, dport))
                deadline = time.monotonic() + timeout
                got_req = got_ans = False
                while not got_ans and time.monotonic() < deadline:
                    rd, _, _ = select.select([srv, cli], [], [], max(0, deadline - time.monotonic()))
                    if srv in rd:
                        while True:
                            try:
                                data, peer = srv.recvfrom(65535)
                            except BlockingIOError:
                                break
                            if data == f"R{self.probe}:{k}".encode():
                                got_req = True
                                srv.sendto(b"A" + data, peer)
                    if cli in rd:
                        while True:
                            try:
                                data = cli.recv(65535)
                            except BlockingIOError:
                                break
                            if data == f"AR{self.probe}:{k}".encode():
                                got_ans = True
                req += got_req
                ans += got_ans
                if not got_req:
                    timeout = min(timeout, 0.5)   # a blocked path: do not wait long again
        finally:
            cli.close()
        return f"{req} {ans}"

    def c_tcp(self, a):
        pos, _ = self.opts(a)
        nsa, sip, nsb, dip, pairs = pos[:5]
        timeout = float(pos[5]) if len(pos) > 5 else 2.0
        pairs = [tuple(int(x) for x in p.split(":")) for p in pairs.split(",")]
        socks = []
        for sp, dp in pairs:
            lst = self.listener(nsb, dip, dp)
            s = self.sock_in(nsa, family_of(sip), socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(sockaddr(sip, sp))
            s.setblocking(False)
            try:
                s.connect(sockaddr(dip, dp))
            except BlockingIOError:
                pass
            except OSError:
                pass
            socks.append((s, lst))
        res = [None] * len(socks)
        deadline = time.monotonic() + timeout
        while any(r is None for r in res):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            pend = [s for (s, _), r in zip(socks, res) if r is None]
            _, wr, _ = select.select([], pend, [], left)
            for i, (s, _) in enumerate(socks):
                if res[i] is None and s in wr:
                    res[i] = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
        for s, lst in socks:
            s.close()
        for lst in {id(x[1]): x[1] for x in socks}.values():
            while True:
                try:
                    c, _ = lst.accept()
                    c.close()
                except (BlockingIOError, OSError):
                    break
        return "".join("1" if r else "0" for r in res)

    def c_tconn(self, a):
        pos, kv = self.opts(a)
        name, nsa, sip, nsb, dip, dport = pos[:6]
        timeout = float(pos[6]) if len(pos) > 6 else 3.0
        lst = self.listener(nsb, dip, int(dport))
        c = self.sock_in(nsa, family_of(sip), socket.SOCK_STREAM)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        c.bind(sockaddr(sip, int(kv.get("sport", 0))))
        c.settimeout(timeout)
        try:
            c.connect(sockaddr(dip, int(dport)))
        except (socket.timeout, OSError) as e:
            c.close()
            return f"failed {errno.errorcode.get(getattr(e, 'errno', 0) or 0, 'timeout')}"
        rd, _, _ = select.select([lst], [], [], timeout)
        if not rd:
            c.close()
            return "failed noaccept"
        srv, _ = lst.accept()
        srv.setblocking(False)
        c.setblocking(False)
        self.conns[name] = (c, srv)
        return "connected"

    def c_txfer(self, a):
        name, d, nbytes = a[:3]
        timeout = float(a[3]) if len(a) > 3 else 2.0
        if name not in self.conns:
            raise AgentError(f"no connection {name}")
        c, s = self.conns[name]
        tx, rx = (c, s) if d == "c2s" else (s, c)
        data = b"z" * int(nbytes)
        sent = 0
        got = 0
        deadline = time.monotonic() + timeout
        while got < len(data) and time.monotonic() < deadline:
            wl = [tx] if sent < len(data) else []
            rd, wr, _ = select.select([rx], wl, [], max(0, deadline - time.monotonic()))
            if wr:
                try:
                    sent += tx.send(data[sent:])
                except (BlockingIOError, OSError):
                    pass
            if rd:
                try:
                    chunk = rx.recv(65536)
                except (BlockingIOError, OSError):
                    chunk = b""
                if not chunk:
                    break
                got += len(chunk)
        return str(got)

    def c_tclose(self, a):
        name = a[0]
        if name not in self.conns:
            raise AgentError(f"no connection {name}")
        c, s = self.conns.pop(name)
        if len(a) > 1 and a[1] == "rst":
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        c.close()
        time.sleep(0.2)
        s.close()
        return ""

    def c_ping(self, a):
        pos, kv = self.opts(a)
        ns, sip, dip, n = pos[:4]
        timeout = float(pos[4]) if len(pos) > 4 else 2.0
        v6 = ":" in dip
        ident = int(kv.get("ident", 0x7000 + (self.probe % 4096)))
        self.probe += 1
        if v6:
            s = self.sock_in(ns, socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        else:
            s = self.sock_in(ns, socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        got = set()
        try:
            s.bind(sockaddr(sip, 0))
            s.setblocking(False)
            for seq in range(int(n)):
                body = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, ident, seq) + b"vflowping"
                if not v6:
                    body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
                s.sendto(body, sockaddr(dip, 0))
                deadline = time.monotonic() + timeout
                while seq not in got and time.monotonic() < deadline:
                    rd, _, _ = select.select([s], [], [], max(0, deadline - time.monotonic()))
                    if not rd:
                        break
                    while True:
                        try:
                            data = s.recv(65535)
                        except BlockingIOError:
                            break
                        if not v6:
                            data = data[(data[0] & 0xF) * 4:]
                        if len(data) < 8:
                            continue
                        ty, _, _, rid, rseq = struct.unpack("!BBHHH", data[:8])
                        if ty == (129 if v6 else 0) and rid == ident:
                            got.add(rseq)
                if seq not in got:
                    timeout = min(timeout, 0.5)
        finally:
            s.close()
        return str(len(got))

    def c_sniff(self, a):
        name, ns = a[0], a[1]
        ifname = a[2] if len(a) > 2 else "eth0"

        def mk():
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            s.bind((ifname, ETH_P_ALL))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
            return s
        if name in self.sniffers:
            self.sniffers[name][0].close()
        s = self.ns.call(ns, mk)
        s.setblocking(False)
        self.sniffers[name] = (s, [])
        return ""

    def c_send(self, a):
        pos, kv = self.opts(a)
        ns, kind = pos[0], pos[1]
        ifname = kv.pop("if", "eth0")
        frame, marker = build_frame(kind, self.env, kv)

        def mk():
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            s.bind((ifname, 0))
            return s
        s = self.ns.call(ns, mk)
        try:
            s.send(frame)
        except OSError as e:
            raise AgentError(f"send {len(frame)} bytes: {e.strerror}") from e
        finally:
            s.close()
        return marker.hex()

    def _drain(self, name):
        s, frames = self.sniffers[name]
        while True:
            try:
                data, addr = s.recvfrom(65535)
            except BlockingIOError:
                break
            # only what arrives: not the namespace's own frames (an ICMP error quoting a
            # received packet would count it twice)
            if len(addr) > 2 and addr[2] == socket.PACKET_OUTGOING:
                continue
            frames.append(data)
        return frames

    def c_seen(self, a):
        pos, kv = self.opts(a)
        name, marker = pos[0], bytes.fromhex(pos[1])
        timeout = float(pos[2]) if len(pos) > 2 else 1.0
        want = int(kv.get("want", 1))
        if name not in self.sniffers:
            raise AgentError(f"no sniffer {name}")
        deadline = time.monotonic() + timeout
        while True:
            n = sum(1 for f in self._drain(name) if marker in f)
            if n >= want or time.monotonic() >= deadline:
                return str(n)
            select.select([self.sniffers[name][0]], [], [], max(0, deadline - time.monotonic()))

    # ---- vflowctl views
    @staticmethod
    def flatten(obj):
        out = {}
        for k, v in obj.items():
            k = k.replace("-", "_")
            if isinstance(v, dict):
                for kk, vv in v.items():
                    out[kk.replace("-", "_")] = vv
            else:
                out[k] = v
        return out

    def vfc_batch_json(self, lines):
        """Run vflowctl -b - over LINES (each with its own -j); the JSON documents printed, in
        order (commands that print nothing give none)."""
        p = subprocess.run([self.vflowctl, "-b", "-"], input="\n".join(lines) + "\n",
                           capture_output=True, text=True, timeout=300)
        self.lastout = (p.stdout + p.stderr).strip()
        if p.returncode != 0:
            raise AgentError(f"vflowctl -b: exit {p.returncode}: {p.stderr.strip()[:400]}")
        docs, dec, i, out = [], json.JSONDecoder(), 0, p.stdout
        while True:
            while i < len(out) and out[i].isspace():
                i += 1
            if i >= len(out):
                return docs
            try:
                doc, i = dec.raw_decode(out, i)
            except ValueError as e:
                raise AgentError(f"vflowctl -b: bad JSON at {i}: {out[i:i + 100]!r}") from e
            docs.append(doc)

    SNAP_CMD = {"port": ("-j -s port show dev {0}", 1), "switch": ("-j -s switch show {0}", 1),
                "rule": ("-j -s rule show {0} id {1}", 2), "layer": ("-j layer show {0} {1}", 2)}

    def c_snap(self, a):
        """snap KEY KIND ARGS [, KEY KIND ARGS ...]: one vflowctl run for all of them."""
        specs, cur = [], []
        for w in a + [","]:
            if w == ",":
                if cur:
                    specs.append(cur)
                cur = []
            else:
                cur.append(w)
        lines = []
        for sp in specs:
            if len(sp) < 2 or sp[1] not in self.SNAP_CMD:
                raise AgentError(f"snap: bad spec {' '.join(sp)}")
            fmt, n = self.SNAP_CMD[sp[1]]
            if len(sp) != 2 + n:
                raise AgentError(f"snap: {sp[1]} needs {n} argument(s)")
            lines.append(fmt.format(*sp[2:]))
        docs = self.vfc_batch_json(lines)
        if len(docs) != len(specs):
            raise AgentError(f"snap: {len(docs)} outputs for {len(specs)} queries")
        for sp, js in zip(specs, docs):
            if not js:
                raise AgentError(f"snap {' '.join(sp[1:])}: empty output")
            self.snaps[sp[0]] = self.flatten(js[0])
        return ""

    def _val(self, key, field):
        if key not in self.snaps:
            raise AgentError(f"no snapshot {key}")
        v = self.snaps[key].get(field)
        return v

    def c_get(self, a):
        v = self._val(a[0], a[1])
        return "null" if v is None else (json.dumps(v) if not isinstance(v, str) else v)

    def c_delta(self, a):
        x, y = self._val(a[0], a[2]), self._val(a[1], a[2])
        if not isinstance(x, int) or not isinstance(y, int):
            raise AgentError(f"{a[2]}: not numbers: {x!r} {y!r}")
        return str(y - x)

    def refresh_ports(self):
        self.portmap = {}
        for p in self.vfc_json("port", "show"):
            if "ifname" in p and "id" in p:
                self.portmap[p["ifname"]] = p["id"]

    def c_flows(self, a):
        args = ["flow", "show", a[0]] + (["port", a[1]] if len(a) > 1 else [])
        js = self.vfc_json(*args)
        self.flows = [self.flatten(f) for f in js]
        if not self.portmap:
            self.refresh_ports()
        return str(len(self.flows))

    def _norm(self, field, v):
        if v is None:
            return "false" if field == "reply" else "0"
        if isinstance(v, bool):
            return "true" if v else "false"
        if field in ("src_ip", "dst_ip"):
            return norm_ip(v)
        if field == "ip_proto" and isinstance(v, str):
            return str(PROTOS.get(v.lower(), v))
        if field == "ethertype":
            names = {"ipv4": 0x800, "ipv6": 0x86DD, "arp": 0x806}
            if isinstance(v, str):
                v = names.get(v.lower(), int(v, 0) if v[:2] == "0x" or v.isdigit() else v)
            return str(v)
        if field in ("in_port", "out_port"):
            if isinstance(v, int):
                return str(v)
            return str(self.portmap.get(v, v))
        if field in ("src_mac", "dst_mac") and isinstance(v, str):
            return v.lower()
        if isinstance(v, str):
            return v.lower()
        return str(v)

    def _fmatch(self, f, filters):
        for flt in filters:
            if "!=" in flt:
                k, v = flt.split("!=", 1)
                neg = True
            else:
                k, v = flt.split("=", 1)
                neg = False
            k = k.replace("-", "_")
            want = self._norm(k, int(v) if v.isdigit() else v)
            have = self._norm(k, f.get(k))
            if (have == want) == neg:
                return False
        return True

    def c_fcount(self, a):
        sel = [f for f in self.flows if self._fmatch(f, a)]
        pk = sum(int(f.get("packets") or 0) for f in sel)
        by = sum(int(f.get("bytes") or 0) for f in sel)
        return f"{len(sel)} {pk} {by}"

    def c_fshow(self, _):
        keys = ("in_port", "out_port", "reply", "verdict", "layer", "rule_id", "ip_proto",
                "src_ip", "src_port", "dst_ip", "dst_port", "packets", "tcp_state", "idle_ms")
        return " | ".join(",".join(f"{k}={f.get(k)}" for k in keys if k in f)
                          for f in self.flows) or "(no flows)"

    def c_wflows(self, a):
        sw, op, n, timeout = a[0], a[1], int(a[2]), float(a[3])
        filters = a[4:]
        start = time.monotonic()
        while True:
            self.c_flows([sw])
            cnt = int(self.c_fcount(filters).split()[0])
            ok = {"eq": cnt == n, "le": cnt <= n, "ge": cnt >= n}[op]
            waited = time.monotonic() - start
            if ok:
                return f"{cnt} {waited:.1f}"
            if waited >= timeout:
                raise AgentError(f"timeout after {waited:.1f} s: {cnt} flows "
                                 f"({self.c_fshow([])[:600]})")
            time.sleep(0.5)

    @staticmethod
    def explain_args(a):
        dev, d, proto, src, sport, dst, dport = a[:7]

        def ep(ip, port):
            if port == "-":
                return ip
            return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
        return ["explain", "port", dev, d, proto, ep(src, sport), "->", ep(dst, dport), *a[7:]]

    @staticmethod
    def explain_text(js):
        if isinstance(js, list):
            js = js[0] if js else {}
        js = {k.replace("-", "_"): v for k, v in js.items()}
        steps = []
        for st in js.get("step", js.get("steps", [])) or []:
            st = {k.replace("-", "_"): v for k, v in st.items()}
            steps.append(f"{st.get('layer')}:{st.get('rule_id', 0)}:{st.get('verdict')}")
        return f"{js.get('verdict')} {','.join(steps) or '-'} {js.get('out_port', '-')}"

    def c_explain(self, a):
        return self.explain_text(self.vfc_json(*self.explain_args(a)[0:]))

    def c_explains(self, a):
        """explains SPEC ;; SPEC ...: several explains in one vflowctl run, results joined by
        " | " in order."""
        specs, cur = [], []
        for w in a + [";;"]:
            if w == ";;":
                if cur:
                    specs.append(cur)
                cur = []
            else:
                cur.append(w)
        lines = ["-j " + " ".join(shlex.quote(x) for x in self.explain_args(sp)) for sp in specs]
        docs = self.vfc_batch_json(lines)
        if len(docs) != len(specs):
            raise AgentError(f"explains: {len(docs)} outputs for {len(specs)} queries")
        return " | ".join(self.explain_text(d) for d in docs)

    def c_vfc(self, a):
        rc, _, _ = self.vfc(*a)
        return str(rc)

    def c_lastout(self, _):
        return self.lastout.replace("\n", " \\n ")[:3000]

    def c_mem(self, a):
        if a and a[0] == "drain":
            base = "/sys/kernel/slab"
            for _ in range(2):
                try:
                    names = os.listdir(base)
                except OSError:
                    names = []
                for c in names:
                    try:
                        with open(f"{base}/{c}/shrink", "w") as f:
                            f.write("1")
                    except OSError:
                        pass
                time.sleep(0.5)
        out = {}
        with open("/proc/meminfo") as f:
            for line in f:
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])
        keys = ("MemFree", "MemAvailable", "Slab", "SReclaimable", "SUnreclaim", "KernelStack",
                "PageTables", "VmallocUsed", "Percpu")
        return " ".join(f"{k}={out.get(k, 0)}" for k in keys)

    def dispatch(self, line):
        words = shlex.split(line)
        if not words:
            return "ERR empty command"
        fn = getattr(self, "c_" + words[0], None)
        if fn is None:
            return f"ERR unknown command {words[0]}"
        try:
            res = fn(words[1:])
        except AgentError as e:
            return f"ERR {e}"
        except (OSError, ValueError, IndexError, KeyError, subprocess.SubprocessError) as e:
            return f"ERR {words[0]}: {type(e).__name__}: {e}"
        return f"OK {res}".rstrip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--home", help="network namespace to live in (where vflowctl runs)")
    ap.add_argument("--vflowctl", default=os.environ.get("VFLOWCTL", "vflowctl"))
    args = ap.parse_args()
    try:
        agent = Agent(args)
    except AgentError as e:
        print(f"ERR {e}", flush=True)
        return 1
    for line in sys.stdin:
        line = line.strip()
        if line == "quit":
            break
        reply = agent.dispatch(line).replace("\n", " ")
        sys.stdout.write(reply + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
