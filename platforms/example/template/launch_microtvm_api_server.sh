#!/bin/sh
# utvm "example" platform (a loopback device): starts its C++ Project API server.
# Clients run this as: launch_microtvm_api_server.sh <dir>/microtvm_api_server.py --read-fd N
# --write-fd M [--debug]; every argument is passed through (the server ignores the .py path).
# The server binary sits in <prefix>/bin; this script in <prefix>/share/utvm/platforms/example.
exec "$(dirname "$0")/../../../../bin/utvm-example-server" "$@"
