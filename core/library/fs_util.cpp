#include "core/library/fs_util.h"

#include <cstring>

namespace lowclip::library {

namespace {
constexpr std::uint64_t kC1 = 0x87c37b91114253d5ULL;
constexpr std::uint64_t kC2 = 0x4cf5ad432745937fULL;
inline std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline std::uint64_t fmix(std::uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return k;
}
}  // namespace

void Hasher64::mixWord(std::uint64_t w) {
    w *= kC1;
    w = rotl(w, 31);
    w *= kC2;
    h_ ^= w;
    h_ = rotl(h_, 27) * 5 + 0x52dce729;
}

void Hasher64::update(const void* data, std::size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    total_ += size;
    if (tailSize_) {
        while (size && tailSize_ < 8) {
            tail_[tailSize_++] = *p++;
            --size;
        }
        if (tailSize_ < 8) return;
        std::uint64_t w;
        std::memcpy(&w, tail_, 8);
        mixWord(w);
        tailSize_ = 0;
    }
    while (size >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        mixWord(w);
        p += 8;
        size -= 8;
    }
    while (size--) tail_[tailSize_++] = *p++;
}

std::uint64_t Hasher64::digest() const {
    std::uint64_t h = h_;
    if (tailSize_) {
        std::uint64_t w = 0;
        std::memcpy(&w, tail_, tailSize_);
        w *= kC2;
        w = rotl(w, 33);
        w *= kC1;
        h ^= w;
    }
    h ^= total_;
    return fmix(h);
}

std::uint64_t hashBytes(const void* data, std::size_t size) {
    Hasher64 h;
    h.update(data, size);
    return h.digest();
}

}  // namespace lowclip::library
