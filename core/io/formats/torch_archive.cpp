#include "core/io/formats/torch_archive.h"

// torch.save's zip format: <name>/data.pkl is a pickle (protocol 2) whose tensors are persistent ids
// ('storage', StorageType, key, location, numel) that point at raw little-endian records <name>/data/<key>.
//
// Everything in the file is treated as hostile:
// * The zip is read by a strict reader of our own over a read-only memory map. torch.save stores its
//   records uncompressed, so compressed, encrypted, overlapping or out-of-file records are refused, the
//   local header of every record must agree with the central directory, and no size is trusted before
//   it has been checked against the file (nothing is allocated from a size that the file merely claims).
// * A small pickle machine reads data.pkl (at most 64 MiB): it understands exactly the opcodes and
//   globals that state dicts use, refuses everything else by name, and never executes anything. Its
//   values live in an arena (no recursive destruction, no reference cycles that leak), with caps on
//   the number of values, the stack, the memo and the nesting depth; the value tree is walked
//   iteratively.
// * A storage is allocated only after its record size equals numel x item size, and every tensor view
//   (offset, sizes, strides) is checked with overflow-checked arithmetic against its storage.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include <ATen/Functions.h>

#include "core/error.h"

namespace lowclip::io {

namespace {

// Limits. Real state dicts stay far below each (mBERT: a 16 KiB pickle, ~4,000 values, depth 3).
constexpr std::uint64_t kMaxPickleBytes = 64ull << 20;
constexpr std::size_t kMaxValues = 2'000'000;    // values plus references held by containers (~200 MB at most)
constexpr std::size_t kMaxTensors = 1'000'000;
constexpr std::size_t kMaxStack = 1'000'000;
constexpr std::size_t kMaxMemo = 1'000'000;
constexpr std::uint32_t kMaxDepth = 256;         // nesting of containers
constexpr std::size_t kMaxKeyPath = 64 * 1024;   // a flattened tensor name, in bytes
constexpr std::size_t kMaxDims = 64;
constexpr std::size_t kMaxZipEntries = 1'000'000;

class PickleError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------------------------
// Zip (stored records only), read from a memory map.

class FileMap {
public:
    explicit FileMap(const std::string& path) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw Error(ErrorCode::Io, "cannot open weight file '" + path + "': " + std::strerror(errno),
                                {{"path", path}, {"reason", std::strerror(errno)}});
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            ::close(fd);
            throw Error(ErrorCode::InvalidFile, "weight file '" + path + "' is not a regular file",
                        {{"path", path}, {"reason", "not a regular file"}});
        }
        size_ = static_cast<std::size_t>(st.st_size);
        if (size_ > 0) {
            void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
            if (p == MAP_FAILED) {
                int e = errno;
                ::close(fd);
                throw Error(ErrorCode::Io, "cannot map weight file '" + path + "' into memory: " + std::strerror(e),
                            {{"path", path}, {"reason", std::strerror(e)}});
            }
            data_ = static_cast<const std::uint8_t*>(p);
        }
        ::close(fd);
    }
    ~FileMap() {
        if (data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
    }
    FileMap(const FileMap&) = delete;
    FileMap& operator=(const FileMap&) = delete;
    const std::uint8_t* data() const { return data_; }
    std::size_t size() const { return size_; }

private:
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
};

// Thrown by the zip reader; its text is the reason shown to the user.
class ZipError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ZipRecord {
    std::string name;          // without the archive's top folder
    std::uint64_t data = 0;    // offset of the first byte
    std::uint64_t size = 0;
};

class ZipArchive {
public:
    ZipArchive(const std::uint8_t* data, std::size_t size) : d_(data), n_(size) { parse(); }

    const ZipRecord* find(const std::string& name) const {
        auto it = index_.find(name);
        return it == index_.end() ? nullptr : &records_[it->second];
    }
    const std::vector<ZipRecord>& records() const { return records_; }
    const std::uint8_t* bytes(const ZipRecord& r) const { return d_ + r.data; }

private:
    bool has(std::uint64_t pos, std::uint64_t len) const { return pos <= n_ && len <= n_ - pos; }
    void need(std::uint64_t pos, std::uint64_t len, const char* what) const {
        if (!has(pos, len)) throw ZipError(std::string(what) + " lies outside the file (truncated or damaged zip archive)");
    }
    std::uint32_t u16(std::uint64_t p) const { return std::uint32_t(d_[p]) | (std::uint32_t(d_[p + 1]) << 8); }
    std::uint32_t u32(std::uint64_t p) const { return u16(p) | (u16(p + 2) << 16); }
    std::uint64_t u64(std::uint64_t p) const { return std::uint64_t(u32(p)) | (std::uint64_t(u32(p + 4)) << 32); }

