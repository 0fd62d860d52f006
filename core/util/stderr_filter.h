#pragma once
// The image libraries under OpenCV write their own diagnostics straight to the process's stderr
// ("libpng warning: iCCP: known incorrect sRGB profile", "Corrupt JPEG data: 12 extraneous bytes
// before marker 0xd9", libtiff's and OpenCV's own warnings), in the middle of a command's output
// and in another language than the user's; the file's problem, when there is one, is already
// reported by core/vision in its own words. installStderrFilter() puts a pipe in front of stderr
// (file descriptor 2): a reader thread passes every line through to the real stderr except those
// that start with one of kLibraryNoise's prefixes. Lines are forwarded as soon as they are complete
// (a line feed or a carriage return, so progress lines keep working) or can no longer be noise.
// With LOWCLIP_LIBRARY_DIAGNOSTICS=1 in the environment nothing is filtered. Once per process; the
// filter is flushed and removed at exit (or by removeStderrFilter()).
#include <string>
#include <vector>

namespace lowclip::util {

// The line prefixes held back.
const std::vector<std::string>& libraryNoisePrefixes();

// True when the line (without its terminator) is library noise.
bool isLibraryNoise(const std::string& line);

// Returns false (and changes nothing) when the filter cannot be set up or is turned off.
bool installStderrFilter();
// Forwards what is pending, puts the real stderr back and stops the reader. Idempotent.
void removeStderrFilter();

}  // namespace lowclip::util
