#!/usr/bin/env bash
# The desktop search provider over a private D-Bus session (dbus-run-session), called with gdbus
# as GNOME Shell and KRunner call it: D-Bus activation from a service file, Azerbaijani queries
# against a tiny demo library, result metas, opening a result, launching the window's search,
# KRunner's Match/Actions/Run, hostile input, seeing photos another process indexed meanwhile, and
# the idle exit.
#
# usage: test_search_provider.sh PROVIDER CLI WORKDIR
set -euo pipefail
provider=$(realpath "$1")
cli=$(realpath "$2")
work=$3

if [ -z "${LOWCLIP_PROVIDER_TEST_INNER:-}" ]; then
  for tool in dbus-run-session dbus-daemon gdbus; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
  done
  rm -rf "$work"
  mkdir -p "$work/bin" "$work/services"
  work=$(realpath "$work")
  echo "building a tiny demo library"
  "$cli" demo --data "$work/data" --steps 60 --batch 16 --eval-images 16 --quiet >"$work/demo.log" 2>&1 ||
    { cat "$work/demo.log"; echo "FAIL: the demo library could not be built"; exit 1; }
  # Stand-ins for the desktop's opener and the window: they write down what they were asked.
  cat >"$work/bin/xdg-open" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >>"$work/opened.txt"
EOF
  cat >"$work/bin/fake-gui" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >>"$work/launched.txt"
EOF
  chmod +x "$work/bin/xdg-open" "$work/bin/fake-gui"
  # A session bus that activates the provider from our service file, as the installed one does.
  cat >"$work/services/io.lowclip.Desktop.SearchProvider.service" <<EOF
[D-BUS Service]
Name=io.lowclip.Desktop.SearchProvider
Exec=$provider --data-dir $work/data --idle-exit 60 --gui-program $work/bin/fake-gui
EOF
  cat >"$work/session.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=$work</listen>
  <servicedir>$work/services</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
  export LOWCLIP_PROVIDER_TEST_INNER=1 PATH="$work/bin:$PATH" XDG_CACHE_HOME="$work/cache"
  exec dbus-run-session --config-file="$work/session.conf" -- "$0" "$provider" "$cli" "$work"
fi

# ---- inside the private session ----------------------------------------------------------------
cd "$work"
dest=io.lowclip.Desktop.SearchProvider
path=/io/lowclip/Desktop/SearchProvider
gnome=org.gnome.Shell.SearchProvider2
fail() { echo "FAIL: $*"; exit 1; }
call() { gdbus call --session --timeout 120 --dest "$dest" --object-path "$path" --method "$@"; }
ids() { grep -o "photo:[0-9]*" || true; }

# D-Bus activation: the first call starts the provider from the service file.
out=$(call $gnome.GetInitialResultSet "['qırmızı', 'dairə']") || fail "the activated provider did not answer"
echo "GetInitialResultSet(qırmızı dairə): $out"
first=$(ids <<<"$out")
[ -n "$first" ] || fail "no photos for a query the demo model knows"
[ "$(wc -l <<<"$first")" -le 12 ] || fail "more results than asked for"

# Every id has a meta naming an existing photo of the demo library, with a thumbnail icon.
metas=$(call $gnome.GetResultMetas "[$(sed "s/.*/'&'/" <<<"$first" | paste -sd,)]")
for id in $first; do grep -qF "'id': <'$id'>" <<<"$metas" || fail "no meta for $id: $metas"; done
grep -q "'name': <'[^']*\.\(png\|jpg\|jpeg\)'>" <<<"$metas" || fail "metas without photo names: $metas"
grep -q "'description': <'" <<<"$metas" || fail "metas without descriptions"
icon=$(grep -o "'gicon': <'[^']*'>" <<<"$metas" | head -n1 | sed "s/'gicon': <'\(.*\)'>/\1/")
[ -s "$icon" ] || fail "the first result's icon '$icon' is not a file"
case "$icon" in "$XDG_CACHE_HOME"/*) ;; *) fail "the icon is not a cached thumbnail: $icon" ;; esac
echo "metas: ok (icon $icon)"

# Ids that are not ours, or gone, are left out rather than failing the call.
junk=$(call $gnome.GetResultMetas "['photo:999999', 'photo:-1', 'file:///etc/passwd', '', 'photo:abc']")
[ "$junk" = "(@aa{sv} [],)" ] || fail "metas for foreign ids: $junk"

# A narrowed query searches again.
sub=$(call $gnome.GetSubsearchResultSet "[$(sed "s/.*/'&'/" <<<"$first" | paste -sd,)]" "['qırmızı', 'dairə', 'mavi']")
echo "GetSubsearchResultSet: $sub"
grep -q "photo:" <<<"$sub" || fail "no photos for the narrowed query"

# Too short, or nothing the model knows: nothing, not arbitrary photos.
for q in "['a']" "['']" "[]" "['zzqqxx']" "['qqzz', 'xxvvw']"; do
  got=$(call $gnome.GetInitialResultSet "$q")
  [ "$got" = "(@as [],)" ] || fail "results for $q: $got"
done
# Hostile text: very long, control characters, invalid-looking input; the provider answers.
long=$(head -c 20000 /dev/zero | tr '\0' 'a')
call $gnome.GetInitialResultSet "['$long']" >/dev/null || fail "a 20000-letter query broke the call"
call $gnome.GetInitialResultSet "['\\u0001\\n', 'dairə\\t']" >/dev/null || fail "control characters broke the call"
echo "short, unknown and hostile queries: ok"

