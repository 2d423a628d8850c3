#!/usr/bin/env python3
"""A small Project API server for utvm's client tests (Python 3 stdlib only).

It follows the wire behaviour of TVM's project_api/server.py (newline-delimited JSON-RPC 2.0 on
--read-fd/--write-fd, request checks with -32600/-32601/-32602, handler failures as -32000 with
the error kind as message and data.traceback) with a trivial "pytest" platform whose transport
loops written bytes back.

Misbehaviour, for testing the client's error handling, is chosen by the environment variable
UTVM_TEST_MISBEHAVE (applies to every request) or by the option "misbehave" in the options of a
generate_project/build/flash/open_transport call (applies to that call). Values:
  garbage         reply with a line that is not JSON
  close           close both pipes and exit 0 without replying
  exit3           exit with status 3 without replying
  hang            never reply
  child_hang      start a child that keeps the pipes open, write its pid to $UTVM_TEST_PID_FILE,
                  then never reply
  child_exit      the same child, then exit with status 4 without replying
  wrong_id        reply with the wrong id
  unknown_code    reply with error code -32099
  endless         write an endless line (no newline) until the reader goes away
  bad_jsonrpc     reply with "jsonrpc": "1.0"
  no_result       reply without result or error
  protocol0       server_info_query reports protocol_version 0
  no_protocol     server_info_query has no protocol_version
  server_error    fail with a generic error (-32000 "calling method <m>")
  unsupported_tvm raise UnsupportedTVMVersionError
  overlong_read   read_transport returns n + 1 bytes
Each build call's options are written to build_options.json in the server's directory.
"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback

PLATFORM = "pytest"
THIS_DIR = os.path.dirname(os.path.abspath(__file__))
MODEL_TAR = os.path.join(THIS_DIR, "model.tar")

PROJECT_OPTIONS = [
    {"name": "verbose", "choices": None, "default": False, "type": "bool", "required": None,
     "optional": ["build"], "help": "Run build with verbose output."},
    {"name": "project_type", "choices": ["host_driven", "aot_standalone_demo"], "default": None,
     "type": "str", "required": ["generate_project"], "optional": None,
     "help": "Type of project to generate."},
    {"name": "workspace_size_bytes", "choices": None, "default": 2097152, "type": "int",
     "required": None, "optional": ["generate_project"],
     "help": "Sets the value of TVM_WORKSPACE_SIZE_BYTES."},
    {"name": "misbehave", "choices": None, "default": None, "type": "str", "required": None,
     "optional": ["generate_project", "build", "flash", "open_transport"],
     "help": "Test hook: how to misbehave on this call."},
]

METHODS = {
    "server_info_query": ["tvm_version"],
    "generate_project": ["model_library_format_path", "standalone_crt_dir", "project_dir",
                         "options"],
    "build": ["options"],
    "flash": ["options"],
    "open_transport": ["options"],
    "close_transport": [],
    "read_transport": ["n", "timeout_sec"],
    "write_transport": ["data", "timeout_sec"],
}


class ServerError(Exception):
    pass


class IoTimeoutError(ServerError):
    pass


class TransportClosedError(ServerError):
    pass


class UnsupportedTVMVersionError(ServerError):
    pass


class Handler:
    def __init__(self):
        self.transport_open = False
        self.buffer = bytearray()

    def server_info_query(self, tvm_version):
        is_template = not os.path.exists(MODEL_TAR)
        return {
            "platform_name": PLATFORM,
            "is_template": is_template,
            "model_library_format_path": "" if is_template else MODEL_TAR,
            "project_options": PROJECT_OPTIONS,
        }

    def generate_project(self, model_library_format_path, standalone_crt_dir, project_dir,
                         options):
        os.makedirs(project_dir)
        shutil.copy2(os.path.abspath(__file__), os.path.join(project_dir, os.path.basename(__file__)))
        shutil.copy2(model_library_format_path, os.path.join(project_dir, "model.tar"))
        with open(os.path.join(project_dir, "generate_options.json"), "w") as f:
            json.dump(options, f)

    def build(self, options):
        with open(os.path.join(THIS_DIR, "build_options.json"), "w") as f:
            json.dump(options, f)

    def flash(self, options):
        pass

    def open_transport(self, options):
        self.transport_open = True
        return {"timeouts": {"session_start_retry_timeout_sec": 1.0,
                             "session_start_timeout_sec": 2.0,
                             "session_established_timeout_sec": 3.0}}

    def close_transport(self):
        self.transport_open = False

    def read_transport(self, n, timeout_sec):
        if not self.transport_open:
            raise TransportClosedError()
        if not self.buffer:
            raise IoTimeoutError()
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        return data

    def write_transport(self, data, timeout_sec):
        if not self.transport_open:
            raise TransportClosedError()
        self.buffer += data


def misbehaviour(request):
    params = request.get("params")
    if isinstance(params, dict) and isinstance(params.get("options"), dict):
        mode = params["options"].get("misbehave")
        if mode:
            return mode
    return os.environ.get("UTVM_TEST_MISBEHAVE", "")


class Server:
    def __init__(self, read_fd, write_fd):
        self.reader = open(read_fd, "r", encoding="utf-8", newline=None)
        self.writer = open(write_fd, "w", encoding="utf-8")
        self.handler = Handler()

    def send(self, obj):
        self.writer.write(json.dumps(obj))
        self.writer.write("\n")
        self.writer.flush()

    def error(self, id_, code, message, data=None):
        self.send({"jsonrpc": "2.0", "id": id_,
                   "error": {"code": code, "message": message, "data": data}})

    def serve_forever(self):
        while True:
            try:
                line = self.reader.readline()
                if not line:
                    return
                request = json.loads(line)
            except Exception:  # pylint: disable=broad-except
                print("Caught error reading request", file=sys.stderr)
                return
            if not self.serve_one(request):
                return

    def validate(self, request):
        if not isinstance(request, dict):
            return f"request: want dict; got {request!r}"
        if request.get("jsonrpc") != "2.0":
            return f'request["jsonrpc"]: want "2.0"; got {request.get("jsonrpc")!r}'
        method = request.get("method")
        if not isinstance(method, str):
            return f'request["method"]: want str; got {method!r}'
        if not re.match(r"^[a-zA-Z0-9_]+$", method):
            return f'request["method"]: should match regex ^[a-zA-Z0-9_]+$; got {method!r}'
        params = request.get("params")
        if not isinstance(params, dict):
            return f'request["params"]: want dict; got {type(params)}'
        id_ = request.get("id")
        if not (id_ is None or isinstance(id_, (str, int))):
            return f'request["id"]: want str, number, null; got {id_!r}'
        return None

    def serve_one(self, request):
        invalid = self.validate(request)
        if invalid:
            self.error(None, -32600, invalid)
            return False
        method, params, id_ = request["method"], request["params"], request.get("id")
        mode = misbehaviour(request)
        if mode and not self.misbehave(mode, method, id_):
            return False
        if mode in ("garbage", "wrong_id", "unknown_code", "bad_jsonrpc", "no_result"):
            return True
        if method not in METHODS:
            self.error(id_, -32601, f"{method}: no such method")
            return True
        for name in METHODS[method]:
            if name not in params:
                self.error(id_, -32602, f"method {method}: parameter {name} not given")
                return True
        extra = [k for k in params if k not in METHODS[method]]
        if extra:
            self.error(id_, -32602, f"{method}: extra parameters: {', '.join(extra)}")
            return True
        if method in ("build", "flash") and not isinstance(params["options"], dict):
            self.error(id_, -32602, f"method {method}: parameter options: want <class 'dict'>, "
                       f"got {type(params['options'])}")
            return True
        try:
            if mode == "server_error":
                raise RuntimeError("test server asked to fail")
            if mode == "unsupported_tvm":
                raise UnsupportedTVMVersionError()
            if method == "write_transport":
                params = dict(params, data=base64.b85decode(params["data"]))
            result = getattr(self.handler, method)(**params)
            if method == "server_info_query":
                if mode == "protocol0":
                    result["protocol_version"] = 0
                elif mode != "no_protocol":
                    result["protocol_version"] = 1
            elif method == "read_transport":
                if mode == "overlong_read":
                    result = bytes(params["n"] + 1)
                result = {"data": base64.b85encode(result).decode("ascii")}
            elif method in ("generate_project", "build", "flash", "close_transport",
                            "write_transport"):
                result = None
        except ServerError as err:
            name = type(err).__name__
            message = name if type(err) is not ServerError else str(err)
            self.error(id_, -32000, message, {"traceback": traceback.format_exc()})
            return True
        except Exception:  # pylint: disable=broad-except
            self.error(id_, -32000, f"calling method {method}",
                       {"traceback": traceback.format_exc()})
            return True
        self.send({"jsonrpc": "2.0", "id": id_, "result": result})
        return True

    def misbehave(self, mode, method, id_):
        """Acts out `mode`; returns False when the server must stop serving."""
        if mode == "garbage":
            self.writer.write("this is not JSON {\n")
            self.writer.flush()
        elif mode == "close":
            self.reader.close()
            self.writer.close()
            sys.exit(0)
        elif mode == "exit3":
            os._exit(3)
        elif mode == "hang":
            while True:
                time.sleep(1000)
        elif mode in ("child_hang", "child_exit"):
            child = subprocess.Popen(["sleep", "1000"], pass_fds=(self.writer.fileno(),))
            pid_file = os.environ.get("UTVM_TEST_PID_FILE")
            if pid_file:
                with open(pid_file + ".tmp", "w") as f:
                    f.write(str(child.pid))
                os.rename(pid_file + ".tmp", pid_file)
            if mode == "child_exit":
                os._exit(4)
            while True:
                time.sleep(1000)
        elif mode == "wrong_id":
            self.send({"jsonrpc": "2.0", "id": (id_ or 0) + 1, "result": None})
        elif mode == "unknown_code":
            self.error(id_, -32099, "a code TVM never sends")
        elif mode == "bad_jsonrpc":
            self.send({"jsonrpc": "1.0", "id": id_, "result": None})
        elif mode == "no_result":
            self.send({"jsonrpc": "2.0", "id": id_})
        elif mode == "endless":
            try:
                chunk = "x" * 65536
                while True:
                    self.writer.write(chunk)
            except (BrokenPipeError, OSError):
                os._exit(0)
        return True


def main():
    parser = argparse.ArgumentParser(description="Generic TVM Project API server entry point")
    parser.add_argument("--read-fd", type=int, required=True,
                        help="Numeric file descriptor where RPC requests should be read.")
    parser.add_argument("--write-fd", type=int, required=True,
                        help="Numeric file descriptor where RPC replies should be written.")
    parser.add_argument("--debug", action="store_true",
                        help="When given, configure logging at DEBUG level.")
    args = parser.parse_args()
    Server(args.read_fd, args.write_fd).serve_forever()


if __name__ == "__main__":
    main()
