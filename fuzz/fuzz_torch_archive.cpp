// libFuzzer target for the weight-file loader (zip reader, unpickler, tensor views, format sniffing):
// any input must either load or raise lowclip::Error.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/io/formats/torch_archive.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = [] {
        const char* dir = std::getenv("TMPDIR");
        return std::string(dir && *dir ? dir : "/tmp") + "/lowclip-fuzz-" + std::to_string(::getpid()) + ".pt";
    }();
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
    try {
        auto tensors = lowclip::io::loadWeights(path);
        // Touch every byte of every tensor (views included) that the loader returned.
        volatile std::uint8_t sink = 0;
        for (const auto& [name, t] : tensors) {
            if (t.numel() == 0) continue;
            auto c = t.contiguous();
            const auto* p = static_cast<const std::uint8_t*>(c.data_ptr());
            for (std::int64_t i = 0; i < static_cast<std::int64_t>(c.nbytes()); ++i) sink = sink ^ p[i];
        }
        (void)sink;
    } catch (const lowclip::Error&) {
    }
    return 0;
}
