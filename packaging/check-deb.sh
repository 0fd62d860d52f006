#!/usr/bin/env bash
# Builds the DEB with CPack and checks it: the Depends list names what the program needs, apt can
# resolve it, and the packaged lowclip-cli runs. In CI (CI=true, root) the package is really installed
# with apt-get and the installed /usr/bin/lowclip-cli --version is run; elsewhere it is unpacked into a
# temporary folder instead, so a developer's system is left alone.
set -euo pipefail
build=$1
cd "$build"
rm -f lowclip_*.deb
cpack -G DEB >cpack.log 2>&1 || { cat cpack.log; exit 1; }
deb=$(ls lowclip_*.deb | head -n1)
echo "package: $deb ($(du -h "$deb" | cut -f1))"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for needed in libtorch libqt6sql6-sqlite libopenblas0-openmp libopencv libsqlite3 libheif libexiv2 libicu; do
  if ! grep -q "$needed" <<<"$depends"; then echo "FAIL: Depends lacks $needed"; exit 1; fi
done
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/lowclip-cli ./usr/bin/lowclip ./usr/bin/lowclip-search-provider ./usr/share/applications/ \
  ./usr/share/metainfo/ ./usr/share/icons/hicolor/ \
  ./usr/share/dbus-1/services/io.lowclip.Desktop.SearchProvider.service \
  ./usr/share/gnome-shell/search-providers/io.lowclip.Desktop.search-provider.ini \
  ./usr/share/krunner/dbusplugins/io.lowclip.Desktop.desktop; do
  grep -qF "$path" <<<"$contents" || { echo "FAIL: $path is not in the package"; exit 1; }
done
# D-Bus activates the provider by the absolute path in its service file: it must be the packaged one.
service_exec=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/share/dbus-1/services/io.lowclip.Desktop.SearchProvider.service |
  sed -n 's/^Exec=//p')
[ "$service_exec" = /usr/bin/lowclip-search-provider ] || { echo "FAIL: the D-Bus service runs '$service_exec'"; exit 1; }
if [ "$(id -u)" -eq 0 ]; then
  apt-get install --simulate -qq "./$deb" >apt-simulate.log 2>&1 || { cat apt-simulate.log; echo "FAIL: apt cannot install $deb"; exit 1; }
  echo "apt-get install --simulate: ok"
fi
if [ "${CI:-}" = "true" ] && [ "$(id -u)" -eq 0 ]; then
  apt-get install -y -qq "./$deb" >apt-install.log 2>&1 || { cat apt-install.log; exit 1; }
  version=$(/usr/bin/lowclip-cli --version)
else
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  dpkg-deb -x "$deb" "$root"
  version=$("$root/usr/bin/lowclip-cli" --version)
fi
echo "installed: $version"
grep -q '^lowclip-cli [0-9]' <<<"$version"
