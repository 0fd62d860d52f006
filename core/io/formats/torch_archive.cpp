#include "core/io/formats/torch_archive.h"

// torch.save's zip format: <name>/data.pkl is a pickle (protocol 2) whose tensors are persistent ids
// ('storage', StorageType, key, location, numel) that point at raw little-endian records <name>/data/<key>.
// A small pickle machine of our own reads it: it understands exactly the opcodes and globals that
// state dicts use, refuses everything else by name, and never executes anything.

#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <variant>
#include <vector>

#include <ATen/Functions.h>
#include <caffe2/serialize/inline_container.h>

#include "core/error.h"

namespace lowclip::io {

namespace {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct None {};
struct Mark {};
struct Global {
    std::string module, name;
};
struct Tuple {
    std::vector<ValuePtr> items;
};
struct List {
    std::vector<ValuePtr> items;
};
struct Dict {
    std::vector<std::pair<ValuePtr, ValuePtr>> items;
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

struct Value {
    std::variant<None, Mark, bool, int64_t, double, std::string, Bytes, Global, Tuple, List, Dict, StorageRef, at::Tensor,
                 Opaque>
        v;
};

template <class T>
ValuePtr make(T x) {
    auto p = std::make_shared<Value>();
    p->v = std::move(x);
    return p;
}

class PickleError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
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

class Unpickler {
public:
    Unpickler(const std::string& data, std::function<at::Tensor(const StorageRef&)> loadStorage)
        : data_(data), loadStorage_(std::move(loadStorage)) {}

