#include "core/nn/kernels/linear.h"

namespace lowclip::nn::kernels {

namespace {
LinearKernels make(Isa level) {
    LinearKernels k;
    k.level = level;
    k.s8 = impl::s8Scalar;
    if (!impl::x86Build()) return k;
    if (admits(level, Isa::Avx512)) {
        k.f32Name = "avx512";
        k.f32 = impl::f32Avx512;
        k.f32Lanes = 16;
        k.f32MaxRows = 64;
    }
    // No float32 kernel below AVX-512: with 8 lanes the broadcast kernel lost to at::linear (OpenBLAS)
    // on a 16-token mBERT-base query (bench_bert, LOWCLIP_CPU_ISA=avx2: p50 42.7 ms against 28.1 ms),
    // so float32 queries on AVX2 CPUs use at::linear; int8 is their fast path.
    if (admits(level, Isa::Avx512Bf16)) {
        k.bf16Name = "avx512bf16";
        k.bf16 = impl::bf16Avx512;
    }
    if (admits(level, Isa::Avx512Vnni)) {
        k.s8Name = "avx512vnni";
        k.s8 = impl::s8Avx512Vnni;
    } else if (admits(level, Isa::AvxVnni)) {
        k.s8Name = "avxvnni";
        k.s8 = impl::s8AvxVnni;
    } else if (admits(level, Isa::Avx2)) {
        k.s8Name = "avx2";
        k.s8 = impl::s8Avx2;
    }
    return k;
}
}  // namespace

const LinearKernels& linearKernels(Isa level) {
    static const LinearKernels tables[] = {make(Isa::Scalar),     make(Isa::Avx2),       make(Isa::AvxVnni),
                                           make(Isa::Avx512),     make(Isa::Avx512Vnni), make(Isa::Avx512Bf16),
                                           make(Isa::Amx)};
    return tables[static_cast<int>(level)];
}

S8Kernel s8Kernel(Isa isa) {
    if (isa == Isa::Scalar) return impl::s8Scalar;
    if (!impl::x86Build() || !admits(detectedIsa(), isa)) return nullptr;
    switch (isa) {
        case Isa::Avx2: return impl::s8Avx2;
        case Isa::AvxVnni: return impl::s8AvxVnni;
        case Isa::Avx512Vnni: return impl::s8Avx512Vnni;
        default: return nullptr;
    }
}

}  // namespace lowclip::nn::kernels
