// Runs a fuzz target's entry point over every file of the folders given (a seed corpus), without
// libFuzzer: the corpus replay that CTest runs in the ordinary build. Exits non-zero when a folder is
// missing or empty, or when the process's peak memory (resident set) passed $LOWCLIP_REPLAY_MAX_RSS_MB
// (CTest sets 1536: no input may make a loader take more than 1.5 GB); a crash or an escaped exception
// fails the test by itself.
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    std::size_t files = 0;
    for (int i = 1; i < argc; ++i) {
        std::error_code ec;
        if (!fs::is_directory(argv[i], ec)) {
            std::fprintf(stderr, "no corpus folder %s\n", argv[i]);
            return 1;
        }
        for (const auto& entry : fs::directory_iterator(argv[i])) {
            if (!entry.is_regular_file()) continue;
            std::ifstream in(entry.path(), std::ios::binary);
            std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
            ++files;
        }
    }
    struct rusage usage {};
    ::getrusage(RUSAGE_SELF, &usage);
    const long peakMb = usage.ru_maxrss / 1024;
    std::printf("replayed %zu inputs, peak resident memory %ld MB\n", files, peakMb);
    if (const char* limit = std::getenv("LOWCLIP_REPLAY_MAX_RSS_MB"); limit && *limit && peakMb > std::atol(limit)) {
        std::fprintf(stderr, "peak resident memory %ld MB is over the limit of %s MB\n", peakMb, limit);
        return 1;
    }
    return files > 0 ? 0 : 1;
}
