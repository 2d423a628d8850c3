#!/usr/bin/env python3
"""A Project API client that behaves like TVM's Python client, driving utvm's C++ servers.

Written from ../shared/spec/project-api.md (sections 1-4), Python 3 standard library only, no TVM
code: it locates the server the way client.py's instantiate_from_dir does, spawns it with the two
pipe fds only and cwd = the directory, numbers requests from 1, writes each JSON body and its
newline as two writes, reads replies with universal newlines, checks jsonrpc / id / error / result
in that order and re-raises -32000 errors by their message the way server.py's JSONRPCError does.

With it, the test walks the sequence TVM itself sends (spec 3.12) against utvm's built-in `host`
template: server_info_query -> generate_project -> server_info_query on the new project -> build ->
flash -> open_transport -> write_transport / read_transport carrying utvm's link protocol, framed
here in Python from docs/link-protocol.md alone -> close_transport -> pipes closed -> the server
exits 0. The model's outputs must equal the reference output shipped beside the example MLF.

Then TVM's own session against a utvm project: the RPC session start tvm.micro.Session writes
first (framed here from the facts of TVM's microtvm_rpc_common framing) must be refused within
seconds with a message naming `utvm run`, and a client killed in the middle of a blocking
read_transport must take the server and its device program down with it.

Usage: tvm_style_client_test.py BUILD_DIR
"""

import ast
import base64
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import zipfile

BUILD_DIR = None  # set from argv


# ---- the client, as TVM's client.py behaves (spec 1-4) ------------------------------------------


class ServerError(Exception):
    pass


class IoTimeoutError(ServerError):
    pass


class TransportClosedError(ServerError):
    pass


class JSONRPCError(Exception):
    def __init__(self, code, message, data):
        super().__init__(f"JSON-RPC error # {code}: {message}")
        self.code, self.message, self.data = code, message, data


class MalformedReplyError(Exception):
    pass


class Client:
    def __init__(self, directory):
        launch = os.path.join(directory, "launch_microtvm_api_server.sh")
        script = os.path.join(directory, "microtvm_api_server.py")
        if os.path.isfile(launch):
            argv = [launch, script]
        elif os.path.isfile(script):
            argv = [sys.executable, script]
        else:
            raise FileNotFoundError(f"No Project API server found in project directory: {directory}")
        server_read, client_write = os.pipe()
        client_read, server_write = os.pipe()
        argv += ["--read-fd", str(server_read), "--write-fd", str(server_write)]
        self.proc = subprocess.Popen(argv, cwd=directory, pass_fds=(server_read, server_write))
        os.close(server_read)
        os.close(server_write)
        self.writer = io.TextIOWrapper(
            os.fdopen(client_write, "wb", buffering=0), encoding="UTF-8", write_through=True
        )
        self.reader = io.TextIOWrapper(
            os.fdopen(client_read, "rb", buffering=0), encoding="UTF-8", newline=None
        )
        self.next_id = 1

    def call(self, method, params):
        request = {"jsonrpc": "2.0", "method": method, "params": params, "id": self.next_id}
        self.next_id += 1
        self.writer.write(json.dumps(request))
        self.writer.write("\n")
        line = self.reader.readline()
        if not line:
            raise ConnectionError("got EOF reading reply from API server")
        reply = json.loads(line)
        if reply.get("jsonrpc") != "2.0":
            raise MalformedReplyError(f"Server reply should include 'jsonrpc': '2.0'; saw {reply!r}")
        if reply.get("id") != request["id"]:
            raise MalformedReplyError(f"Reply id ({reply.get('id')}) does not equal request id ({request['id']}")
        if "error" in reply:
            err = reply["error"]
            assert set(err) == {"code", "message", "data"}, err
            if err["code"] == -32000:
                kind = {"IoTimeoutError": IoTimeoutError, "TransportClosedError": TransportClosedError}
                raise kind.get(err["message"], ServerError)(err["message"])
            assert err["code"] in (-32700, -32600, -32601, -32602, -32603), err
            raise JSONRPCError(err["code"], err["message"], err["data"])
        if "result" not in reply:
            raise MalformedReplyError(f"Expected 'result' key in server reply, got {reply!r}")
        return reply["result"]

    def server_info_query(self):
        info = self.call("server_info_query", {"tvm_version": "0.16.0"})
        if info["protocol_version"] != 1:
            raise RuntimeError(f"microTVM API Server supports protocol version {info['protocol_version']}; want 1")
        return info

    def read_transport(self, n, timeout_sec):
        result = self.call("read_transport", {"n": n, "timeout_sec": timeout_sec})
        return base64.b85decode(result["data"])

    def write_transport(self, data, timeout_sec):
        self.call("write_transport", {"data": base64.b85encode(data).decode("ascii"), "timeout_sec": timeout_sec})

    def shutdown(self):
        self.writer.close()
        self.reader.close()
        return self.proc.wait(timeout=30)


