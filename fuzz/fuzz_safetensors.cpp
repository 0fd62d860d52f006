// libFuzzer target for the safetensors reader: any input must either read or raise lowclip::Error.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/io/formats/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = [] {
        const char* dir = std::getenv("TMPDIR");
        return std::string(dir && *dir ? dir : "/tmp") + "/lowclip-fuzz-" + std::to_string(::getpid()) + ".safetensors";
    }();
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
    try {
        auto contents = lowclip::io::readSafetensors(path);
        // Touch every byte that the reader claims is a tensor.
        volatile std::uint8_t sink = 0;
        for (const auto& [name, t] : contents.tensors) {
            const auto* p = static_cast<const std::uint8_t*>(t.data_ptr());
            for (std::int64_t i = 0; i < static_cast<std::int64_t>(t.nbytes()); ++i) sink = sink ^ p[i];
        }
        (void)sink;
    } catch (const lowclip::Error&) {
    }
    return 0;
}
