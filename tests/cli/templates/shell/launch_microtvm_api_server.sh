#!/usr/bin/env bash
# A Project API server written as a shell launch script (bash only, no other language), used by
# utvm's CLI tests. It answers server_info_query, generate_project, build and flash; the request
# fields it needs are picked out with bash regular expressions (the requests utvm sends are flat
# enough for that). build/flash append "<method> <options JSON>" to <project>/calls.txt.
here=$(cd "$(dirname "$0")" && pwd)
shift  # argv[1] is the (absent) microtvm_api_server.py path, as in TVM
while [ $# -gt 0 ]; do
  case "$1" in
    --read-fd) rfd=$2; shift 2 ;;
    --write-fd) wfd=$2; shift 2 ;;
    *) shift ;;
  esac
done
[ -n "$rfd" ] && [ -n "$wfd" ] || { echo "usage: $0 PY --read-fd N --write-fd M" >&2; exit 2; }

options='[{"name": "board", "choices": ["mps2_an385", "mps2_an386"], "default": null, "type": "str", "required": ["generate_project"], "optional": null, "help": "Name of the board to build for."}, {"name": "verbose", "choices": null, "default": false, "type": "bool", "required": null, "optional": ["build"], "help": "Run the build with verbose output."}, {"name": "fail", "choices": null, "default": null, "type": "str", "required": null, "optional": ["build", "flash"], "help": "Make this step fail (tests)."}]'

reply() { printf '{"jsonrpc": "2.0", "id": %s, "result": %s}\n' "$1" "$2" >&"$wfd"; }
error() {
  printf '{"jsonrpc": "2.0", "id": %s, "error": {"code": -32000, "message": "%s", "data": {"traceback": "%s"}}}\n' \
    "$1" "$2" "$2" >&"$wfd"
}
field() {  # field NAME LINE -> the string value of "NAME": "..."
  local re="\"$1\": ?\"([^\"]*)\""
  [[ $2 =~ $re ]] && printf '%s' "${BASH_REMATCH[1]}"
}

while IFS= read -r line <&"$rfd"; do
  re_id='"id": ?([0-9]+)'
  [[ $line =~ $re_id ]] && id=${BASH_REMATCH[1]} || id=null
  method=$(field method "$line")
  re_opts='"options": ?(\{[^}]*\})'
  opts='{}'
  [[ $line =~ $re_opts ]] && opts=${BASH_REMATCH[1]}
  case "$method" in
    server_info_query)
      if [ -f "$here/model.tar" ]; then tmpl=false; mlf="$here/model.tar"; else tmpl=true; mlf=""; fi
      reply "$id" "{\"platform_name\": \"shtemplate\", \"is_template\": $tmpl, \"model_library_format_path\": \"$mlf\", \"project_options\": $options, \"protocol_version\": 1}"
      ;;
    generate_project)
      dir=$(field project_dir "$line")
      mlf=$(field model_library_format_path "$line")
      mkdir -p "$dir" && cp "$0" "$dir/launch_microtvm_api_server.sh" && cp "$mlf" "$dir/model.tar"
      reply "$id" null
      ;;
    build | flash)
      echo "$method $opts" >>"$here/calls.txt"
      echo "running $method in $here"
      if [[ $opts =~ \"fail\":\ ?\"$method\" ]]; then
        echo "$method: something went wrong"
        error "$id" "$method failed"
      else
        [ "$method" = build ] && mkdir -p "$here/build" && echo image >"$here/build/image.bin"
        reply "$id" null
      fi
      ;;
    *)
      printf '{"jsonrpc": "2.0", "id": %s, "error": {"code": -32601, "message": "%s: no such method", "data": null}}\n' \
        "$id" "$method" >&"$wfd"
      ;;
  esac
done
exit 0