# ---- utvm's link protocol, from docs/link-protocol.md ---------------------------------------------


def crc16(data):
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def frame(seq, kind, payload):
    header = struct.pack("<BBH", seq, kind, len(payload))
    body = header + bytes([crc16(header) & 0xFF]) + payload
    return b"\xa5" + body + struct.pack("<H", crc16(body))


class Link:
    def __init__(self, client):
        self.client, self.seq = client, 0

    def read_exactly(self, n):
        out = b""
        while len(out) < n:
            out += self.client.read_transport(n - len(out), 5.0)
        return out

    def request(self, kind, payload):
        self.seq = (self.seq + 1) & 0xFF
        self.client.write_transport(frame(self.seq, kind, payload), 5.0)
        header = self.read_exactly(6)
        sync, seq, answer, length, hchk = struct.unpack("<BBBHB", header)
        assert sync == 0xA5 and seq == self.seq, header
        assert hchk == crc16(header[1:5]) & 0xFF, "header check"
        rest = self.read_exactly(length + 2)
        payload, (crc,) = rest[:length], struct.unpack("<H", rest[length:])
        assert crc == crc16(header[1:] + payload), "frame CRC"
        assert answer == kind | 0x80, f"answer type {answer:#x} to request {kind:#x}: {payload!r}"
        return payload


def dtype_name(code, bits):
    return {0: "int", 1: "uint", 2: "float"}[code] + str(bits)


def read_npz(path):
    arrays = {}
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            raw = z.read(name)
            assert raw[:6] == b"\x93NUMPY", name
            if raw[6] == 1:
                (hlen,), start = struct.unpack("<H", raw[8:10]), 10
            else:
                (hlen,), start = struct.unpack("<I", raw[8:12]), 12
            header = ast.literal_eval(raw[start : start + hlen].decode("latin1"))
            arrays[name[:-4] if name.endswith(".npy") else name] = (
                header["descr"],
                tuple(header["shape"]),
                raw[start + hlen :],
            )
    return arrays


# ---- the test ------------------------------------------------------------------------------------