    // Values of the zip64 extended-information field for the fields that are saturated (in this order).
    struct Zip64 {
        bool usize, csize, offset;
    };
    void readZip64(std::uint64_t extra, std::uint64_t extraLen, Zip64 want, std::uint64_t& usize, std::uint64_t& csize,
                   std::uint64_t* offset) const {
        std::uint64_t p = extra, end = extra + extraLen;
        while (p + 4 <= end) {
            std::uint32_t id = u16(p), len = u16(p + 2);
            if (p + 4 + len > end) throw ZipError("a zip extra field runs past its header");
            if (id == 0x0001) {
                std::uint64_t q = p + 4, qend = p + 4 + len;
                auto take = [&](std::uint64_t& v) {
                    if (q + 8 > qend) throw ZipError("a zip64 extra field is too short");
                    v = u64(q);
                    q += 8;
                };
                if (want.usize) take(usize);
                if (want.csize) take(csize);
                if (want.offset && offset) take(*offset);
                return;
            }
            p += 4 + len;
        }
        if (want.usize || want.csize || (want.offset && offset))
            throw ZipError("a zip entry with saturated sizes has no zip64 extra field");
    }

    void parse() {
        if (n_ < 22) throw ZipError("the file is too short to be a zip archive");
        // End of central directory: the last signature within the 64 KiB comment window.
        std::uint64_t eocd = n_;
        std::uint64_t lowest = n_ > 22 + 65535 ? n_ - 22 - 65535 : 0;
        for (std::uint64_t p = n_ - 22 + 1; p-- > lowest;) {
            if (u32(p) == 0x06054b50 && p + 22 + u16(p + 20) == n_) {
                eocd = p;
                break;
            }
        }
        if (eocd == n_) throw ZipError("no end of central directory record (truncated or not a zip archive)");
        if (u16(eocd + 4) != 0 || u16(eocd + 6) != 0) throw ZipError("multi-part zip archives are not supported");
        std::uint64_t count = u16(eocd + 10), cdSize = u32(eocd + 12), cdOffset = u32(eocd + 16);
        std::uint64_t cdLimit = eocd;  // the central directory ends before this
        const bool saturated = count == 0xFFFF || cdSize == 0xFFFFFFFFu || cdOffset == 0xFFFFFFFFu;
        if (eocd >= 20 && u32(eocd - 20) == 0x07064b50) {
            // zip64 (torch.save always writes it): its record, between the directory and the locator, rules.
            std::uint64_t z = u64(eocd - 20 + 8);
            need(z, 56, "the zip64 end of central directory");
            if (u32(z) != 0x06064b50) throw ZipError("bad zip64 end of central directory signature");
            if (z + 56 > eocd - 20) throw ZipError("the zip64 end of central directory overlaps its locator");
            std::uint64_t count64 = u64(z + 32), size64 = u64(z + 40), offset64 = u64(z + 48);
            if ((count != 0xFFFF && count != count64) || (cdSize != 0xFFFFFFFFu && cdSize != size64) ||
                (cdOffset != 0xFFFFFFFFu && cdOffset != offset64))
                throw ZipError("the zip64 end of central directory disagrees with the classic one");
            count = count64;
            cdSize = size64;
            cdOffset = offset64;
            cdLimit = z;
        } else if (saturated) {
            throw ZipError("zip64 archive without its locator");
        }
        if (cdOffset > cdLimit || cdSize != cdLimit - cdOffset)
            throw ZipError("the central directory does not end where the archive says it does");
        if (count > kMaxZipEntries || count > cdSize / 46) throw ZipError("the entry count does not fit the central directory");

        std::string prefix;
        std::uint64_t p = cdOffset;
        std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // [local header, end of record) per entry
        records_.reserve(static_cast<std::size_t>(count));
        for (std::uint64_t i = 0; i < count; ++i) {
            if (p + 46 > cdLimit || u32(p) != 0x02014b50) throw ZipError("damaged central directory entry");
            std::uint32_t flags = u16(p + 8), method = u16(p + 10);
            std::uint32_t crc = u32(p + 16);
            std::uint64_t csize = u32(p + 20), usize = u32(p + 24);
            std::uint64_t nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32);
            std::uint64_t local = u32(p + 42);
            std::uint64_t next = p + 46 + nameLen + extraLen + commentLen;
            if (next > cdLimit) throw ZipError("a central directory entry runs past the directory");
            std::string name(reinterpret_cast<const char*>(d_ + p + 46), nameLen);
            readZip64(p + 46 + nameLen, extraLen, {usize == 0xFFFFFFFFu, csize == 0xFFFFFFFFu, local == 0xFFFFFFFFu},
                      usize, csize, &local);
            if (flags & 0x41) throw ZipError("record '" + name + "' is encrypted");
            if (method != 0)
                throw ZipError("record '" + name + "' is compressed (method " + std::to_string(method) +
                               "); torch.save stores records uncompressed");
            if (csize != usize) throw ZipError("record '" + name + "' has differing stored and original sizes");

            // The local header must say the same as the central directory.
            if (local > cdOffset || cdOffset - local < 30 || u32(local) != 0x04034b50)
                throw ZipError("record '" + name + "' has no local header where the directory says");
            std::uint32_t lflags = u16(local + 6), lmethod = u16(local + 8), lcrc = u32(local + 14);
            std::uint64_t lcsize = u32(local + 18), lusize = u32(local + 22);
            std::uint64_t lnameLen = u16(local + 26), lextraLen = u16(local + 28);
            std::uint64_t dataStart = local + 30 + lnameLen + lextraLen;
            if (dataStart > cdOffset) throw ZipError("the local header of record '" + name + "' runs into the directory");
            if (lnameLen != nameLen || std::memcmp(d_ + local + 30, name.data(), nameLen) != 0 || lmethod != method ||
                (lflags & 0x08) != (flags & 0x08))
                throw ZipError("the local header of record '" + name + "' disagrees with the central directory");
            if (usize > cdOffset - dataStart) throw ZipError("record '" + name + "' runs past the end of the data");
            std::uint64_t end = dataStart + usize;
            if (flags & 0x08) {
                // Sizes follow the data in a descriptor: [signature] crc, sizes (32- or 64-bit).
                std::uint64_t q = end;
                if (q + 4 <= cdOffset && u32(q) == 0x08074b50) q += 4;
                bool ok = false;
                if (q + 12 <= cdOffset && u32(q) == crc && u32(q + 4) == csize && u32(q + 8) == usize) {
                    ok = true;
                    end = q + 12;
                } else if (q + 20 <= cdOffset && u32(q) == crc && u64(q + 4) == csize && u64(q + 12) == usize) {
                    ok = true;
                    end = q + 20;
                }
                if (!ok) throw ZipError("the data descriptor of record '" + name + "' disagrees with the central directory");
            } else {
                readZip64(local + 30 + lnameLen, lextraLen, {lusize == 0xFFFFFFFFu, lcsize == 0xFFFFFFFFu, false}, lusize,
                          lcsize, nullptr);
                if (lcrc != crc || lcsize != csize || lusize != usize)
                    throw ZipError("the local header of record '" + name + "' disagrees with the central directory");
            }
            // torch.save names every record <archive>/<path>; all share one top folder.
            auto slash = name.find('/');
            if (slash == std::string::npos || slash == 0 || slash + 1 == name.size())
                throw ZipError("record '" + name + "' is not inside the archive's folder");
            if (i == 0) prefix = name.substr(0, slash + 1);
            if (name.compare(0, prefix.size(), prefix) != 0)
                throw ZipError("record '" + name + "' is outside the archive's folder '" + prefix + "'");
            std::string key = name.substr(prefix.size());
            if (!index_.emplace(key, records_.size()).second) throw ZipError("record '" + name + "' appears twice");
            records_.push_back({key, dataStart, usize});
            spans.emplace_back(local, end);
            p = next;
        }
        if (p != cdLimit) throw ZipError("the central directory has bytes after its last entry");
        std::sort(spans.begin(), spans.end());
        for (std::size_t i = 1; i < spans.size(); ++i)
            if (spans[i].first < spans[i - 1].second) throw ZipError("two records of the archive overlap");
    }

