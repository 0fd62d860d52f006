#!/usr/bin/env bash
# Times the desktop search provider as GNOME Shell calls it: D-Bus round trips of
# GetInitialResultSet for a few Azerbaijani queries, against a gdbus Ping as the floor (each call
# starts a gdbus process), and the provider's resident memory. Runs in a private session bus.
#
# usage: bench/bench_search_provider.sh BUILD_DIR DATA_DIR [CALLS]
#   e.g. build/app/lowclip-cli demo --data /tmp/demo-data && bench/bench_search_provider.sh build /tmp/demo-data
set -euo pipefail
if [ -z "${LOWCLIP_BENCH_INNER:-}" ]; then
  export LOWCLIP_BENCH_INNER=1
  exec dbus-run-session -- "$0" "$@"
fi
build=$(realpath "$1")
data=$(realpath "$2")
calls=${3:-40}
dest=io.lowclip.Desktop.SearchProvider
"$build/app/lowclip-search-provider" --data-dir "$data" --idle-exit 0 --gui-program /bin/true &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
gdbus wait --session --timeout 30 "$dest"
call() { gdbus call --session --dest "$dest" --object-path /io/lowclip/Desktop/SearchProvider --method "$@" >/dev/null; }
now() { date +%s%N; }
summary() { sort -n | awk -v what="$1" '{a[NR]=$1} END {printf "%s x%d: p50 %.1f ms, p95 %.1f ms, max %.1f ms\n", what, NR, a[int((NR+1)*0.5)]/1e6, a[int(NR*0.95+0.5)]/1e6, a[NR]/1e6}'; }
t0=$(now); call org.gnome.Shell.SearchProvider2.GetInitialResultSet "['qırmızı', 'dairə']"; t1=$(now)
echo "first query (model load included): $(( (t1 - t0) / 1000000 )) ms"
queries=("['qırmızı', 'dairə']" "['mavi', 'kvadrat']" "['yaşıl', 'ulduz']" "['sarı', 'üçbucaq']" "['iki', 'qırmızı', 'dairə']")
for i in $(seq "$calls"); do
  a=$(now); call org.gnome.Shell.SearchProvider2.GetInitialResultSet "${queries[$((i % 5))]}"; b=$(now); echo $((b - a))
done | summary "GetInitialResultSet (gdbus start included)"
for i in $(seq "$calls"); do a=$(now); call org.freedesktop.DBus.Peer.Ping; b=$(now); echo $((b - a)); done | summary "Peer.Ping (gdbus alone)"
echo "provider memory: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
