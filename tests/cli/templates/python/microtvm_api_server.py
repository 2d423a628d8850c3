#!/usr/bin/env python3
"""A Project API server written in Python (standard library only), used by utvm's CLI tests.

It speaks TVM's protocol (newline-delimited JSON-RPC 2.0 over --read-fd/--write-fd) and records
every build/flash call with its options in <project>/calls.jsonl so tests can check what utvm
sent; generate_project copies the standalone CRT's include/ into <project>/crt as TVM's templates
do. Options `fail` and `hang` make steps misbehave on purpose.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "model.tar")

OPTIONS = [
    {"name": "board", "choices": ["qemu_x86", "nucleo_f746zg"], "default": None, "type": "str",
     "required": ["generate_project"], "optional": None, "help": "Name of the board to build for."},
    {"name": "project_type", "choices": ["host_driven", "aot_standalone"], "default": "host_driven",
     "type": "str", "required": None, "optional": ["generate_project"],
     "help": "Type of project to generate."},
    {"name": "workspace_size_bytes", "choices": None, "default": 2097152, "type": "int",
     "required": None, "optional": ["generate_project"], "help": "Sets the workspace size."},
    {"name": "verbose", "choices": None, "default": False, "type": "bool", "required": None,
     "optional": ["build"], "help": "Run the build with verbose output."},
    {"name": "fail", "choices": ["build", "flash"], "default": None, "type": "str",
     "required": None, "optional": ["build", "flash"], "help": "Make this step fail (tests)."},
    {"name": "hang", "choices": None, "default": False, "type": "bool", "required": None,
     "optional": ["build"], "help": "Start a child process and hang in build (tests)."},
    {"name": "serial_number", "choices": None, "default": None, "type": "str", "required": None,
     "optional": ["flash", "open_transport"], "help": "Board serial number."},
]


class StepError(Exception):
    pass


def record(method, options):
    with open(os.path.join(HERE, "calls.jsonl"), "a") as f:
        f.write(json.dumps({"method": method, "options": options}) + "\n")


def server_info_query(tvm_version):
    is_template = not os.path.exists(MODEL)
    return {"platform_name": "pytemplate", "is_template": is_template,
            "model_library_format_path": "" if is_template else MODEL,
            "project_options": OPTIONS, "protocol_version": 1}


def generate_project(model_library_format_path, standalone_crt_dir, project_dir, options):
    os.makedirs(project_dir)
    shutil.copy2(__file__, os.path.join(project_dir, "microtvm_api_server.py"))
    shutil.copy2(model_library_format_path, os.path.join(project_dir, "model.tar"))
    with open(os.path.join(project_dir, "generate_options.json"), "w") as f:
        json.dump(options, f)
    # Like TVM's own templates: the standalone CRT is copied into the project.
    shutil.copytree(os.path.join(standalone_crt_dir, "include"), os.path.join(project_dir, "crt", "include"))
    with open(os.path.join(project_dir, "standalone_crt_dir.txt"), "w") as f:
        f.write(standalone_crt_dir)
    return None


def build(options):
    record("build", options)
    os.makedirs(os.path.join(HERE, "build"), exist_ok=True)
    for i in range(30):
        print("compiling unit %d of 30" % (i + 1), flush=True)
    if options.get("hang") in (True, "true"):
        child = subprocess.Popen(["sleep", "1000"])
        with open(os.path.join(HERE, "hang.pids"), "w") as f:
            f.write("%d %d\n" % (os.getpid(), child.pid))
        time.sleep(1000)
    if options.get("fail") == "build":
        print("error: model.c:1: something went wrong", flush=True)
        raise StepError("build failed: the compiler reported 1 error")
    with open(os.path.join(HERE, "build", "image.bin"), "w") as f:
        f.write("image")


def flash(options):
    record("flash", options)
    print("flashing image.bin", flush=True)
    if options.get("fail") == "flash":
        raise StepError("flash failed: no board connected")


def open_transport(options):
    return {"timeouts": {"session_start_retry_timeout_sec": 0.0, "session_start_timeout_sec": 0.0,
                         "session_established_timeout_sec": 0.0}}


def close_transport():
    return None


METHODS = {"server_info_query": server_info_query, "generate_project": generate_project,
           "build": build, "flash": flash, "open_transport": open_transport,
           "close_transport": close_transport}


def main():
    parser = argparse.ArgumentParser(description="utvm CLI test server (Python)")
    parser.add_argument("--read-fd", type=int, required=True)
    parser.add_argument("--write-fd", type=int, required=True)
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args()
    reader = os.fdopen(args.read_fd, "rb", buffering=0)
    writer = os.fdopen(args.write_fd, "wb", buffering=0)
    buf = b""
    while True:
        while b"\n" not in buf:
            chunk = reader.read(65536)
            if not chunk:
                return 0
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        request = json.loads(line)
        method = request["method"]
        reply = {"jsonrpc": "2.0", "id": request.get("id")}
        try:
            if method not in METHODS:
                reply["error"] = {"code": -32601, "message": method + ": no such method",
                                  "data": None}
            else:
                reply["result"] = METHODS[method](**request["params"])
        except StepError as e:
            reply["error"] = {"code": -32000, "message": str(e),
                              "data": {"traceback": "StepError: " + str(e)}}
        writer.write(json.dumps(reply).encode() + b"\n")


if __name__ == "__main__":
    sys.exit(main())