class TvmStyleClientDrivesHostPlatform(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="utvm-tvm-client-")
        self.clients = []

    def tearDown(self):
        for client in self.clients:  # after a failure: nothing left running
            if client.proc.poll() is None:
                client.proc.kill()
                client.proc.wait()
            client.writer.close()
            client.reader.close()
        shutil.rmtree(self.work, ignore_errors=True)

    def client(self, directory):
        c = Client(directory)
        self.clients.append(c)
        return c

    def test_whole_session(self):
        share = os.path.join(BUILD_DIR, "share", "utvm")
        template = os.path.join(share, "platforms", "host")
        mlf = os.path.join(share, "examples", "example_mlp.tar")
        project = os.path.join(self.work, "project")

        c = self.client(template)
        info = c.server_info_query()
        self.assertEqual(info["platform_name"], "host")
        self.assertTrue(info["is_template"])
        self.assertEqual(info["model_library_format_path"], "")
        for option in info["project_options"]:
            self.assertEqual(
                set(option), {"name", "type", "choices", "default", "required", "optional", "help"}
            )
        with self.assertRaises(JSONRPCError) as caught:
            c.call("no_such_method", {})
        self.assertEqual(str(caught.exception), "JSON-RPC error # -32601: no_such_method: no such method")
        c.call(
            "generate_project",
            {
                "model_library_format_path": mlf,
                "standalone_crt_dir": os.path.join(self.work, "standalone_crt"),
                "project_dir": project,
                "options": {},
            },
        )
        self.assertEqual(c.shutdown(), 0)

        p = self.client(project)
        info = p.server_info_query()
        self.assertFalse(info["is_template"])
        self.assertEqual(info["model_library_format_path"], os.path.join(project, "model.tar"))
        self.assertTrue(os.path.isfile(info["model_library_format_path"]))
        self.assertIsNone(p.call("build", {"options": {"verbose": False}}))
        self.assertIsNone(p.call("flash", {"options": {}}))
        with self.assertRaises(TransportClosedError):
            p.read_transport(1, 0.1)  # not open yet
        timeouts = p.call("open_transport", {"options": {}})["timeouts"]
        self.assertEqual(
            set(timeouts),
            {"session_start_retry_timeout_sec", "session_start_timeout_sec", "session_established_timeout_sec"},
        )
        with self.assertRaises(IoTimeoutError):
            p.read_transport(16, 0.05)  # the device says nothing unasked

        link = Link(p)
        hello = link.request(0x01, b"\x02")
        version, _, max_request, n_in, n_out, _ = struct.unpack("<BBHHHI", hello[:12])
        self.assertEqual(version, 2)
        name_len = hello[12]
        self.assertEqual(hello[13 : 13 + name_len], b"default")
        # After the build id and the session token: the module table (one module here).
        at = 13 + name_len
        at += 1 + hello[at] + 4
        self.assertEqual(hello[at], 1)
        self.assertEqual(hello[at + 2 : at + 2 + hello[at + 1]], b"default")
        self.assertEqual(struct.unpack("<HH", hello[-4:]), (n_in, n_out))
        expected = read_npz(os.path.join(share, "examples", "example_mlp_outputs.npz"))
        given = read_npz(os.path.join(share, "examples", "example_mlp_inputs.npz"))

        for index in range(n_in):
            meta = link.request(0x02, struct.pack("<BH", 0, index))
            code, bits, _, nbytes, ndim = struct.unpack("<BBHIB", meta[:9])
            name = meta[10 + 8 * ndim + 1 :].decode()
            descr, shape, data = given[name]
            self.assertEqual(dtype_name(code, bits), "float32")
            self.assertEqual(descr, "<f4")
            self.assertEqual(shape, struct.unpack(f"<{ndim}q", meta[10 : 10 + 8 * ndim]))
            self.assertEqual(len(data), nbytes)
            chunk = max_request - 6
            for offset in range(0, nbytes, chunk):
                link.request(0x03, struct.pack("<HI", index, offset) + data[offset : offset + chunk])

        ran = link.request(0x04, struct.pack("<I", 3))
        (count,) = struct.unpack("<I", ran[:4])
        self.assertEqual(count, 3)
        error, status = struct.unpack("<Hi", ran[4 + 8 * count : 4 + 8 * count + 6])
        self.assertEqual((error, status), (0, 0))

        for index in range(n_out):
            meta = link.request(0x02, struct.pack("<BH", 1, index))
            code, bits, _, nbytes, ndim = struct.unpack("<BBHIB", meta[:9])
            got = link.request(0x05, struct.pack("<HII", index, 0, nbytes))
            name = meta[10 + 8 * ndim + 1 :].decode()
            descr, shape, want = expected[name]
            self.assertEqual(dtype_name(code, bits), "float32")
            self.assertEqual(shape, struct.unpack(f"<{ndim}q", meta[10 : 10 + 8 * ndim]))
            g = struct.unpack(f"<{nbytes // 4}f", got)
            w = struct.unpack(f"<{nbytes // 4}f", want)
            for a, b in zip(g, w):
                self.assertLessEqual(abs(a - b), 1e-6 + 1e-5 * abs(b), (g, w))

        self.assertIsNone(p.call("close_transport", {}))
        self.assertIsNone(p.call("close_transport", {}))  # a no-op when closed
        with self.assertRaises(TransportClosedError):
            p.read_transport(1, 0.1)
        self.assertEqual(p.shutdown(), 0)


# ---- TVM's RPC session start, framed from TVM's facts (src/runtime/crt/microtvm_rpc_common) -----


def tvm_packet_writes(payload, after_reset):
    """The write_transport calls TVM's Framer makes for one packet: one 0xFE after a reset, then
    0xFF 0xFD, the length (uint32 LE), the payload and the CRC (uint16 LE), 0xFF escaped as 0xFF
    0xFF; the CRC covers the bytes as sent from 0xFF 0xFD to the payload's end."""

    def escaped(field):
        return field.replace(b"\xff", b"\xff\xff")

    writes = [b"\xfe"] if after_reset else []
    start, length, body = b"\xff\xfd", escaped(struct.pack("<I", len(payload))), escaped(payload)
    writes += [start, length, body]
    # CRC-16/CCITT-FALSE, the same CRC as utvm's link (crc16 above).
    writes.append(escaped(struct.pack("<H", crc16(start + length + body))))
    return writes


