#include "core/app/model_registry.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/util/atomic_file.h"
#include "core/util/paths.h"
#include "core/util/utf8.h"

namespace fs = std::filesystem;

namespace lowclip::app {

namespace {

constexpr const char* kActiveFile = "active";
constexpr std::size_t kMaxNameBytes = 100;

std::uint64_t folderBytes(const fs::path& dir) {
    std::uint64_t total = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::error_code ec2;
        if (it->is_regular_file(ec2)) total += it->file_size(ec2);
    }
    return total;
}

bool isBundleFolder(const fs::path& dir) {
    std::error_code ec;
    return fs::is_directory(dir, ec) && fs::is_regular_file(dir / io::kBundleConfigFile, ec);
}

// Numbers under "metrics", one level of nesting flattened with a dot.
std::map<std::string, double> flatMetrics(const nlohmann::json& metrics) {
    std::map<std::string, double> out;
    if (!metrics.is_object()) return out;
    for (auto it = metrics.begin(); it != metrics.end(); ++it) {
        if (it->is_number()) {
            out[it.key()] = it->get<double>();
        } else if (it->is_object()) {
            for (auto jt = it->begin(); jt != it->end(); ++jt)
                if (jt->is_number()) out[it.key() + "." + jt.key()] = jt->get<double>();
        }
    }
    return out;
}

ModelEntry describeFolder(const fs::path& dir) {
    ModelEntry e;
    e.name = dir.filename().string();
    e.dir = dir.string();
    e.bytes = folderBytes(dir);
    try {
        io::BundleInfo b = io::readBundleInfo(dir.string());
        e.textEncoder = b.textEncoder;
        e.imageArch = b.imageArch;
        e.dim = int(b.projectionDim);
        e.imageSize = b.imageSize;
        e.created = b.created;
        e.source = b.source;
        e.metrics = flatMetrics(b.metrics);
    } catch (const std::exception& ex) {
        e.readable = false;
        e.problem = ex.what();
    }
    return e;
}

std::string trimmedLine(const std::string& s) {
    std::size_t end = s.find_first_of("\r\n");
    std::string line = s.substr(0, end);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line;
}

}  // namespace

ModelRegistry::ModelRegistry(std::string modelsDir) : dir_(std::move(modelsDir)) {}

bool ModelRegistry::validName(const std::string& name) {
    if (name.empty() || name.size() > kMaxNameBytes || name == "." || name == "..") return false;
    if (name.front() == '.' || name.front() == ' ' || name.back() == ' ') return false;
    if (!util::isValidUtf8(name)) return false;
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\') return false;
    return name != kActiveFile;
}

void ModelRegistry::requireValidName(const std::string& name) {
    if (!validName(name))
        throw Error(ErrorCode::InvalidModelName,
                    "'" + name + "' cannot be a model name: use letters, digits, spaces, '-' or '_' (at most " +
                        std::to_string(kMaxNameBytes) + " bytes, not starting with '.')",
                    {{"name", name}});
}

std::string ModelRegistry::dirOf(const std::string& name) const {
    requireValidName(name);
    return (fs::path(dir_) / name).string();
}

std::vector<ModelEntry> ModelRegistry::list() const {
    std::vector<ModelEntry> out;
    std::error_code ec;
    const std::string active = recordedActive();
    for (auto it = fs::directory_iterator(dir_, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!validName(name) || !isBundleFolder(it->path())) continue;
        ModelEntry e = describeFolder(it->path());
        e.active = name == active;
        out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(), [](const ModelEntry& a, const ModelEntry& b) { return a.name < b.name; });
    return out;
}

bool ModelRegistry::contains(const std::string& name) const {
    return validName(name) && isBundleFolder(fs::path(dir_) / name);
}

ModelEntry ModelRegistry::describe(const std::string& name) const {
    if (!contains(name)) throw Error(ErrorCode::ModelNotFound, "there is no model named '" + name + "'", {{"name", name}});
    ModelEntry e = describeFolder(fs::path(dir_) / name);
    e.active = recordedActive() == name;
    return e;
}

std::string ModelRegistry::freeName(const std::string& base) const {
    requireValidName(base);
    std::error_code ec;
    if (!fs::exists(fs::path(dir_) / base, ec)) return base;
    for (int i = 2; i < 10000; ++i) {
        std::string candidate = base + "-" + std::to_string(i);
        if (validName(candidate) && !fs::exists(fs::path(dir_) / candidate, ec)) return candidate;
    }
    throw Error(ErrorCode::ModelExists, "no free model name starting with '" + base + "'", {{"name", base}});
}

