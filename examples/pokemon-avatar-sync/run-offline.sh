#!/usr/bin/env bash
# Runs the Pokemon example offline, through a plumb server: starts the local stand-ins (an
# S3-compatible server and a PokeAPI serving fixtures/, built from this repository: the
# `standins` example of plumb-cli), a fresh `plumb serve` in a temporary directory, creates an
# organization with the S3 credential as the connection `aws-avatars` the definition names
# (`useScopedConfigVar`), imports integration.yaml, test-runs it with the organization
# credential's test values, publishes it, deploys it to one customer, runs it and checks that
# the avatar is in the bucket. Everything ends with the script.
#
#   examples/pokemon-avatar-sync/run-offline.sh
#
# Builds `plumb` and the stand-ins with `cargo build --release` unless PLUMB and STANDINS name
# the binaries. PLUMB_LISTEN (default 127.0.0.1:8090) is where the server listens; WORK_DIR
# (default: a new temporary directory) holds its data.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ -z "${PLUMB:-}" ] || [ -z "${STANDINS:-}" ]; then
  (cd "$repo" && cargo build --release -q -p plumb-cli --bin plumb --example standins)
  target=${CARGO_TARGET_DIR:-$repo/target}
  PLUMB=$target/release/plumb
  STANDINS=$target/release/examples/standins
fi
work=${WORK_DIR:-$(mktemp -d)}
export PLUMB_LISTEN=${PLUMB_LISTEN:-127.0.0.1:8090}
cd "$work"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT

"$STANDINS" plumb-standins > standins.env 2> standins.log &
pids+=($!)
"$PLUMB" serve > plumb.log 2>&1 &
pids+=($!)
until [ -s standins.env ]; do sleep 0.2; done
. ./standins.env
until curl -sf "http://$PLUMB_LISTEN/healthz" > /dev/null; do
  kill -0 "${pids[1]}" || { cat plumb.log; exit 1; }
  sleep 0.2
done
eval "$("$PLUMB" org create "Example Org" --env)"

"$PLUMB" connections create --key "Avatar bucket" --stable-key aws-avatars \
  --connection aws-s3/apiKeySecret --variable-scope org \
  --value accessKeyId="$S3_ACCESS_KEY" --value secretAccessKey="$S3_SECRET_KEY" \
  --value endpoint="$S3_ENDPOINT" > /dev/null
"$PLUMB" connections set-test aws-avatars accessKeyId="$S3_ACCESS_KEY" \
  secretAccessKey="$S3_SECRET_KEY" endpoint="$S3_ENDPOINT" > /dev/null
"$PLUMB" config-vars org set pokemonAvatarS3BucketName "$AVATAR_BUCKET" > /dev/null
"$PLUMB" config-vars org set pokeApiBaseUrl "$POKEAPI_URL" > /dev/null

"$PLUMB" integrations import "$here/integration.yaml" > /dev/null
"$PLUMB" integrations test-config "Pokemon Avatar Sync" customerName="Test Run" \
  pokemonAvatar=onix pokeApiBaseUrl="$POKEAPI_URL" pokemonAvatarS3BucketName="$AVATAR_BUCKET" > /dev/null
echo "test run:"
"$PLUMB" integrations test "Pokemon Avatar Sync"
"$PLUMB" integrations publish "Pokemon Avatar Sync" > /dev/null

"$PLUMB" customers create "Smith Rocket Company" --external-id smith > /dev/null
"$PLUMB" config-vars customer create smith customerName "Smith Rocket Company" > /dev/null
"$PLUMB" config-vars customer create smith pokemonAvatar pikachu > /dev/null
"$PLUMB" instances create --name "Avatar sync" --customer smith \
  --integration "Pokemon Avatar Sync" --bind-same-names > /dev/null
"$PLUMB" instances deploy "Avatar sync" > /dev/null
echo "instance run:"
"$PLUMB" instances run "Avatar sync" --wait

for file in "Test Run.png" "Smith Rocket Company.png"; do
  test -s "$S3_DIR/$AVATAR_BUCKET/$file"
  echo "in the bucket: $file ($(wc -c < "$S3_DIR/$AVATAR_BUCKET/$file") bytes)"
done