    const std::uint8_t* d_;
    std::uint64_t n_;
    std::vector<ZipRecord> records_;
    std::unordered_map<std::string, std::size_t> index_;
};

// ---------------------------------------------------------------------------------------------
// The pickle machine.

struct Value;

struct None {};
struct Mark {};
struct Global {
    std::string module, name;
};
struct Tuple {
    std::vector<Value*> items;
};
struct List {
    std::vector<Value*> items;
};
struct Dict {
    std::vector<std::pair<Value*, Value*>> items;
};
struct StorageRef {
    at::ScalarType dtype;
    std::string key;
    int64_t numel;
};
struct Bytes {
    std::string data;
};
// The result of calling a global we do not model (e.g. an empty OrderedDict of hooks): kept opaque.
struct Opaque {
    std::string what;
};

// Values are owned by the Unpickler's arena; containers only point at them.
struct Value {
    std::variant<None, Mark, bool, int64_t, double, std::string, Bytes, Global, Tuple, List, Dict, StorageRef, at::Tensor,
                 Opaque>
        v;
    std::uint32_t depth = 0;  // containers: 1 + the deepest item when it was built or last added to
};

at::ScalarType storageDtype(const std::string& name) {
    static const std::map<std::string, at::ScalarType> types = {
        {"FloatStorage", at::kFloat},   {"DoubleStorage", at::kDouble}, {"HalfStorage", at::kHalf},
        {"BFloat16Storage", at::kBFloat16}, {"LongStorage", at::kLong},   {"IntStorage", at::kInt},
        {"ShortStorage", at::kShort},   {"CharStorage", at::kChar},     {"ByteStorage", at::kByte},
        {"BoolStorage", at::kBool},
    };
    auto it = types.find(name);
    if (it == types.end()) throw PickleError("unsupported storage type torch." + name);
    return it->second;
}

