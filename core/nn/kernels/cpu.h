#pragma once
// Runtime CPU dispatch for the project's own kernels (no Torch here).
//
// The CPU's features come from cpuid and xgetbv (the operating system must save the wider
// registers, else AVX / AVX-512 / AMX count as absent). The kernels are compiled per instruction
// set with target attributes, so the build machine's ISA never matters. One level is chosen at
// start-up: the best the CPU supports, lowered by the environment variable LOWCLIP_CPU_ISA
// (scalar, avx2, avxvnni, avx512, avx512vnni, avx512bf16, amx) for measuring a smaller machine on a
// bigger one. A level admits the features of its rank and below that the CPU has; a family of kernels
// takes its best implementation among the admitted features.
#include <cstdint>
#include <string>

namespace lowclip::nn::kernels {

struct CpuFeatures {
    bool avx2 = false, fma = false, f16c = false;        // with OS support for ymm state
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512vnni = false, avx512bf16 = false;  // zmm state
    bool avxvnni = false;                                  // VEX-encoded vpdpbusd (Alder Lake and later)
    bool amxTile = false, amxInt8 = false, amxBf16 = false;  // with OS support for tile state
};

// Ordered levels; each admits the features of the ones before it.
enum class Isa { Scalar = 0, Avx2, AvxVnni, Avx512, Avx512Vnni, Avx512Bf16, Amx };

const CpuFeatures& cpuFeatures();       // detected once
std::string cpuFlagsText();             // e.g. "avx2 fma f16c avx512f ... amx-int8" (the detected ones)
const char* isaName(Isa isa);           // "scalar", "avx2", ...
bool parseIsa(const std::string& text, Isa* isa);  // the names above, case-insensitive
Isa detectedIsa();                      // the highest level whose own features the CPU has
// The level in force: detectedIsa(), or LOWCLIP_CPU_ISA's when lower (read once, at first use).
Isa activeIsa();
// For tests and benchmarks: force a level (clamped to detectedIsa()); returns the previous one.
Isa setActiveIsa(Isa isa);
// Whether `isa`'s own features are present and admitted by `level`.
bool admits(Isa level, Isa isa);
// Whether code for AVX2 with FMA runs at `level` on this CPU (false where this build has none).
bool avx2FmaAdmitted(Isa level);
// One line for benchmarks: "CPU dispatch: avx2 (detected avx512bf16; LOWCLIP_CPU_ISA=avx2); flags: ...".
std::string dispatchSummary();

}  // namespace lowclip::nn::kernels
