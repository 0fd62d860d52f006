#include "core/library/catalog.h"

#include <ctime>

#include "core/error.h"
#include "core/library/catalog_schema.h"

namespace lowclip::library {

Catalog::Catalog(const std::string& path, bool readOnly) : path_(path) {
    if (readOnly) {
        reader_ = std::make_unique<Db>(path, true);
        reader_->exec("PRAGMA foreign_keys = ON");
        checkCatalogReadable(*reader_);
        return;
    }
    writer_ = std::make_unique<Db>(path, false);
    prepareCatalog(*writer_);  // WAL from here on: the reader below never blocks on the writer
    reader_ = std::make_unique<Db>(path, true);
}

Catalog::~Catalog() = default;

void Catalog::requireWriter() const {
    if (!writer_)
        throw Error(ErrorCode::LibraryReadOnly, "library catalog " + path_ + " is open read-only", {{"path", path_}});
}

std::string Catalog::setting(const std::string& key) const {
    return read([&](Db& db) { return settingIn(db, key); });
}
std::optional<ModelRow> Catalog::model(const std::string& modelId) const {
    return read([&](Db& db) { return modelIn(db, modelId); });
}
std::optional<PhotoInfo> Catalog::photo(PhotoId id) const {
    return read([&](Db& db) { return photoIn(db, id); });
}
std::optional<PhotoInfo> Catalog::photoByPath(const std::string& path) const {
    return read([&](Db& db) { return photoByPathIn(db, path); });
}

// --- row mappers --------------------------------------------------------------------------

const RowMapper<PhotoInfo>& photoRow() {
    static const RowMapper<PhotoInfo> rows{
        {"p.id", &PhotoInfo::id},
        {"p.root", &PhotoInfo::rootId},
        {"p.path", [](const Statement& s, int c, PhotoInfo& p) {
             p.path = s.text(c);
             p.displayPath = displayPath(p.path);
         }},
        {"p.size", &PhotoInfo::size},
        {"p.mtime_ns", &PhotoInfo::mtimeNs},
        {"p.format", &PhotoInfo::format},
        {"p.width", &PhotoInfo::width},
        {"p.height", &PhotoInfo::height},
        {"p.date_taken", &PhotoInfo::dateTaken},
        {"p.camera_make", &PhotoInfo::cameraMake},
        {"p.camera_model", &PhotoInfo::cameraModel},
        {"p.latitude", &PhotoInfo::latitude},
        {"p.longitude", &PhotoInfo::longitude},
        {"p.status = 'ok'", &PhotoInfo::ok},
        {"p.error_stage", &PhotoInfo::errorStage},
        {"p.error", &PhotoInfo::error},
    };
    return rows;
}

const RowMapper<Root>& rootRow() {
    static const RowMapper<Root> rows{
        {"r.id", &Root::id},
        {"r.path", [](const Statement& s, int c, Root& r) {
             r.path = s.text(c);
             r.displayPath = displayPath(r.path);
         }},
        {"(SELECT count(*) FROM photos p WHERE p.root = r.id)", &Root::photoCount},
    };
    return rows;
}

const RowMapper<ModelInfo>& modelInfoRow() {
    static const RowMapper<ModelInfo> rows{
        {"m.id", &ModelInfo::id},
        {"m.model_id", &ModelInfo::modelId},
        {"m.name", &ModelInfo::name},
        {"m.bundle_path", &ModelInfo::bundlePath},
        {"m.dim", &ModelInfo::dim},
        {std::string("m.model_id = (SELECT value FROM settings WHERE key = '") + kActiveModelKey + "')", &ModelInfo::active},
        {"(SELECT count(*) FROM embeddings e WHERE e.model = m.id)", &ModelInfo::embedded},
        // Readable photos without a vector from this model.
        {"max(0, (SELECT count(*) FROM photos WHERE status = 'ok') - "
         "(SELECT count(*) FROM embeddings e JOIN photos p ON p.id = e.photo WHERE e.model = m.id AND p.status = 'ok'))",
         &ModelInfo::pending},
    };
    return rows;
}

const RowMapper<Caption>& captionRow() {
    static const RowMapper<Caption> rows{
        {"id", &Caption::id},           {"photo", &Caption::photo},     {"text", &Caption::text},
        {"source", &Caption::source},   {"created", &Caption::created}, {"updated", &Caption::updated},
    };
    return rows;
}

const RowMapper<TrainingPair>& trainingPairRow() {
    static const RowMapper<TrainingPair> rows{
        {"c.photo", &TrainingPair::photo},
        {"p.path", &TrainingPair::path},
        {"c.text", &TrainingPair::text},
    };
    return rows;
}

const RowMapper<Feedback>& feedbackRow() {
    static const RowMapper<Feedback> rows{
        {"id", &Feedback::id},         {"query", &Feedback::query},  {"photo", &Feedback::photo},
        {"relevant", &Feedback::relevant}, {"model", &Feedback::modelId}, {"created", &Feedback::created},
    };
    return rows;
}

const RowMapper<ErrorRecord>& errorRow() {
    static const RowMapper<ErrorRecord> rows{
        {"id", &ErrorRecord::photo},
        {"path", [](const Statement& s, int c, ErrorRecord& e) {
             e.path = s.text(c);
             e.displayPath = displayPath(e.path);
         }},
        {"error_stage", &ErrorRecord::stage},
        {"error", &ErrorRecord::message},
    };
    return rows;
}

// --- shared queries -----------------------------------------------------------------------

std::int64_t nowSeconds() { return static_cast<std::int64_t>(std::time(nullptr)); }

std::string settingIn(Db& db, const std::string& key) {
    Statement s = db.prepare("SELECT value FROM settings WHERE key = ?");
    s.bindText(1, key);
    return s.step() ? s.text(0) : std::string();
}

void setSettingIn(Db& db, const std::string& key, const std::string& value) {
    db.prepare("INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bindText(1, key)
        .bindText(2, value)
        .exec();
}

std::optional<ModelRow> modelIn(Db& db, const std::string& modelId) {
    static const RowMapper<ModelRow> rows{{"id", &ModelRow::id}, {"dim", &ModelRow::dim}};
    return selectOne(db, rows, "FROM models WHERE model_id = ?", [&](Statement& s) { s.bindText(1, modelId); });
}

std::optional<PhotoInfo> photoIn(Db& db, PhotoId id) {
    return selectOne(db, photoRow(), "FROM photos p WHERE p.id = ?", [&](Statement& s) { s.bind(1, id); });
}

std::optional<PhotoInfo> photoByPathIn(Db& db, const std::string& path) {
    return selectOne(db, photoRow(), "FROM photos p WHERE p.path = ?", [&](Statement& s) { s.bindBlob(1, path); });
}

}  // namespace lowclip::library
