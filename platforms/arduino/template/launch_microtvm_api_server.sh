#!/bin/sh
# Project API server for utvm's `arduino` platform template: utvm's own server mode.
# The utvm binary sits at <prefix>/bin/utvm; this script at <prefix>/share/utvm/platforms/arduino/.
here=$(dirname "$0")
exec "$here/../../../../bin/utvm" api-server arduino "$@"