def tvm_session_start_writes(nonce):
    """What tvm.micro.Session writes first: Initialize() sends a terminate-session packet (session
    id 0, type 0x02), StartSession() a start-session init (id = nonce, type 0x00, version 1)."""
    return tvm_packet_writes(b"\x00\x00\x02", True) + tvm_packet_writes(bytes([nonce, 0, 0, 1]), False)


def process_state(pid):
    """'gone', or the state letter from /proc (a 'Z' zombie has exited but is not reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def children_of(pid):
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(k) for k in f.read().split()]
    except FileNotFoundError:
        pass
    return kids


class TvmClientAgainstAUtvmProject(unittest.TestCase):
    """TVM's own session (tvm.micro.Session) and a TVM client that dies, against a host project."""

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="utvm-tvm-rpc-")
        share = os.path.join(BUILD_DIR, "share", "utvm")
        cls.project = os.path.join(cls.work, "project")
        t = Client(os.path.join(share, "platforms", "host"))
        t.call("generate_project", {
            "model_library_format_path": os.path.join(share, "examples", "example_mlp.tar"),
            "standalone_crt_dir": os.path.join(cls.work, "standalone_crt"),
            "project_dir": cls.project, "options": {}})
        assert t.shutdown() == 0
        p = Client(cls.project)
        p.call("build", {"options": {}})
        assert p.shutdown() == 0

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def test_tvm_session_start_fails_fast_with_a_clear_message(self):
        p = Client(self.project)
        try:
            started = time.monotonic()
            timeouts = p.call("open_transport", {"options": {}})["timeouts"]
            # Real timeouts: with all zero TVM's session would wait for the device forever.
            self.assertGreater(timeouts["session_start_retry_timeout_sec"], 0)
            self.assertGreater(timeouts["session_start_timeout_sec"], 0)
            self.assertGreater(timeouts["session_established_timeout_sec"], 0)
            writes = tvm_session_start_writes(0x5A)
            self.assertEqual(b"".join(writes[:5]).hex(), "feff fd03000000 000002 6677".replace(" ", ""))
            with self.assertRaises(ServerError) as caught:
                for chunk in writes:  # TVM sends its write timeout = the session start timeout
                    p.write_transport(chunk, timeouts["session_start_timeout_sec"])
            message = str(caught.exception)
            self.assertIn("utvm's link protocol", message)
            self.assertIn(f"utvm run {self.project}", message)
            self.assertLess(time.monotonic() - started, 5.0)
            self.assertIsNone(p.call("close_transport", {}))
        finally:
            self.assertEqual(p.shutdown(), 0)

    def test_a_client_killed_mid_read_takes_server_and_device_down(self):
        here = os.path.dirname(os.path.abspath(__file__))
        script = (
            "import sys; sys.path.insert(0, sys.argv[1]); import tvm_style_client_test as t\n"
            "c = t.Client(sys.argv[2])\n"
            "c.call('open_transport', {'options': {}})\n"
            "print(c.proc.pid, flush=True)\n"
            "c.read_transport(1, None)  # blocks: the device says nothing unasked\n"
        )
        client = subprocess.Popen([sys.executable, "-c", script, here, self.project],
                                  stdout=subprocess.PIPE, text=True)
        try:
            server = int(client.stdout.readline())
            deadline = time.monotonic() + 10
            while not children_of(server) and time.monotonic() < deadline:
                time.sleep(0.05)
            devices = children_of(server)
            self.assertEqual(len(devices), 1, "the device program is not running")
            time.sleep(0.5)  # the server is now waiting in read_transport
            self.assertNotIn(process_state(server), ("gone", "Z"))
            client.kill()
            client.wait()
            killed = time.monotonic()
            while time.monotonic() - killed < 5 and (
                process_state(server) not in ("gone", "Z") or process_state(devices[0]) != "gone"
            ):
                time.sleep(0.05)
            self.assertIn(process_state(server), ("gone", "Z"), "the server outlived its client")
            self.assertEqual(process_state(devices[0]), "gone", "the device outlived the server")
        finally:
            if client.poll() is None:
                client.kill()
                client.wait()
            client.stdout.close()


if __name__ == "__main__":
    if len(sys.argv) < 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: tvm_style_client_test.py BUILD_DIR")
    BUILD_DIR = os.path.abspath(sys.argv.pop(1))  # tvmc passes absolute paths too
    unittest.main(verbosity=2)
