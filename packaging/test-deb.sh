#!/usr/bin/env bash
# The .deb as a person gets it: build it with packaging/build.sh, install it with dpkg, run
# the installed commands, validate the menu entry and the AppStream file, start the menu
# entry's command under Xvfb and find its window, then remove the package and check it left
# nothing behind. Needs root (dpkg, apt-get) on Debian or Ubuntu; .ci/run calls it.
# PLEDGER_SHOT=file.png also saves a screenshot of the window (needs imagemagick's import).
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

say() { echo "== test-deb: $*"; }
fail() {
  echo "test-deb: FAILED: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root (it installs and removes the package)"
export DEBIAN_FRONTEND=noninteractive

# What the test itself uses: the validators, an X server, tools to find the window, and
# Mesa's software Vulkan (lavapipe) for wgpu without a GPU.
need=()
command -v desktop-file-validate >/dev/null 2>&1 || need+=(desktop-file-utils)
command -v appstreamcli >/dev/null 2>&1 || need+=(appstream)
command -v Xvfb >/dev/null 2>&1 || need+=(xvfb)
command -v xdotool >/dev/null 2>&1 || need+=(xdotool)
command -v xprop >/dev/null 2>&1 || need+=(x11-utils)
ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 || need+=(mesa-vulkan-drivers)
if [ "${#need[@]}" -gt 0 ]; then
  say "installing ${need[*]}"
  apt-get update
  apt-get install -y --no-install-recommends "${need[@]}"
fi

work="$(mktemp -d)"
xvfb_pid=""
app_pid=""
cleanup() {
  if [ -n "$app_pid" ]; then kill "$app_pid" 2>/dev/null || true; fi
  if [ -n "$xvfb_pid" ]; then kill "$xvfb_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

say "building the .deb"
DIST="$work/dist" packaging/build.sh
debs=("$work"/dist/pledger_*.deb)
deb="${debs[0]}"
[ -f "$deb" ] || fail "packaging/build.sh made no .deb"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
say "$(basename "$deb"): $(stat -c %s "$deb") bytes"
dpkg-deb --field "$deb" Package Version Depends Recommends

say "installing"
dpkg -r pledger >/dev/null 2>&1 || true
if ! dpkg -i "$deb"; then
  # Missing dependencies: let apt bring them and finish the configuration.
  apt-get update
  apt-get install -f -y --no-install-recommends
fi
[ "$(dpkg-query -W -f '${Status}' pledger)" = "install ok installed" ] ||
  fail "pledger is not installed after dpkg -i"

say "installed files"
for f in /usr/bin/pledger \
  /usr/share/applications/org.pledger.Pledger.desktop \
  /usr/share/metainfo/org.pledger.Pledger.metainfo.xml \
  /usr/share/icons/hicolor/scalable/apps/org.pledger.Pledger.svg \
  /usr/share/doc/pledger/copyright \
  /usr/share/doc/pledger/LICENSE-MIT \
  /usr/share/doc/pledger/LICENSE-APACHE; do
  [ -f "$f" ] || fail "$f is missing"
done
for size in 16 22 24 32 48 64 128 256 512; do
  icon="/usr/share/icons/hicolor/${size}x${size}/apps/org.pledger.Pledger.png"
  [ -f "$icon" ] || fail "$icon is missing"
done

say "the installed commands"
out="$(/usr/bin/pledger --version)"
[ "$out" = "pledger $version" ] || fail "pledger --version printed '$out', not 'pledger $version'"
out="$(/usr/bin/pledger --help)"
case "$out" in *"opens the desktop app"*) ;; *) fail "pledger --help does not say what no command does" ;; esac
out="$(pledger --ledger "$work/x.sqlite3" sample)"
echo "$out"
case "$out" in *"agreements created"*) ;; *) fail "pledger sample did not load the sample" ;; esac
out="$(pledger --ledger "$work/x.sqlite3" report --period 2021Q1)"
[ -n "$out" ] || fail "pledger report printed nothing"

say "desktop-file-validate and appstreamcli validate"
desktop-file-validate /usr/share/applications/org.pledger.Pledger.desktop
appstreamcli validate --no-net /usr/share/metainfo/org.pledger.Pledger.metainfo.xml

say "starting the menu entry's command under Xvfb"
# The Exec line without its field codes (%f, %F, %u, ...), as a launcher runs it.
exec_line="$(sed -n 's/^Exec=//p' /usr/share/applications/org.pledger.Pledger.desktop |
  head -n 1 | sed 's/ *%[fFuUdDnNickvm]//g')"
[ -n "$exec_line" ] || fail "the menu entry has no Exec line"
exec 3< <(Xvfb -displayfd 1 -screen 0 1400x960x24 -nolisten tcp 2>"$work/xvfb.log")
xvfb_pid=$!
read -r -t 20 display_number <&3 || fail "Xvfb did not start: $(cat "$work/xvfb.log")"
export DISPLAY=":$display_number"
unset WAYLAND_DISPLAY
# A fresh home: the menu entry opens the default ledger, which the app creates there.
home="$work/home"
mkdir -p "$home"
env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u PLEDGER_LEDGER HOME="$home" LANG=C.UTF-8 \
  sh -c "exec $exec_line" >"$work/app.log" 2>&1 &
app_pid=$!
window=""
for _ in $(seq 1 60); do
  kill -0 "$app_pid" 2>/dev/null || fail "'$exec_line' exited: $(cat "$work/app.log")"
  window="$(xdotool search --class 'org.pledger.Pledger' 2>/dev/null | head -n 1 || true)"
  [ -n "$window" ] && break
  sleep 0.5
done
[ -n "$window" ] || fail "no window of class org.pledger.Pledger after 30 s: $(cat "$work/app.log")"
sleep 3
kill -0 "$app_pid" 2>/dev/null || fail "the app died after opening its window: $(cat "$work/app.log")"
wm_class="$(xprop -id "$window" WM_CLASS)"
echo "$wm_class"
case "$wm_class" in *'"org.pledger.Pledger"'*) ;; *) fail "unexpected $wm_class" ;; esac
xprop -id "$window" WM_NAME
[ -f "$home/.local/share/pledger/ledger.sqlite3" ] ||
  fail "the default ledger was not created in ~/.local/share/pledger"
if [ -n "${PLEDGER_SHOT:-}" ]; then
  import -window root "$PLEDGER_SHOT"
  say "screenshot: $PLEDGER_SHOT"
fi
kill "$app_pid"
wait "$app_pid" 2>/dev/null || true
app_pid=""
kill "$xvfb_pid"
xvfb_pid=""

say "removing"
dpkg --purge pledger
[ ! -e /usr/bin/pledger ] || fail "/usr/bin/pledger is still there after dpkg --purge"
[ ! -e /usr/share/applications/org.pledger.Pledger.desktop ] || fail "the menu entry is still there"
[ ! -e /usr/share/icons/hicolor/48x48/apps/org.pledger.Pledger.png ] || fail "the icons are still there"
[ ! -d /usr/share/doc/pledger ] || fail "/usr/share/doc/pledger is still there"
status="$(dpkg-query -W -f '${db:Status-Status}' pledger 2>/dev/null || true)"
[ -z "$status" ] || [ "$status" = not-installed ] || fail "dpkg still lists pledger as $status"

say "all checks passed in $(($(date +%s) - started)) s"
echo "test-deb: 1 passed, 0 failed"