# Opening a result hands the photo to the desktop's opener.
top=$(head -n1 <<<"$first")
call $gnome.ActivateResult "'$top'" "['qırmızı', 'dairə']" 0 >/dev/null
for _ in $(seq 50); do [ -s opened.txt ] && break; sleep 0.1; done
[ -s opened.txt ] || fail "ActivateResult opened nothing"
opened=$(tail -n1 opened.txt)
[ -f "$opened" ] || fail "ActivateResult opened '$opened', not a photo"
grep -qF "'$(basename "$opened")'" <<<"$metas" || fail "ActivateResult opened another photo: $opened"
call $gnome.ActivateResult "'photo:999999'" "[]" 0 >/dev/null
echo "ActivateResult: opened $opened"

# "Search in LowCLIP" starts the window with the query (and the provider's data folder).
call $gnome.LaunchSearch "['qırmızı', 'dairə']" 0 >/dev/null
for _ in $(seq 50); do [ -s launched.txt ] && break; sleep 0.1; done
grep -qx -- "--search" launched.txt || fail "LaunchSearch did not pass --search: $(cat launched.txt 2>/dev/null)"
grep -qx "qırmızı dairə" launched.txt || fail "LaunchSearch did not pass the query"
grep -qx -- "$(realpath data)" launched.txt || fail "LaunchSearch did not pass the data folder"
echo "LaunchSearch: ok"

# KRunner: Actions, Match (with subtext, URL and relevance), Run.
actions=$(call org.kde.krunner1.Actions)
grep -q "'reveal'" <<<"$actions" && grep -q "'search'" <<<"$actions" || fail "KRunner actions: $actions"
match=$(call org.kde.krunner1.Match "qırmızı dairə")
echo "Match: ${match:0:300}..."
kids=$(ids <<<"$match")
[ "$kids" = "$first" ] || fail "KRunner and GNOME answers differ: $kids vs $first"
grep -q "'subtext': <'" <<<"$match" || fail "KRunner matches without subtext"
grep -q "'urls': <\['file://" <<<"$match" || fail "KRunner matches without file URLs"
nomatch=$(call org.kde.krunner1.Match "zz")
[ "$nomatch" = "(@a(sssida{sv}) [],)" ] || fail "KRunner matched a too-short query: $nomatch"
: >opened.txt
call org.kde.krunner1.Run "'$top'" "''" >/dev/null
for _ in $(seq 50); do [ -s opened.txt ] && break; sleep 0.1; done
[ "$(tail -n1 opened.txt)" = "$opened" ] || fail "KRunner Run opened '$(cat opened.txt)', not $opened"
: >launched.txt
call org.kde.krunner1.Run "'$top'" "'search'" >/dev/null
for _ in $(seq 50); do [ -s launched.txt ] && break; sleep 0.1; done
grep -qx "qırmızı dairə" launched.txt || fail "KRunner's search action did not launch the query"
echo "KRunner: ok"

# Another process indexes new photos while the provider runs (it holds the library read-only):
# copies of the top results in a new folder appear in the next answer.
mkdir -p extra
for id in $(head -n3 <<<"$first"); do
  p=$(call $gnome.GetResultMetas "['$id']" | grep -o "'clipboardText': <'[^']*'>" | sed "s/'clipboardText': <'\(.*\)'>/\1/")
  cp "$p" "extra/copy-$(basename "$p")"
done
"$cli" index --data data --add-root extra --quiet >index.log 2>&1 || { cat index.log; fail "indexing the new folder failed"; }
again=$(call $gnome.GetInitialResultSet "['qırmızı', 'dairə']")
newids=$(ids <<<"$again")
metas2=$(call $gnome.GetResultMetas "[$(sed "s/.*/'&'/" <<<"$newids" | paste -sd,)]")
grep -q "'name': <'copy-" <<<"$metas2" || fail "the photos indexed meanwhile are not found: $metas2"
echo "photos indexed by another process meanwhile: found"

# A second provider on the same bus leaves the name to the first and exits.
timeout 60 "$provider" --data-dir data --idle-exit 5 >second.log 2>&1 || fail "a second provider failed: $(cat second.log)"
grep -q "another provider runs" second.log || fail "the second provider did not say why it left: $(cat second.log)"
call org.kde.krunner1.Actions >/dev/null || fail "the first provider stopped answering"

# A provider on a data folder without a library answers with nothing, and exits when idle.
pid=$(gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
  --method org.freedesktop.DBus.GetConnectionUnixProcessID "$dest" | grep -o "[0-9]\+" | tail -n1)
kill "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
mkdir -p empty-data
"$provider" --data-dir empty-data --idle-exit 3 >empty.log 2>&1 &
epid=$!
gdbus wait --session --timeout 30 "$dest" || fail "the provider on an empty data folder did not start: $(cat empty.log)"
empty=$(call $gnome.GetInitialResultSet "['qırmızı', 'dairə']")
[ "$empty" = "(@as [],)" ] || fail "results without a library: $empty"
for _ in $(seq 100); do kill -0 "$epid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$epid" 2>/dev/null; then kill "$epid"; fail "the provider did not exit when idle"; fi
wait "$epid" || fail "the idle provider exited with an error: $(cat empty.log)"
[ ! -e empty-data/library ] || fail "the read-only provider created a library"
echo "empty data folder and idle exit: ok"
echo "PASS"