std::string tooDeep() {
    return "data.pkl nests containers more than " + std::to_string(kMaxDepth) +
           " levels deep (or a container holds itself); a state dict does not";
}

class Unpickler {
public:
    Unpickler(std::string_view data, std::function<at::Tensor(const StorageRef&)> loadStorage)
        : data_(data), loadStorage_(std::move(loadStorage)) {}

    Value* run() {
        while (true) {
            std::uint8_t op = byte();
            switch (op) {
                case 0x80: byte(); break;                        // PROTO
                case 0x95: read(8); break;                       // FRAME
                case '.': return pop();                          // STOP
                case '(': push(&mark_); break;                   // MARK
                case 'N': push(make(None{})); break;
                case 0x88: push(make(true)); break;  // NEWTRUE
                case 0x89: push(make(false)); break; // NEWFALSE
                case 'J': push(make(static_cast<int64_t>(le<std::int32_t>()))); break;  // BININT
                case 'K': push(make(static_cast<int64_t>(byte()))); break;              // BININT1
                case 'M': push(make(static_cast<int64_t>(le<std::uint16_t>()))); break; // BININT2
                case 0x8a: {                                                              // LONG1
                    std::size_t n = byte();
                    if (n > 8) throw PickleError("integer too large");
                    std::string b = read(n);
                    std::uint64_t x = 0;
                    for (std::size_t i = 0; i < n; ++i) x |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(b[i])) << (8 * i);
                    if (n > 0 && n < 8 && (static_cast<std::uint8_t>(b[n - 1]) & 0x80)) x |= ~std::uint64_t(0) << (8 * n);
                    push(make(static_cast<int64_t>(x)));
                    break;
                }
                case 'G': {  // BINFLOAT, big-endian
                    std::string b = read(8);
                    std::uint64_t bits = 0;
                    for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<std::uint8_t>(b[i]);
                    double d;
                    std::memcpy(&d, &bits, 8);
                    push(make(d));
                    break;
                }
                case 'X': push(make(read(le<std::uint32_t>()))); break;   // BINUNICODE
                case 0x8c: push(make(read(byte()))); break;               // SHORT_BINUNICODE
                case 0x8d: push(make(read(le<std::uint64_t>()))); break;  // BINUNICODE8
                case 'B': push(make(Bytes{read(le<std::uint32_t>())})); break;  // BINBYTES
                case 'C': push(make(Bytes{read(byte())})); break;               // SHORT_BINBYTES
                case ')': push(make(Tuple{})); break;  // EMPTY_TUPLE
                case ']': push(make(List{})); break;   // EMPTY_LIST
                case '}': push(make(Dict{})); break;   // EMPTY_DICT
                case 't': push(container(Tuple{popMark()})); break;
                case 'l': push(container(List{popMark()})); break;
                case 'd': {
                    auto items = popMark();
                    if (items.size() % 2) throw PickleError("odd number of items for a dict");
                    Dict d;
                    for (std::size_t i = 0; i < items.size(); i += 2) d.items.emplace_back(items[i], items[i + 1]);
                    push(container(std::move(d)));
                    break;
                }
                case 0x85: { auto a = pop(); push(container(Tuple{{a}})); break; }  // TUPLE1
                case 0x86: { auto b = pop(), a = pop(); push(container(Tuple{{a, b}})); break; }
                case 0x87: { auto c = pop(), b = pop(), a = pop(); push(container(Tuple{{a, b, c}})); break; }
                case 'q': memoPut(byte()); break;                    // BINPUT
                case 'r': memoPut(le<std::uint32_t>()); break;       // LONG_BINPUT
                case 0x94: memoPut(memo_.size()); break;             // MEMOIZE
                case 'h': push(memo(byte())); break;                 // BINGET
                case 'j': push(memo(le<std::uint32_t>())); break;    // LONG_BINGET
                case 'c': {                                          // GLOBAL
                    std::string module = line(), name = line();
                    push(make(Global{module, name}));
                    break;
                }
                case 0x93: {  // STACK_GLOBAL
                    auto name = pop(), module = pop();
                    push(make(Global{str(module), str(name)}));
                    break;
                }
                case 'Q': {  // BINPERSID
                    auto pid = pop();
                    auto* t = std::get_if<Tuple>(&pid->v);
                    if (!t || t->items.size() < 5 || str(t->items[0]) != "storage")
                        throw PickleError("unsupported persistent id");
                    auto* g = std::get_if<Global>(&t->items[1]->v);
                    if (!g) throw PickleError("storage type is not a class");
                    int64_t numel = integer(t->items[4]);
                    if (numel < 0) throw PickleError("storage '" + str(t->items[2]) + "' has an invalid element count " + std::to_string(numel));
                    push(make(StorageRef{storageDtype(g->name), str(t->items[2]), numel}));
                    break;
                }
                case 'R': {  // REDUCE
                    auto args = pop(), fn = pop();
                    push(call(fn, args, 0));
                    break;
                }
                case 0x81: {  // NEWOBJ
                    auto args = pop(), cls = pop();
                    push(call(cls, args, 0));
                    break;
                }
                case 'b': pop(); break;  // BUILD: object state (OrderedDict._metadata, hooks); not needed
                case 's': {              // SETITEM
                    auto v = pop(), k = pop();
                    Value* d = top();
                    charge(2);
                    asDict(d).items.emplace_back(k, v);
                    deepen(d, std::max(k->depth, v->depth));
                    break;
                }
                case 'u': {  // SETITEMS
                    auto items = popMark();
                    if (items.size() % 2) throw PickleError("odd number of items for SETITEMS");
                    Value* d = top();
                    auto& dict = asDict(d);
                    charge(items.size());
                    for (std::size_t i = 0; i < items.size(); i += 2) {
                        dict.items.emplace_back(items[i], items[i + 1]);
                        deepen(d, std::max(items[i]->depth, items[i + 1]->depth));
                    }
                    break;
                }
                case 'a': {  // APPEND
                    auto v = pop();
                    Value* l = top();
                    if (auto* list = std::get_if<List>(&l->v)) {
                        charge(1);
                        list->items.push_back(v);
                        deepen(l, v->depth);
                    }
                    break;
                }
                case 'e': {  // APPENDS
                    auto items = popMark();
                    Value* l = top();
                    if (auto* list = std::get_if<List>(&l->v)) {
                        charge(items.size());
                        list->items.insert(list->items.end(), items.begin(), items.end());
                        for (Value* v : items) deepen(l, v->depth);
                    }
                    break;
                }
                default: {
                    char buf[64];
                    std::snprintf(buf, sizeof buf, "unsupported pickle opcode 0x%02x at byte %zu", op, pos_ - 1);
                    throw PickleError(buf);
                }
            }
        }
    }

