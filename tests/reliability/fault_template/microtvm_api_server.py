#!/usr/bin/env python3
"""A Project API server that misbehaves on request, for utvm's reliability tests (issue 14).

The environment variable UTVM_FAULT picks the fault: hang_generate, hang_build, hang_flash (sleep
forever in that call, after starting a child that would outlive a careless client and writing
"<server pid> <child pid>" to $UTVM_FAULT_PIDS), huge_error (build fails with a 15 MB message
full of terminal escape sequences), log_flood (build writes 48 MiB to stderr, as a runaway
compiler would, then succeeds), slow_generate (generate_project takes 2 s, for kill tests).
Standard library only; speaks TVM's newline-delimited JSON-RPC over --read-fd/--write-fd.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAULT = os.environ.get("UTVM_FAULT", "")


def hang(step):
    if FAULT != "hang_" + step:
        return
    child = subprocess.Popen(["sleep", "1000"])
    pids = os.environ.get("UTVM_FAULT_PIDS")
    if pids:
        with open(pids, "w") as f:
            f.write("%d %d\n" % (os.getpid(), child.pid))
    time.sleep(1000)


def server_info_query(tvm_version):
    model = os.path.join(HERE, "model.tar")
    is_template = not os.path.exists(model)
    return {"platform_name": "fault", "is_template": is_template,
            "model_library_format_path": "" if is_template else model,
            "project_options": [], "protocol_version": 1}


def generate_project(model_library_format_path, standalone_crt_dir, project_dir, options):
    hang("generate")
    if FAULT == "slow_generate":
        time.sleep(2)
    os.makedirs(project_dir)
    shutil.copy2(__file__, os.path.join(project_dir, "microtvm_api_server.py"))
    shutil.copy2(model_library_format_path, os.path.join(project_dir, "model.tar"))
    return None


def build(options):
    hang("build")
    if FAULT == "huge_error":
        raise RuntimeError("\x1b]0;pwned\x07\x1b[2J" + "x" * (15 << 20))
    if FAULT == "log_flood":
        line = ("warning: " + "w" * 1014 + "\n").encode()
        for _ in range(48 * 1024):
            sys.stderr.buffer.write(line)
        sys.stderr.buffer.write(b"LAST LINE OF THE FLOOD\n")
        sys.stderr.flush()
    os.makedirs(os.path.join(HERE, "build"), exist_ok=True)


def flash(options):
    hang("flash")


METHODS = {"server_info_query": server_info_query, "generate_project": generate_project,
           "build": build, "flash": flash}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--read-fd", type=int, required=True)
    parser.add_argument("--write-fd", type=int, required=True)
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    rd = os.fdopen(args.read_fd, "r", buffering=1)
    wr = os.fdopen(args.write_fd, "w", buffering=1)
    for line in rd:
        req = json.loads(line)
        method = METHODS.get(req["method"])
        try:
            if method is None:
                raise RuntimeError("no method " + req["method"])
            result = method(**req["params"])
            reply = {"jsonrpc": "2.0", "id": req["id"], "result": result}
        except Exception as e:  # the protocol's server error
            reply = {"jsonrpc": "2.0", "id": req["id"],
                     "error": {"code": -32000, "message": str(e), "data": None}}
        wr.write(json.dumps(reply) + "\n")
        wr.flush()


if __name__ == "__main__":
    sys.exit(main())
