#include "core/nn/kernels/cpu.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#define LOWCLIP_X86 1
#endif

namespace lowclip::nn::kernels {

namespace {

#ifdef LOWCLIP_X86
struct Regs {
    unsigned a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(unsigned leaf, unsigned sub) {
    Regs r;
    if (!__get_cpuid_count(leaf, sub, &r.a, &r.b, &r.c, &r.d)) return Regs{};
    return r;
}

uint64_t xgetbv0() {
    unsigned lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool bit(unsigned v, int i) { return (v >> i) & 1u; }
#endif

CpuFeatures detect() {
    CpuFeatures f;
#ifdef LOWCLIP_X86
    const Regs l1 = cpuid(1, 0);
    const bool osxsave = bit(l1.c, 27);
    if (!osxsave) return f;
    const uint64_t xcr0 = xgetbv0();
    const bool ymm = (xcr0 & 0x6) == 0x6;                // SSE and AVX state
    const bool zmm = ymm && (xcr0 & 0xe0) == 0xe0;        // opmask, ZMM_Hi256, Hi16_ZMM
    const bool tiles = (xcr0 & 0x60000) == 0x60000;       // XTILECFG, XTILEDATA
    const Regs l7 = cpuid(7, 0);
    const Regs l71 = l7.a >= 1 ? cpuid(7, 1) : Regs{};
    const bool avx = bit(l1.c, 28);
    f.avx2 = ymm && avx && bit(l7.b, 5);
    f.fma = ymm && bit(l1.c, 12);
    f.f16c = ymm && bit(l1.c, 29);
    f.avx512f = zmm && bit(l7.b, 16);
    f.avx512bw = f.avx512f && bit(l7.b, 30);
    f.avx512vl = f.avx512f && bit(l7.b, 31);
    f.avx512vnni = f.avx512f && bit(l7.c, 11);
    f.avx512bf16 = f.avx512f && bit(l71.a, 5);
    f.avxvnni = ymm && bit(l71.a, 4);
    f.amxBf16 = tiles && bit(l7.d, 22);
    f.amxTile = tiles && bit(l7.d, 24);
    f.amxInt8 = tiles && bit(l7.d, 25);
#endif
    return f;
}

// Whether the CPU has the features that level `isa` adds.
bool has(Isa isa) {
    const CpuFeatures& f = cpuFeatures();
    const bool avx2 = f.avx2 && f.fma && f.f16c;
    const bool avx512 = f.avx512f && f.avx512bw && f.avx512vl && avx2;
    switch (isa) {
        case Isa::Scalar: return true;
        case Isa::Avx2: return avx2;
        case Isa::AvxVnni: return avx2 && f.avxvnni;
        case Isa::Avx512: return avx512;
        case Isa::Avx512Vnni: return avx512 && f.avx512vnni;
        case Isa::Avx512Bf16: return avx512 && f.avx512bf16;
        case Isa::Amx: return avx512 && f.amxTile && f.amxInt8 && f.amxBf16;
    }
    return false;
}

Isa initialIsa() {
    Isa isa = detectedIsa();
    if (const char* env = std::getenv("LOWCLIP_CPU_ISA"); env && *env) {
        Isa wanted;
        if (parseIsa(env, &wanted) && static_cast<int>(wanted) < static_cast<int>(isa)) isa = wanted;
    }
    return isa;
}

std::atomic<int>& activeLevel() {
    static std::atomic<int> level{static_cast<int>(initialIsa())};
    return level;
}

}  // namespace

const CpuFeatures& cpuFeatures() {
    static const CpuFeatures f = detect();
    return f;
}

std::string cpuFlagsText() {
    const CpuFeatures& f = cpuFeatures();
    std::string s;
    auto add = [&](bool on, const char* name) {
        if (!on) return;
        if (!s.empty()) s += ' ';
        s += name;
    };
    add(f.avx2, "avx2");
    add(f.fma, "fma");
    add(f.f16c, "f16c");
    add(f.avxvnni, "avx-vnni");
    add(f.avx512f, "avx512f");
    add(f.avx512bw, "avx512bw");
    add(f.avx512vl, "avx512vl");
    add(f.avx512vnni, "avx512-vnni");
    add(f.avx512bf16, "avx512-bf16");
    add(f.amxTile, "amx-tile");
    add(f.amxInt8, "amx-int8");
    add(f.amxBf16, "amx-bf16");
    return s.empty() ? std::string("(none of the above)") : s;
}

const char* isaName(Isa isa) {
    switch (isa) {
        case Isa::Scalar: return "scalar";
        case Isa::Avx2: return "avx2";
        case Isa::AvxVnni: return "avxvnni";
        case Isa::Avx512: return "avx512";
        case Isa::Avx512Vnni: return "avx512vnni";
        case Isa::Avx512Bf16: return "avx512bf16";
        case Isa::Amx: return "amx";
    }
    return "?";
}

bool parseIsa(const std::string& text, Isa* isa) {
    std::string t;
    for (char c : text)
        if (c != '-' && c != '_') t += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (int i = 0; i <= static_cast<int>(Isa::Amx); ++i)
        if (t == isaName(static_cast<Isa>(i))) {
            *isa = static_cast<Isa>(i);
            return true;
        }
    return false;
}

Isa detectedIsa() {
    // The highest level present; AVX-VNNI and AVX-512 are independent, so look at every level.
    static const Isa best = [] {
        Isa b = Isa::Scalar;
        if (!has(Isa::Avx2)) return b;
        for (int i = 1; i <= static_cast<int>(Isa::Amx); ++i)
            if (has(static_cast<Isa>(i))) b = static_cast<Isa>(i);
        return b;
    }();
    return best;
}

Isa activeIsa() { return static_cast<Isa>(activeLevel().load()); }

Isa setActiveIsa(Isa isa) {
    const int level = std::min(static_cast<int>(isa), static_cast<int>(detectedIsa()));
    return static_cast<Isa>(activeLevel().exchange(level));
}

bool admits(Isa level, Isa isa) {
    return static_cast<int>(isa) <= static_cast<int>(level) && has(isa) && (isa == Isa::Scalar || has(Isa::Avx2));
}

bool avx2FmaAdmitted(Isa level) {
#if defined(__x86_64__) && defined(__GNUC__)
    return admits(level, Isa::Avx2) && cpuFeatures().fma;
#else
    (void)level;
    return false;
#endif
}

std::string dispatchSummary() {
    std::string s = std::string("CPU dispatch: ") + isaName(activeIsa()) + " (detected " + isaName(detectedIsa());
    if (const char* env = std::getenv("LOWCLIP_CPU_ISA"); env && *env) s += std::string("; LOWCLIP_CPU_ISA=") + env;
#ifdef _OPENMP
    std::string loops = "; parallel loops: OpenMP";
#else
    std::string loops = "; parallel loops: one thread (built without OpenMP)";
#endif
    // How OpenMP threads wait (read by libgomp at load; lowclip-cli's training commands set them).
    for (const char* name : {"OMP_WAIT_POLICY", "GOMP_SPINCOUNT"})
        if (const char* env = std::getenv(name); env && *env) loops += std::string("; ") + name + "=" + env;
    return s + "); CPU flags: " + cpuFlagsText() + loops;
}

}  // namespace lowclip::nn::kernels