private:
    // Counts values and container references against kMaxValues.
    void charge(std::size_t n) {
        if (n > kMaxValues - used_) throw PickleError("data.pkl holds more than " + std::to_string(kMaxValues) + " values; a state dict does not");
        used_ += n;
    }
    template <class T>
    Value* make(T x) {
        charge(1);
        Value& v = arena_.emplace_back();
        v.v = std::move(x);
        return &v;
    }
    // A container, with its depth from its items.
    template <class T>
    Value* container(T x) {
        std::uint32_t deepest = 0;
        std::size_t n = 0;
        if constexpr (std::is_same_v<T, Dict>) {
            for (const auto& [k, v] : x.items) deepest = std::max({deepest, k->depth, v->depth});
            n = 2 * x.items.size();
        } else {
            for (const Value* v : x.items) deepest = std::max(deepest, v->depth);
            n = x.items.size();
        }
        charge(n);
        Value* v = make(std::move(x));
        deepen(v, deepest);
        return v;
    }
    static void deepen(Value* container, std::uint32_t itemDepth) {
        if (itemDepth + 1 > kMaxDepth) throw PickleError(tooDeep());
        container->depth = std::max(container->depth, itemDepth + 1);
    }

    Value* call(Value* fn, Value* argsValue, int depth) {
        if (depth > 4) throw PickleError("tensor rebuilding nested too deeply");
        auto* g = std::get_if<Global>(&fn->v);
        auto* t = std::get_if<Tuple>(&argsValue->v);
        if (!g || !t) throw PickleError("call of something that is not a known class or function");
        const auto& args = t->items;
        const std::string full = g->module + "." + g->name;
        if (full == "collections.OrderedDict" || full == "builtins.dict") return make(Dict{});
        if (full == "torch._utils._rebuild_tensor_v2" || full == "torch._utils._rebuild_tensor") {
            if (args.size() < 4) throw PickleError("_rebuild_tensor with too few arguments");
            auto* s = std::get_if<StorageRef>(&args[0]->v);
            if (!s) throw PickleError("_rebuild_tensor without a storage");
            return make(view(*s, integer(args[1]), ints(args[2]), ints(args[3])));
        }
        if (full == "torch._utils._rebuild_parameter" || full == "torch._utils._rebuild_parameter_with_state") {
            if (args.empty()) throw PickleError("_rebuild_parameter without data");
            return args[0];
        }
        if (full == "torch._tensor._rebuild_from_type_v2" || full == "torch._tensor._rebuild_from_type") {
            if (args.size() < 3) throw PickleError("_rebuild_from_type with too few arguments");
            return call(args[0], args[2], depth + 1);
        }
        if (full == "torch.device") return make(Opaque{"device"});
        if (full == "builtins.set" || full == "builtins.frozenset") return make(List{});
        throw PickleError("the file calls " + full + ", which a state dict does not need");
    }

    // The view (offset, size, stride) of a storage, checked to stay inside it.
    at::Tensor view(const StorageRef& s, int64_t offset, const std::vector<int64_t>& size,
                    const std::vector<int64_t>& stride) {
        const std::string where = " of a tensor in storage '" + s.key + "'";
        if (++tensors_ > kMaxTensors)
            throw PickleError("data.pkl rebuilds more than " + std::to_string(kMaxTensors) + " tensors");
        if (size.size() != stride.size()) throw PickleError("size and stride differ in length" + where);
        if (size.size() > kMaxDims) throw PickleError("more than " + std::to_string(kMaxDims) + " dimensions" + where);
        if (offset < 0) throw PickleError("negative storage offset" + where);
        bool empty = false;
        int64_t elements = 1;
        for (std::size_t i = 0; i < size.size(); ++i) {
            if (size[i] < 0 || stride[i] < 0) throw PickleError("negative size or stride" + where);
            if (size[i] == 0) empty = true;
            if (__builtin_mul_overflow(elements, std::max<int64_t>(size[i], 1), &elements))
                throw PickleError("the tensor's size overflows" + where);
        }
        if (empty) {
            loadStorage_(s);  // the storage record must still be sound
            return at::empty(size, at::TensorOptions().dtype(s.dtype));
        }
        // The last element is offset + sum((size - 1) * stride); it must lie inside the storage.
        int64_t last = offset;
        for (std::size_t i = 0; i < size.size(); ++i) {
            int64_t step = 0;
            if (__builtin_mul_overflow(size[i] - 1, stride[i], &step) || __builtin_add_overflow(last, step, &last))
                throw PickleError("tensor view runs past its storage '" + s.key + "' (its extent overflows)");
        }
        if (last >= s.numel) throw PickleError("tensor view runs past its storage '" + s.key + "'");
        at::Tensor storage = loadStorage_(s);
        return storage.as_strided(size, stride, offset);
    }

    static Dict& asDict(Value* v) {
        auto* d = std::get_if<Dict>(&v->v);
        if (!d) throw PickleError("SETITEM on something that is not a dict");
        return *d;
    }
    static std::string str(const Value* v) {
        auto* s = std::get_if<std::string>(&v->v);
        if (!s) throw PickleError("expected a string");
        return *s;
    }
    static int64_t integer(const Value* v) {
        auto* i = std::get_if<int64_t>(&v->v);
        if (!i) throw PickleError("expected an integer");
        return *i;
    }
    static std::vector<int64_t> ints(const Value* v) {
        auto* t = std::get_if<Tuple>(&v->v);
        if (!t) throw PickleError("expected a tuple of integers");
        if (t->items.size() > kMaxDims) throw PickleError("more than " + std::to_string(kMaxDims) + " dimensions");
        std::vector<int64_t> out;
        for (const auto* x : t->items) out.push_back(integer(x));
        return out;
    }

    std::uint8_t byte() {
        if (pos_ >= data_.size()) throw PickleError("unexpected end of data.pkl");
        return static_cast<std::uint8_t>(data_[pos_++]);
    }
    std::string read(std::uint64_t n) {
        if (n > data_.size() - pos_) throw PickleError("unexpected end of data.pkl");
        std::string s(data_.substr(pos_, n));
        pos_ += n;
        return s;
    }
    template <class T>
    T le() {
        std::string b = read(sizeof(T));
        T x;
        std::memcpy(&x, b.data(), sizeof(T));
        return x;
    }
    std::string line() {
        auto end = data_.find('\n', pos_);
        if (end == std::string_view::npos || end - pos_ > 256) throw PickleError("unterminated GLOBAL");
        std::string s(data_.substr(pos_, end - pos_));
        pos_ = end + 1;
        return s;
    }
    void push(Value* v) {
        if (stack_.size() >= kMaxStack) throw PickleError("data.pkl needs a stack of more than " + std::to_string(kMaxStack) + " values; a state dict does not");
        stack_.push_back(v);
    }
    Value* pop() {
        if (stack_.empty()) throw PickleError("stack underflow");
        Value* v = stack_.back();
        stack_.pop_back();
        if (v == &mark_) throw PickleError("a mark where a value was expected");
        return v;
    }
    Value* top() {
        if (stack_.empty()) throw PickleError("stack underflow");
        if (stack_.back() == &mark_) throw PickleError("a mark where a value was expected");
        return stack_.back();
    }
    void memoPut(std::size_t i) {
        Value* v = top();
        if (memo_.size() >= kMaxMemo && !memo_.count(i))
            throw PickleError("data.pkl memoizes more than " + std::to_string(kMaxMemo) + " values; a state dict does not");
        memo_[i] = v;
    }
    Value* memo(std::size_t i) {
        auto it = memo_.find(i);
        if (it == memo_.end()) throw PickleError("reference to an unknown memo entry");
        return it->second;
    }
    std::vector<Value*> popMark() {
        auto it = std::find(stack_.rbegin(), stack_.rend(), &mark_);
        if (it == stack_.rend()) throw PickleError("stack underflow (no mark)");
        auto markPos = std::prev(it.base());
        std::vector<Value*> items(std::next(markPos), stack_.end());
        stack_.erase(markPos, stack_.end());
        for (Value* v : items)
            if (v == &mark_) throw PickleError("a mark where a value was expected");
        return items;
    }

    std::string_view data_;
    std::size_t pos_ = 0;
    std::deque<Value> arena_;
    std::size_t used_ = 0;
    std::size_t tensors_ = 0;
    Value mark_{Mark{}};
    std::vector<Value*> stack_;
    std::unordered_map<std::size_t, Value*> memo_;
    std::function<at::Tensor(const StorageRef&)> loadStorage_;
};

