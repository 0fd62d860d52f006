#include "core/io/formats/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <set>
#include <vector>

#include <ATen/Functions.h>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/util/atomic_file.h"

namespace lowclip::io {

namespace {

// Headers of real files are a few hundred KiB at most (mBERT: ~20 KiB); anything near this is hostile.
constexpr std::uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;

struct DtypeInfo {
    const char* name;
    at::ScalarType type;
    std::size_t size;
};

constexpr DtypeInfo kDtypes[] = {
    {"F64", at::kDouble, 8}, {"F32", at::kFloat, 4}, {"F16", at::kHalf, 2},  {"BF16", at::kBFloat16, 2},
    {"I64", at::kLong, 8},   {"I32", at::kInt, 4},   {"I16", at::kShort, 2}, {"I8", at::kChar, 1},
    {"U8", at::kByte, 1},    {"BOOL", at::kBool, 1},
};

const DtypeInfo* dtypeByName(const std::string& name) {
    for (const auto& d : kDtypes)
        if (name == d.name) return &d;
    return nullptr;
}

const DtypeInfo* dtypeByType(at::ScalarType t) {
    for (const auto& d : kDtypes)
        if (t == d.type) return &d;
    return nullptr;
}

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
    throw Error(ErrorCode::InvalidFile, "cannot read safetensors file '" + path + "': " + problem,
                {{"path", path}, {"reason", problem}});
}

// A read-only view of a whole file, mapped copy-on-write so that in-place tensor writes stay private.
class Mapping {
public:
    explicit Mapping(const std::string& path) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) fail(path, std::strerror(errno));
        struct stat st {};
        if (::fstat(fd, &st) != 0) {
            int e = errno;
            ::close(fd);
            fail(path, std::strerror(e));
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd);
            fail(path, "not a regular file");
        }
        size_ = static_cast<std::size_t>(st.st_size);
        if (size_ > 0) {
            void* p = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                int e = errno;
                ::close(fd);
                fail(path, std::string("cannot map it into memory: ") + std::strerror(e));
            }
            data_ = static_cast<std::uint8_t*>(p);
        }
        ::close(fd);
    }
    ~Mapping() {
        if (data_) ::munmap(data_, size_);
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    std::uint8_t* data() const { return data_; }
    std::size_t size() const { return size_; }

private:
    std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

struct Entry {
    std::string name;
    const DtypeInfo* dtype;
    std::vector<int64_t> shape;
    std::uint64_t begin, end;
};

bool mulOverflows(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return true;
    out = a * b;
    return false;
}

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

}  // namespace