    ValuePtr run() {
        while (true) {
            std::uint8_t op = byte();
            switch (op) {
                case 0x80: byte(); break;                        // PROTO
                case 0x95: read(8); break;                       // FRAME
                case '.': return pop();                          // STOP
                case '(': stack_.push_back(make(Mark{})); break; // MARK
                case 'N': stack_.push_back(make(None{})); break;
                case 0x88: stack_.push_back(make(true)); break;  // NEWTRUE
                case 0x89: stack_.push_back(make(false)); break; // NEWFALSE
                case 'J': stack_.push_back(make(static_cast<int64_t>(le<std::int32_t>()))); break;  // BININT
                case 'K': stack_.push_back(make(static_cast<int64_t>(byte()))); break;              // BININT1
                case 'M': stack_.push_back(make(static_cast<int64_t>(le<std::uint16_t>()))); break; // BININT2
                case 0x8a: {                                                                          // LONG1
                    std::size_t n = byte();
                    if (n > 8) throw PickleError("integer too large");
                    std::string b = read(n);
                    int64_t x = 0;
                    for (std::size_t i = 0; i < n; ++i) x |= static_cast<int64_t>(static_cast<std::uint8_t>(b[i])) << (8 * i);
                    if (n > 0 && n < 8 && (static_cast<std::uint8_t>(b[n - 1]) & 0x80)) x -= static_cast<int64_t>(1) << (8 * n);
                    stack_.push_back(make(x));
                    break;
                }
                case 'G': {  // BINFLOAT, big-endian
                    std::string b = read(8);
                    std::uint64_t bits = 0;
                    for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<std::uint8_t>(b[i]);
                    double d;
                    std::memcpy(&d, &bits, 8);
                    stack_.push_back(make(d));
                    break;
                }
                case 'X': stack_.push_back(make(read(le<std::uint32_t>()))); break;   // BINUNICODE
                case 0x8c: stack_.push_back(make(read(byte()))); break;               // SHORT_BINUNICODE
                case 0x8d: stack_.push_back(make(read(le<std::uint64_t>()))); break;  // BINUNICODE8
                case 'B': stack_.push_back(make(Bytes{read(le<std::uint32_t>())})); break;  // BINBYTES
                case 'C': stack_.push_back(make(Bytes{read(byte())})); break;               // SHORT_BINBYTES
                case ')': stack_.push_back(make(Tuple{})); break;  // EMPTY_TUPLE
                case ']': stack_.push_back(make(List{})); break;   // EMPTY_LIST
                case '}': stack_.push_back(make(Dict{})); break;   // EMPTY_DICT
                case 't': stack_.push_back(make(Tuple{popMark()})); break;
                case 'l': stack_.push_back(make(List{popMark()})); break;
                case 'd': {
                    auto items = popMark();
                    if (items.size() % 2) throw PickleError("odd number of items for a dict");
                    Dict d;
                    for (std::size_t i = 0; i < items.size(); i += 2) d.items.emplace_back(items[i], items[i + 1]);
                    stack_.push_back(make(std::move(d)));
                    break;
                }
                case 0x85: { auto a = pop(); stack_.push_back(make(Tuple{{a}})); break; }  // TUPLE1
                case 0x86: { auto b = pop(), a = pop(); stack_.push_back(make(Tuple{{a, b}})); break; }
                case 0x87: { auto c = pop(), b = pop(), a = pop(); stack_.push_back(make(Tuple{{a, b, c}})); break; }
                case 'q': memo_[byte()] = top(); break;                    // BINPUT
                case 'r': memo_[le<std::uint32_t>()] = top(); break;       // LONG_BINPUT
                case 0x94: memo_[memo_.size()] = top(); break;             // MEMOIZE
                case 'h': stack_.push_back(memo(byte())); break;           // BINGET
                case 'j': stack_.push_back(memo(le<std::uint32_t>())); break;  // LONG_BINGET
                case 'c': {                                                // GLOBAL
                    std::string module = line(), name = line();
                    stack_.push_back(make(Global{module, name}));
                    break;
                }
                case 0x93: {  // STACK_GLOBAL
                    auto name = pop(), module = pop();
                    stack_.push_back(make(Global{str(module), str(name)}));
                    break;
                }
                case 'Q': {  // BINPERSID
                    auto pid = pop();
                    auto* t = std::get_if<Tuple>(&pid->v);
                    if (!t || t->items.size() < 5 || str(t->items[0]) != "storage")
                        throw PickleError("unsupported persistent id");
                    auto* g = std::get_if<Global>(&t->items[1]->v);
                    if (!g) throw PickleError("storage type is not a class");
                    stack_.push_back(make(StorageRef{storageDtype(g->name), str(t->items[2]), integer(t->items[4])}));
                    break;
                }
                case 'R': {  // REDUCE
                    auto args = pop(), fn = pop();
                    stack_.push_back(call(fn, args));
                    break;
                }
                case 0x81: {  // NEWOBJ
                    auto args = pop(), cls = pop();
                    stack_.push_back(call(cls, args));
                    break;
                }
                case 'b': pop(); break;  // BUILD: object state (OrderedDict._metadata, hooks); not needed
                case 's': {              // SETITEM
                    auto v = pop(), k = pop();
                    asDict(top()).items.emplace_back(k, v);
                    break;
                }
                case 'u': {  // SETITEMS
                    auto items = popMark();
                    if (items.size() % 2) throw PickleError("odd number of items for SETITEMS");
                    auto& d = asDict(top());
                    for (std::size_t i = 0; i < items.size(); i += 2) d.items.emplace_back(items[i], items[i + 1]);
                    break;
                }
                case 'a': {  // APPEND
                    auto v = pop();
                    if (auto* l = std::get_if<List>(&top()->v)) l->items.push_back(v);
                    break;
                }
                case 'e': {  // APPENDS
                    auto items = popMark();
                    if (auto* l = std::get_if<List>(&top()->v)) l->items.insert(l->items.end(), items.begin(), items.end());
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
    ValuePtr call(const ValuePtr& fn, const ValuePtr& argsValue) {
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
            at::Tensor storage = loadStorage_(*s);
            int64_t offset = integer(args[1]);
            std::vector<int64_t> size = ints(args[2]), stride = ints(args[3]);
            // Validate that the view stays inside the storage before making it.
            int64_t last = offset;
            bool empty = false;
            for (std::size_t i = 0; i < size.size(); ++i) {
                if (size[i] < 0 || (i < stride.size() && stride[i] < 0)) throw PickleError("negative size or stride");
                if (size[i] == 0) empty = true;
                if (i < stride.size()) last += (size[i] - 1) * stride[i];
            }
            if (size.size() != stride.size()) throw PickleError("size and stride differ in length");
            if (!empty && (offset < 0 || last >= storage.numel()))
                throw PickleError("tensor view runs past its storage '" + s->key + "'");
            if (empty) return make(at::empty(size, storage.options()));
            return make(storage.as_strided(size, stride, offset));
        }
        if (full == "torch._utils._rebuild_parameter" || full == "torch._utils._rebuild_parameter_with_state") {
            if (args.empty()) throw PickleError("_rebuild_parameter without data");
            return args[0];
        }
        if (full == "torch._tensor._rebuild_from_type_v2" || full == "torch._tensor._rebuild_from_type") {
            if (args.size() < 3) throw PickleError("_rebuild_from_type with too few arguments");
            return call(args[0], args[2]);
        }
        if (full == "torch.device") return make(Opaque{"device"});
        if (full == "builtins.set" || full == "builtins.frozenset") return make(List{});
        throw PickleError("the file calls " + full + ", which a state dict does not need");
    }

    static Dict& asDict(const ValuePtr& v) {
        auto* d = std::get_if<Dict>(&v->v);
        if (!d) throw PickleError("SETITEM on something that is not a dict");
        return *d;
    }
    static std::string str(const ValuePtr& v) {
        auto* s = std::get_if<std::string>(&v->v);
        if (!s) throw PickleError("expected a string");
        return *s;
    }
    static int64_t integer(const ValuePtr& v) {
        auto* i = std::get_if<int64_t>(&v->v);
        if (!i) throw PickleError("expected an integer");
        return *i;
    }
    static std::vector<int64_t> ints(const ValuePtr& v) {
        auto* t = std::get_if<Tuple>(&v->v);
        if (!t) throw PickleError("expected a tuple of integers");
        std::vector<int64_t> out;
        for (const auto& x : t->items) out.push_back(integer(x));
        return out;
    }

    std::uint8_t byte() {
        if (pos_ >= data_.size()) throw PickleError("unexpected end of data.pkl");
        return static_cast<std::uint8_t>(data_[pos_++]);
    }
    std::string read(std::uint64_t n) {
        if (n > data_.size() - pos_) throw PickleError("unexpected end of data.pkl");
        std::string s = data_.substr(pos_, n);
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
        if (end == std::string::npos) throw PickleError("unterminated GLOBAL");
        std::string s = data_.substr(pos_, end - pos_);
        pos_ = end + 1;
        return s;
    }
    ValuePtr pop() {
        if (stack_.empty()) throw PickleError("stack underflow");
        auto v = stack_.back();
        stack_.pop_back();
        return v;
    }
    const ValuePtr& top() {
        if (stack_.empty()) throw PickleError("stack underflow");
        return stack_.back();
    }
    ValuePtr memo(std::size_t i) {
        auto it = memo_.find(i);
        if (it == memo_.end()) throw PickleError("reference to an unknown memo entry");
        return it->second;
    }
    std::vector<ValuePtr> popMark() {
        std::vector<ValuePtr> items;
        while (true) {
            auto v = pop();
            if (std::holds_alternative<Mark>(v->v)) break;
            items.push_back(v);
        }
        return {items.rbegin(), items.rend()};
    }

    const std::string& data_;
    std::size_t pos_ = 0;
    std::vector<ValuePtr> stack_;
    std::map<std::size_t, ValuePtr> memo_;
    std::function<at::Tensor(const StorageRef&)> loadStorage_;
};

void flatten(const ValuePtr& value, const std::string& prefix, TensorMap& out) {
    if (auto* t = std::get_if<at::Tensor>(&value->v)) {
        out[prefix] = *t;
    } else if (auto* d = std::get_if<Dict>(&value->v)) {
        for (const auto& [k, v] : d->items) {
            auto* key = std::get_if<std::string>(&k->v);
            if (!key) continue;
            flatten(v, prefix.empty() ? *key : prefix + "." + *key, out);
        }
    }
}

}  // namespace

TensorMap loadTorchStateDict(const std::string& path) {
    unsigned char head[4] = {0, 0, 0, 0};
    std::size_t got = 0;
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw Error("cannot open weight file '" + path + "': " + std::strerror(errno));
        in.read(reinterpret_cast<char*>(head), 4);
        got = static_cast<std::size_t>(in.gcount());
    }
    if (got == 0) throw Error("weight file '" + path + "' is empty");
    if (got < 4 || std::memcmp(head, "PK\x03\x04", 4) != 0) {
        if (head[0] == 0x80)  // pickle protocol opcode: torch.save before PyTorch 1.6
            throw Error("weight file '" + path +
                        "' uses PyTorch's legacy (pre-1.6) format, which is not supported; re-save it in Python with "
                        "torch.save(torch.load(path), new_path) using PyTorch 1.6 or newer, or convert it to safetensors");
        throw Error("weight file '" + path + "' is neither a torch.save zip archive nor a safetensors file");
    }
    try {
        caffe2::serialize::PyTorchStreamReader reader(path);
        bool scripted = false;
        for (const auto& r : reader.getAllRecords())
            if (r == "constants.pkl" || r.rfind("code/", 0) == 0) scripted = true;
        if (scripted)
            throw Error("weight file '" + path +
                        "' is a TorchScript archive (torch.jit.save); save the weights with "
                        "torch.save(model.state_dict(), path) instead and import that");
        if (!reader.hasRecord("data.pkl"))
            throw Error("weight file '" + path + "' is a zip archive without data.pkl: not written by torch.save");
        auto [pklData, pklSize] = reader.getRecord("data.pkl");
        std::string pickle(static_cast<const char*>(pklData.get()), pklSize);
        std::map<std::string, at::Tensor> storages;
        auto loadStorage = [&](const StorageRef& s) -> at::Tensor {
            auto it = storages.find(s.key);
            if (it != storages.end()) return it->second;
            std::string record = "data/" + s.key;
            if (!reader.hasRecord(record)) throw PickleError("storage record '" + record + "' is missing");
            auto [ptr, size] = reader.getRecord(record);
            at::Tensor t = at::empty({s.numel}, at::TensorOptions().dtype(s.dtype));
            if (static_cast<std::size_t>(t.nbytes()) != size)
                throw PickleError("storage record '" + record + "' has " + std::to_string(size) + " bytes, expected " +
                                  std::to_string(t.nbytes()));
            if (size) std::memcpy(t.data_ptr(), ptr.get(), size);
            storages.emplace(s.key, t);
            return t;
        };
        Unpickler unpickler(pickle, loadStorage);
        TensorMap out;
        flatten(unpickler.run(), "", out);
        if (out.empty()) throw Error("weight file '" + path + "' holds no tensors (expected a state dict)");
        return out;
    } catch (const PickleError& e) {
        throw Error("cannot read weight file '" + path + "': " + e.what());
    } catch (const c10::Error& e) {
        throw Error("weight file '" + path + "' is a damaged zip archive: " + e.what_without_backtrace());
    }
}

TensorMap loadWeights(const std::string& path) {
    char head[8] = {0};
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw Error("cannot open weight file '" + path + "': " + std::strerror(errno));
        in.read(head, sizeof head);
        if (in.gcount() < 4) throw Error("weight file '" + path + "' is too short to be a weight file");
    }
    if (std::memcmp(head, "PK\x03\x04", 4) == 0 || static_cast<unsigned char>(head[0]) == 0x80)
        return loadTorchStateDict(path);
    return readSafetensors(path).tensors;
}

}  // namespace lowclip::io