// Tensors of a (nested) dict by dotted name, walked without recursion.
void flatten(Value* root, TensorMap& out) {
    struct Item {
        Value* value;
        std::string prefix;
        std::uint32_t depth;
    };
    std::vector<Item> todo;
    todo.push_back({root, "", 0});
    std::size_t visited = 0;
    while (!todo.empty()) {
        Item item = std::move(todo.back());
        todo.pop_back();
        if (++visited > kMaxValues) throw PickleError("data.pkl refers to more than " + std::to_string(kMaxValues) + " values");
        if (auto* t = std::get_if<at::Tensor>(&item.value->v)) {
            out[item.prefix] = *t;
            if (out.size() > kMaxTensors) throw PickleError("data.pkl names more than " + std::to_string(kMaxTensors) + " tensors");
        } else if (auto* d = std::get_if<Dict>(&item.value->v)) {
            if (item.depth >= kMaxDepth) throw PickleError(tooDeep());
            for (auto it = d->items.rbegin(); it != d->items.rend(); ++it) {
                auto* key = std::get_if<std::string>(&it->first->v);
                if (!key) continue;
                std::string name = item.prefix.empty() ? *key : item.prefix + "." + *key;
                if (name.size() > kMaxKeyPath)
                    throw PickleError("a tensor name is longer than " + std::to_string(kMaxKeyPath) + " bytes");
                todo.push_back({it->second, std::move(name), item.depth + 1});
            }
        }
    }
}