SafetensorsContents readSafetensors(const std::string& path) {
    auto map = std::make_shared<Mapping>(path);
    const std::size_t fileSize = map->size();
    if (fileSize < 8) fail(path, "file is " + std::to_string(fileSize) + " bytes, too short to hold a header length");

    std::uint64_t headerLen = 0;
    std::memcpy(&headerLen, map->data(), 8);  // little-endian on every platform we build for
    if (headerLen > kMaxHeaderBytes)
        fail(path, "header length " + std::to_string(headerLen) + " bytes is above the limit of " +
                       std::to_string(kMaxHeaderBytes) + " bytes (not a safetensors file, or corrupt)");
    if (headerLen > fileSize - 8)
        fail(path, "header length " + std::to_string(headerLen) + " bytes runs past the end of the " +
                       std::to_string(fileSize) + "-byte file (truncated?)");
    if (headerLen < 2) fail(path, "header is empty");

    const char* headerBegin = reinterpret_cast<const char*>(map->data() + 8);
    const std::uint8_t* dataBegin = map->data() + 8 + headerLen;
    const std::uint64_t dataSize = fileSize - 8 - headerLen;

    // Parse with a callback that sees every top-level key, so duplicates are caught (a plain parse keeps the last).
    std::set<std::string> topKeys;
    std::string duplicate;
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(
            headerBegin, headerBegin + headerLen,
            [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
                if (event == nlohmann::json::parse_event_t::key && depth == 1) {
                    const std::string& key = parsed.get_ref<const std::string&>();
                    if (!topKeys.insert(key).second && duplicate.empty()) duplicate = key;
                }
                return true;
            });
    } catch (const nlohmann::json::parse_error& e) {
        std::string what = e.what();
        if (what.find("UTF-8") != std::string::npos || what.find("utf-8") != std::string::npos)
            fail(path, "header contains invalid UTF-8 (" + what + ")");
        fail(path, "header is not well-formed JSON (" + what + ")");
    } catch (const nlohmann::json::exception& e) {
        // out_of_range for a number too large for a double (1e999), and any other parser refusal.
        fail(path, "header is not well-formed JSON (" + std::string(e.what()) + ")");
    }
    if (!duplicate.empty()) fail(path, "tensor name '" + duplicate + "' appears twice in the header");
    if (!header.is_object()) fail(path, "header is not a JSON object");

    SafetensorsContents out;
    std::vector<Entry> entries;
    for (auto it = header.begin(); it != header.end(); ++it) {
        const std::string& name = it.key();
        const nlohmann::json& v = it.value();
        if (name == "__metadata__") {
            if (!v.is_object()) fail(path, "__metadata__ is not an object of strings");
            for (auto m = v.begin(); m != v.end(); ++m) {
                if (!m.value().is_string()) fail(path, "__metadata__ value for '" + m.key() + "' is not a string");
                out.metadata[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        if (!v.is_object()) fail(path, "entry '" + name + "' is not an object");
        auto dt = v.find("dtype");
        auto sh = v.find("shape");
        auto off = v.find("data_offsets");
        if (dt == v.end() || !dt->is_string()) fail(path, "entry '" + name + "' has no dtype string");
        if (sh == v.end() || !sh->is_array()) fail(path, "entry '" + name + "' has no shape array");
        if (off == v.end() || !off->is_array() || off->size() != 2 || !(*off)[0].is_number_unsigned() ||
            !(*off)[1].is_number_unsigned())
            fail(path, "entry '" + name + "' has no data_offsets [begin, end] of non-negative integers");
        Entry e;
        e.name = name;
        e.dtype = dtypeByName(dt->get<std::string>());
        if (!e.dtype) fail(path, "entry '" + name + "' has unknown dtype '" + dt->get<std::string>() + "'");
        std::uint64_t elements = 1;
        for (const auto& d : *sh) {
            if (!d.is_number_unsigned()) fail(path, "entry '" + name + "' has a shape entry that is not a non-negative integer");
            std::uint64_t dim = d.get<std::uint64_t>();
            if (dim > static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max()) || mulOverflows(elements, dim, elements))
                fail(path, "entry '" + name + "' has a shape whose size overflows");
            e.shape.push_back(static_cast<int64_t>(dim));
        }
        std::uint64_t bytes = 0;
        if (mulOverflows(elements, e.dtype->size, bytes)) fail(path, "entry '" + name + "' has a shape whose size overflows");
        e.begin = (*off)[0].get<std::uint64_t>();
        e.end = (*off)[1].get<std::uint64_t>();
        if (e.begin > e.end) fail(path, "entry '" + name + "' has data_offsets with begin after end");
        if (e.end > dataSize)
            fail(path, "entry '" + name + "' data [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                           ") lies outside the " + std::to_string(dataSize) + "-byte data section (truncated file?)");
        if (e.end - e.begin != bytes)
            fail(path, "entry '" + name + "' is " + std::string(e.dtype->name) + " " + shapeText(e.shape) + " = " +
                           std::to_string(bytes) + " bytes, but its data_offsets span " + std::to_string(e.end - e.begin) +
                           " bytes");
        entries.push_back(std::move(e));
    }

    // Ranges must not overlap, and (as the format requires) must cover the data section without holes.
    std::vector<const Entry*> byOffset;
    for (const auto& e : entries)
        if (e.end > e.begin) byOffset.push_back(&e);
    std::sort(byOffset.begin(), byOffset.end(), [](const Entry* a, const Entry* b) { return a->begin < b->begin; });
    std::uint64_t cursor = 0;
    for (std::size_t i = 0; i < byOffset.size(); ++i) {
        const Entry* e = byOffset[i];
        if (i > 0 && e->begin < byOffset[i - 1]->end)
            fail(path, "entries '" + byOffset[i - 1]->name + "' and '" + e->name + "' have overlapping data ranges");
        if (e->begin != cursor)
            fail(path, "data section has " + std::to_string(e->begin - cursor) + " unindexed bytes before '" + e->name + "'");
        cursor = e->end;
    }
    if (cursor != dataSize)
        fail(path, "data section has " + std::to_string(dataSize - cursor) + " bytes after the last tensor");

    for (const auto& e : entries) {
        auto options = at::TensorOptions().dtype(e.dtype->type);
        std::uint8_t* ptr = const_cast<std::uint8_t*>(dataBegin) + e.begin;
        at::Tensor t;
        if (e.end == e.begin) {
            t = at::empty(e.shape, options);
        } else if (reinterpret_cast<std::uintptr_t>(ptr) % e.dtype->size == 0) {
            auto keep = map;  // the tensor keeps the mapping alive
            t = at::from_blob(ptr, e.shape, [keep](void*) mutable { keep.reset(); }, options);
        } else {
            t = at::empty(e.shape, options);
            std::memcpy(t.data_ptr(), ptr, e.end - e.begin);
        }
        out.tensors.emplace(e.name, std::move(t));
    }
    return out;
}

void writeSafetensors(const std::string& path, const TensorMap& tensors, const Metadata& metadata) {
    nlohmann::json header = nlohmann::json::object();
    if (!metadata.empty()) {
        nlohmann::json meta = nlohmann::json::object();
        for (const auto& [k, v] : metadata) meta[k] = v;
        header["__metadata__"] = meta;
    }
    std::vector<at::Tensor> ordered;
    std::uint64_t offset = 0;
    for (const auto& [name, tensor] : tensors) {
        if (name == "__metadata__") throw Error("cannot write '" + path + "': '__metadata__' is not a valid tensor name");
        const DtypeInfo* d = dtypeByType(tensor.scalar_type());
        if (!d)
            throw Error("cannot write '" + path + "': tensor '" + name + "' has dtype " +
                        std::string(c10::toString(tensor.scalar_type())) + ", which safetensors cannot store");
        at::Tensor t = tensor.detach().to(at::kCPU).contiguous();
        std::uint64_t bytes = static_cast<std::uint64_t>(t.numel()) * d->size;
        header[name] = {{"dtype", d->name}, {"shape", t.sizes().vec()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        ordered.push_back(std::move(t));
    }
    std::string text = header.dump();
    while ((text.size() + 8) % 8 != 0) text.push_back(' ');  // keep the data section 8-byte aligned
    std::uint64_t headerLen = text.size();

    util::AtomicFileWriter out(path);
    out.write(&headerLen, 8);
    out.write(text);
    for (const auto& t : ordered)
        if (t.numel() > 0) out.write(t.data_ptr(), static_cast<std::size_t>(t.nbytes()));
    out.commit();
}

}  // namespace lowclip::io
