#!/bin/sh
# A small suite laid out like upstream's, for the transcripts of docs/ls.md:
#   sh docs/ls-suite.sh DEST
# Each example recording is copied under the name replay looks up (replay_name) in the
# first folder replay searches (replay_dirs), as `recstack ls --format json` gives them.
# Then two things go wrong, as in a real suite: a request is edited after it was
# recorded (its name no longer matches), and a recording is moved to a folder replay
# does not search.
set -e
dest=$1
recstack ls examples --format json \
    | python -c 'import json, sys; [print(r["path"], r["replay_dirs"][0] + "/" + r["replay_name"]) for r in map(json.loads, sys.stdin) if r["replay_name"]]' \
    | while read -r src dst; do mkdir -p "$dest/$(dirname "$dst")" && cp "$src" "$dest/$dst"; done
cd "$dest/tests/integration"
sed -i 's/why is the sky blue/why is the sea blue/' \
    inference/recordings/74d84e575bdce7807ef41ec67166f7ea63bb0bbebc991db14cb155d5650a17e6.json
mkdir -p agents/recordings
mv inference/recordings/dbc4d0b8f304c3a8a3413b22149e974078c839d042b034dac3e0365387c8a3ab.json \
    agents/recordings/