[[noreturn]] void invalid(const std::string& path, const std::string& reason) {
    throw Error(ErrorCode::InvalidFile, "cannot read weight file '" + path + "': " + reason,
                {{"path", path}, {"reason", reason}});
}

// The start of a legacy (pre-1.6) torch.save file: PROTO n, then the pickled magic number
// 0x1950a86a20f9469cfc6c as LONG1.
bool isLegacyTorch(const std::uint8_t* d, std::size_t n) {
    static const std::uint8_t magic[] = {0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
    return n >= 2 + sizeof magic && d[0] == 0x80 && std::memcmp(d + 2, magic, sizeof magic) == 0;
}

bool isZip(const std::uint8_t* d, std::size_t n) { return n >= 4 && std::memcmp(d, "PK\x03\x04", 4) == 0; }

// safetensors: an 8-byte little-endian header length that fits the file, then a JSON object.
bool looksLikeSafetensors(const std::uint8_t* d, std::size_t n) {
    if (n < 10) return false;
    std::uint64_t len = 0;
    for (int i = 7; i >= 0; --i) len = (len << 8) | d[i];
    return len >= 2 && len <= n - 8 && d[8] == '{';
}

}  // namespace

TensorMap loadTorchStateDict(const std::string& path) {
    FileMap map(path);
    const std::uint8_t* d = map.data();
    const std::size_t n = map.size();
    if (n == 0) invalid(path, "the file is empty");
    if (!isZip(d, n)) {
        if (isLegacyTorch(d, n))
            throw Error(ErrorCode::Unsupported,
                        "weight file '" + path +
                            "' uses PyTorch's legacy (pre-1.6) format, which is not supported; re-save it in Python with "
                            "torch.save(torch.load(path), new_path) using PyTorch 1.6 or newer, or convert it to safetensors",
                        {{"path", path}, {"what", "PyTorch's legacy (pre-1.6) format"}});
        invalid(path, "it is neither a torch.save zip archive nor a safetensors file");
    }
    try {
        ZipArchive zip(d, n);
        for (const auto& r : zip.records())
            if (r.name == "constants.pkl" || r.name.rfind("code/", 0) == 0)
                throw Error(ErrorCode::Unsupported,
                            "weight file '" + path +
                                "' is a TorchScript archive (torch.jit.save); save the weights with "
                                "torch.save(model.state_dict(), path) instead and import that",
                            {{"path", path}, {"what", "TorchScript archives"}});
        const ZipRecord* pkl = zip.find("data.pkl");
        if (!pkl) invalid(path, "it is a zip archive without data.pkl: not written by torch.save");
        if (pkl->size > kMaxPickleBytes)
            invalid(path, "its data.pkl is " + std::to_string(pkl->size) + " bytes, above the limit of " +
                              std::to_string(kMaxPickleBytes) + " bytes for a state dict");
        std::string_view pickle(reinterpret_cast<const char*>(zip.bytes(*pkl)), static_cast<std::size_t>(pkl->size));
        std::map<std::string, at::Tensor> storages;
        auto loadStorage = [&](const StorageRef& s) -> at::Tensor {
            auto it = storages.find(s.key);
            if (it != storages.end()) {
                if (it->second.scalar_type() != s.dtype || it->second.numel() != s.numel)
                    throw PickleError("storage '" + s.key + "' is described twice, differently");
                return it->second;
            }
            std::string record = "data/" + s.key;
            const ZipRecord* r = zip.find(record);
            if (!r) throw PickleError("storage record '" + record + "' is missing");
            // Sizes first: nothing is allocated for a storage whose record does not match it.
            const std::uint64_t item = c10::elementSize(s.dtype);
            std::uint64_t expected = 0;
            if (s.numel < 0 || __builtin_mul_overflow(static_cast<std::uint64_t>(s.numel), item, &expected))
                throw PickleError("storage '" + s.key + "' has an invalid element count " + std::to_string(s.numel));
            if (expected != r->size)
                throw PickleError("storage record '" + record + "' has " + std::to_string(r->size) + " bytes, expected " +
                                  std::to_string(expected));
            at::Tensor t = at::empty({s.numel}, at::TensorOptions().dtype(s.dtype));
            if (r->size) std::memcpy(t.data_ptr(), zip.bytes(*r), static_cast<std::size_t>(r->size));
            storages.emplace(s.key, t);
            return t;
        };
        TensorMap out;
        {
            Unpickler unpickler(pickle, loadStorage);
            flatten(unpickler.run(), out);
        }
        if (out.empty()) invalid(path, "it holds no tensors (expected a state dict)");
        return out;
    } catch (const PickleError& e) {
        invalid(path, e.what());
    } catch (const ZipError& e) {
        invalid(path, std::string("it is a damaged zip archive: ") + e.what());
    } catch (const std::bad_alloc&) {
        invalid(path, "not enough memory to load its tensors");
    } catch (const c10::Error& e) {
        // No LibTorch text reaches a user; every size is checked before LibTorch sees it.
        invalid(path, "its tensors cannot be rebuilt");
    }
}

TensorMap loadWeights(const std::string& path) {
    enum class Kind { Torch, Safetensors, Unknown } kind = Kind::Unknown;
    {
        FileMap map(path);
        const std::uint8_t* d = map.data();
        const std::size_t n = map.size();
        if (n < 4) invalid(path, "it is " + std::to_string(n) + " bytes, too short to be a weight file");
        if (isZip(d, n) || isLegacyTorch(d, n))
            kind = Kind::Torch;
        else if (looksLikeSafetensors(d, n))
            kind = Kind::Safetensors;
    }
    if (kind == Kind::Torch) return loadTorchStateDict(path);
    // Unknown too: the safetensors reader says what is wrong (a truncated or damaged header, most often).
    return readSafetensors(path).tensors;
}

}  // namespace lowclip::io
