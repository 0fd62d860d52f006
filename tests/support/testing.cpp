#include "tests/support/testing.h"

#include <filesystem>
#include <random>

namespace lowclip::testing {

std::string makeTempDir(const std::string& prefix) {
    namespace fs = std::filesystem;
    std::random_device rd;
    std::mt19937_64 rng(rd());
    for (int attempt = 0; attempt < 100; ++attempt) {
        fs::path p = fs::temp_directory_path() / (prefix + std::to_string(rng() % 1000000000ULL));
        std::error_code ec;
        if (fs::create_directory(p, ec)) return p.string();
    }
    throw Failure{"cannot create a temporary folder"};
}

}  // namespace lowclip::testing