std::string ModelRegistry::recordedActive() const {
    const fs::path f = fs::path(dir_) / kActiveFile;
    std::error_code ec;
    if (!fs::is_regular_file(f, ec) || fs::file_size(f, ec) > 4096) return {};
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string name = trimmedLine(ss.str());
    return contains(name) ? name : std::string();
}

void ModelRegistry::recordActive(const std::string& name) {
    if (!name.empty() && !contains(name))
        throw Error(ErrorCode::ModelNotFound, "there is no model named '" + name + "'", {{"name", name}});
    util::makeDirs(dir_);
    util::writeFileAtomically((fs::path(dir_) / kActiveFile).string(), name.empty() ? std::string() : name + "\n");
}

ModelEntry ModelRegistry::importModel(const std::string& name, const ModelImport& source, const ProgressFn& progress,
                                      const CancelFlag* cancel) {
    requireValidName(name);
    const fs::path target = fs::path(dir_) / name;
    std::error_code ec;
    if (fs::exists(target, ec))
        throw Error(ErrorCode::ModelExists, "a model named '" + name + "' already exists", {{"name", name}});
    util::makeDirs(dir_);
    auto say = [&](const std::string& what) {
        if (!progress) return;
        Progress p;
        p.stage = "import";
        p.message = what;
        progress(p);
    };
    throwIfCancelled(cancel);
    const std::string from = source.kind == ModelImport::Kind::Bundle       ? source.bundle
                             : source.kind == ModelImport::Kind::SimpleClip ? source.simpleClip.stateDict
                                                                            : source.base.imageWeights;
    try {
        importInto(target.string(), name, source, say);
    } catch (const Error& e) {
        // The importers' own errors say what is wrong; the code says it is the source that is unusable.
        if (e.code() != ErrorCode::Failed) throw;
        throw Error(ErrorCode::InvalidFile, e.what(), {{"path", from}, {"reason", e.what()}});
    }
    if (cancel && cancel->load()) {
        // The folder was created by this call a moment ago: nothing of the user's is in it.
        fs::remove_all(target, ec);
        throw Cancelled();
    }
    return describe(name);
}

void ModelRegistry::importInto(const std::string& target, const std::string& name, const ModelImport& source,
                               const std::function<void(const std::string&)>& say) {
    // The importers write atomically: on failure nothing is left at `target`.
    switch (source.kind) {
    case ModelImport::Kind::Bundle:
        say(source.bundle);
        io::importBundle(source.bundle, target);
        break;
    case ModelImport::Kind::SimpleClip: {
        io::SimpleClipImportOptions o = source.simpleClip;
        say(o.stateDict);
        o.name = name;
        o.out = target;
        io::importSimpleClip(o);
        break;
    }
    case ModelImport::Kind::Base: {
        io::BaseImportOptions o = source.base;
        say(o.bertFolder + " + " + o.imageWeights);
        o.name = name;
        o.out = target;
        io::importBase(o);
        break;
    }
    }
}

void ModelRegistry::exportModel(const std::string& name, const std::string& destinationFolder) const {
    if (!contains(name)) throw Error(ErrorCode::ModelNotFound, "there is no model named '" + name + "'", {{"name", name}});
    std::error_code ec;
    if (!fs::is_directory(destinationFolder, ec))
        throw Error(ErrorCode::NotAFolder, "'" + destinationFolder + "' is not a folder", {{"path", destinationFolder}});
    const fs::path target = fs::path(destinationFolder) / name;
    if (fs::exists(target, ec))
        throw Error(ErrorCode::AlreadyExists, "'" + target.string() + "' already exists", {{"path", target.string()}});
    // Copy beside the target, then rename: a failed export leaves nothing half-copied behind.
    const fs::path tmp = fs::path(destinationFolder) / ("." + name + ".export-tmp");
    fs::remove_all(tmp, ec);
    fs::copy(fs::path(dir_) / name, tmp, fs::copy_options::recursive, ec);
    if (!ec) fs::rename(tmp, target, ec);
    if (ec) {
        std::error_code ignored;
        fs::remove_all(tmp, ignored);
        throw Error(ErrorCode::Io, "cannot copy the model to '" + target.string() + "': " + ec.message(),
                    {{"path", target.string()}, {"reason", ec.message()}});
    }
}

void ModelRegistry::removeModel(const std::string& name) {
    if (!contains(name)) throw Error(ErrorCode::ModelNotFound, "there is no model named '" + name + "'", {{"name", name}});
    if (recordedActive() == name) recordActive("");
    std::error_code ec;
    fs::remove_all(fs::path(dir_) / name, ec);
    if (ec)
        throw Error(ErrorCode::Io, "cannot delete the model '" + name + "': " + ec.message(),
                    {{"path", (fs::path(dir_) / name).string()}, {"reason", ec.message()}});
}

}  // namespace lowclip::app
