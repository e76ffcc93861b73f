#!/usr/bin/python3
"""TACACS+ test client built on Debian's python3-scapy (scapy.contrib.tacacs): capwatch did not write this codec.

Reads one JSON object on stdin:
  {"host": "127.0.0.1", "port": 4949, "key": "...", "timeout": 5, "source": "127.0.0.2" (optional),
   "steps": [{"send": PACKET, "split": [n, ...], "pause": 0.2}, {"recv": true}, ...]}
PACKET: {"kind": "acct" | "authen" | "raw", "session_id": int, "seq": 1, "flags": 0 (header), "version": 0xC0,
         "key": override, "type": override,
         acct: "acct_flags", "user", "port", "rem_addr", "priv_lvl", "args": [...];
         authen: "user", "port", "rem_addr", "data"; raw: "hex" (sent as is)}
"split" sends the packet in pieces cut at those byte offsets, pausing between them.
Prints one JSON object: {"replies": [...], "closed": bool}; each reply has type, seq, flags, session_id, length and,
when it decodes, status and server_msg (a reply obfuscated with another key decodes to nonsense).
"""
import json
import socket
import struct
import sys
import time

from scapy.contrib import tacacs as T


def body_of(p, key):
    kind = p.get("kind", "acct")
    if kind == "acct":
        args = [a.encode() for a in p.get("args", [])]
        req = T.TacacsAccountingRequest(
            flags=p.get("acct_flags", 0x04), authen_method=6, priv_lvl=p.get("priv_lvl", 15), authen_type=1,
            authen_service=1, user=p.get("user", "admin"), port=p.get("port", "tty2"),
            rem_addr=p.get("rem_addr", "192.0.2.10"), arg_cnt=len(args), arg_len_list=[len(a) for a in args])
        return 3, bytes(req) + b"".join(args)
    if kind == "authen":
        start = T.TacacsAuthenticationStart(
            action=1, priv_lvl=1, authen_type=2, authen_service=1, user=p.get("user", "admin"),
            port=p.get("port", "tty2"), rem_addr=p.get("rem_addr", "192.0.2.10"), data=p.get("data", "secretpw"))
        return 1, bytes(start)
    raise ValueError(kind)


def packet(p, key):
    if p.get("kind") == "raw":
        return bytes.fromhex(p["hex"])
    ptype, body = body_of(p, key)
    ptype = p.get("type", ptype)
    version = p.get("version", 0xC1 if p.get("kind") == "authen" else 0xC0)
    seq = p.get("seq", 1)
    flags = p.get("flags", 0)
    sid = p["session_id"]
    if not flags & 0x01:
        body = T.obfuscate(body, p.get("key", key), sid, version, seq)
    return struct.pack("!BBBBII", version, ptype, seq, flags, sid, len(body)) + body


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def reply(sock, key):
    head = recv_exact(sock, 12)
    if head is None:
        return None
    version, ptype, seq, flags, sid, length = struct.unpack("!BBBBII", head)
    body = recv_exact(sock, length) if length else b""
    if body is None:
        return None
    r = {"type": ptype, "seq": seq, "flags": flags, "session_id": sid, "length": length, "version": version}
    if length == 0:
        return r
    plain = body if flags & 0x01 else T.obfuscate(body, key, sid, version, seq)
    cls = {1: T.TacacsAuthenticationReply, 2: T.TacacsAuthorizationReply, 3: T.TacacsAccountingReply}.get(ptype)
    if cls is not None:
        d = cls(plain)
        msg = bytes(d.server_msg)
        # A well-formed reply's lengths add up; a reply sealed with another key does not.
        r["decodes"] = d.server_msg_len == len(msg) and len(plain) == (6 if ptype != 3 else 5) + d.server_msg_len + d.data_len
        r["status"] = d.status
        r["server_msg"] = msg.decode("latin1")
    return r


def main():
    spec = json.load(sys.stdin)
    key = spec["key"]
    out = {"replies": [], "closed": False}
    source = (spec["source"], 0) if spec.get("source") else None
    try:
        sock = socket.create_connection((spec["host"], spec["port"]), timeout=spec.get("timeout", 5), source_address=source)
    except OSError as e:
        print(json.dumps({"replies": [], "closed": True, "connect_error": str(e)}))
        return
    try:
        for step in spec["steps"]:
            if "send" in step:
                data = packet(step["send"], key)
                cuts = [0] + list(step.get("split", [])) + [len(data)]
                for a, b in zip(cuts, cuts[1:]):
                    sock.sendall(data[a:b])
                    if b < len(data):
                        time.sleep(step.get("pause", 0.2))
            elif step.get("recv"):
                try:
                    r = reply(sock, key)
                except socket.timeout:
                    out["timeout"] = True
                    break
                except ConnectionResetError:
                    r = None
                if r is None:
                    out["closed"] = True
                    break
                out["replies"].append(r)
            elif step.get("expect_close"):
                try:
                    out["closed"] = sock.recv(1) == b""
                except socket.timeout:
                    out["timeout"] = True
                except ConnectionResetError:
                    out["closed"] = True
    finally:
        sock.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
