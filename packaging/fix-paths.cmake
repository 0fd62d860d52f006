# Run by CPack (CPACK_PRE_BUILD_SCRIPTS) on the staged files before the package is made: the D-Bus
# service file names its program by absolute path, which is the package's prefix, not the build's
# install prefix.
file(GLOB_RECURSE services "${CPACK_TEMPORARY_DIRECTORY}/*.service")
list(FILTER services INCLUDE REGEX "/dbus-1/services/io\\.lowclip\\.Desktop\\.SearchProvider\\.service$")
foreach(service ${services})
  file(READ "${service}" text)
  string(REGEX REPLACE "Exec=[^\n]*" "Exec=${CPACK_PACKAGING_INSTALL_PREFIX}/bin/lowclip-search-provider" text "${text}")
  file(WRITE "${service}" "${text}")
endforeach()
