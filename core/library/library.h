#pragma once
// The photo library: a folder holding a SQLite catalog of the user's photos (roots, photos and
// their metadata, captions, relevance feedback, thumbnails, which model embedded which photo) and
// one vector index per model. Plain C++ types only: the Qt UI reaches it through its facade.
//
//   auto lib = Library::open(dir);                 // one writer per folder (flock), readers read-only
//   lib->addRoot("/home/me/Pictures");
//   lib->scan();                                   // new/changed/moved/deleted files, stat calls only when unchanged
//   lib->index(embedder, {}, progress, &cancel);   // decode threads -> batches -> vectors, resumable
//   auto hits = lib->search(embedder, "dənizdə gün batımı", {});
//
// Paths are kept as the bytes the file system gave (Linux file names need not be UTF-8);
// `displayPath` fields are the same paths made into valid UTF-8 (invalid bytes -> U+FFFD).
// Every method throws lowclip::Error with a message a person can act on. One Library object may
// be used from several threads: the long jobs (scan, index, rebuildIndex, removeModel) run one at
// a time, and searches, listings and edits run alongside them without waiting for their batches
// (the catalog has a reader connection beside its writer; see library.cpp for the locking).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/progress.h"

namespace lowclip::train {
class Embedder;
}

namespace lowclip::library {

using PhotoId = std::int64_t;

enum class OpenMode {
    ReadWrite,  // creates the library if missing; fails with "library ... is in use by process N" if taken
    ReadOnly,   // never writes; works while another process holds the library for writing
};

struct Root {
    std::int64_t id = 0;
    std::string path;         // bytes
    std::string displayPath;  // UTF-8
    bool online = false;      // the folder exists now
    std::int64_t photoCount = 0;
};

struct PhotoInfo {
    PhotoId id = 0;
    std::int64_t rootId = 0;
    std::string path;         // bytes, absolute
    std::string displayPath;  // UTF-8
    std::int64_t size = 0;
    std::int64_t mtimeNs = 0;
    std::string format;       // sniffed from content: "jpeg", "png", "webp", "heif", ...
    int width = 0;
    int height = 0;
    std::string dateTaken;    // "YYYY-MM-DDTHH:MM:SS" from EXIF, empty when unknown
    std::string cameraMake;
    std::string cameraModel;
    std::optional<double> latitude;
    std::optional<double> longitude;
    bool ok = true;           // false when reading or decoding failed (see `error`)
    std::string errorStage;   // "read", "format", "metadata", "decode", "embed"
    std::string error;
};

// Files larger than this are not read as photos by default: recorded as errors (a photo is far
// smaller; it bounds the memory that reading one file may take).
constexpr std::int64_t kMaxPhotoFileBytes = std::int64_t(1) << 30;

struct ScanOptions {
    bool includeHidden = false;           // descend into / take files whose name starts with '.'
    std::vector<std::string> extensions;  // lower-case, no dot; empty = defaultExtensions()
    bool followSymlinks = true;           // loops are detected by (device, inode)
    std::size_t batchSize = 1000;         // catalog rows per transaction
    // Larger files are recorded as errors without being read (a photo is far smaller; this bounds
    // the memory a scan or an index run takes per file).
    std::int64_t maxFileBytes = kMaxPhotoFileBytes;
    // Test hook: called with each candidate file's path just before it is examined.
    std::function<void(const std::string& path)> beforeFile;
};

struct ScanReport {
    std::size_t filesSeen = 0;   // candidate files found (extension matched)
    std::size_t added = 0;
    std::size_t changed = 0;     // same path, new content
    std::size_t moved = 0;       // same content, new path; keeps captions and embeddings
    std::size_t removed = 0;
    std::size_t unchanged = 0;   // size and mtime unchanged: not read
    std::size_t filesRead = 0;   // files whose content was read (hashing)
    std::size_t vanished = 0;    // disappeared while the scan ran
    std::size_t errors = 0;      // unreadable or not an image (recorded, see errors())
    std::size_t excluded = 0;    // files removed from the library (removePhotos), passed by
    std::vector<std::string> offlineRoots;  // roots that were missing; their photos were kept
    double seconds = 0.0;
};

struct IndexOptions {
    int decodeThreads = 0;           // 0: number of cores, or half of them when the model runs on the CPU
                                     // (which then gets the other half)
    int batchSize = 32;              // images per Embedder::encodeImages call and per catalog commit
    int queueSize = 0;               // decoded images waiting for the model; 0: 2 * batchSize
    double snapshotSeconds = 60.0;   // full index snapshot at most this often (a journal covers the rest)
    std::size_t maxPixels = 100'000'000;  // larger images are recorded as errors (decompression bombs)
    std::int64_t maxFileBytes = kMaxPhotoFileBytes;  // larger files are recorded as errors, not read
    bool retryErrors = false;        // try photos that failed to decode before again
    bool makeActive = true;          // make this model the library's active one once every photo is embedded
    std::string bundlePath;          // recorded in the catalog so the CLI/UI can load the model again
    std::string modelName;           // human-readable, optional
};

struct IndexReport {
    std::size_t embedded = 0;   // photos embedded in this run
    std::size_t failed = 0;     // photos that failed in this run (recorded with their reason)
    std::size_t remaining = 0;  // photos still without a vector for this model
    bool complete = false;      // remaining == 0
    bool activated = false;     // this run made the model active
    double seconds = 0.0;
    double photosPerSecond = 0.0;
    // Where the calling (model) thread's wall time went, in seconds; together about `seconds`.
    double setupSeconds = 0.0;    // model row, index open and check, work list
    double encodeSeconds = 0.0;   // the model (encodeImages / encodePreprocessed)
    double decodeSeconds = 0.0;   // decoding photos itself instead of waiting
    double waitSeconds = 0.0;     // waiting for the decoder threads
    double commitSeconds = 0.0;   // vectors to the index journal, the catalog transaction, snapshots, finishing
};

struct SearchFilter {
    std::optional<std::int64_t> rootId;
    std::string pathPrefix;     // bytes; e.g. "/home/me/Pictures/2023/"
    std::string dateFrom;       // inclusive, compared as text with dateTaken ("2023", "2023-05-01", ...)
    std::string dateTo;         // inclusive upper bound (a prefix matches: "2023" includes all of 2023)
    bool keepUndated = false;   // photos without a date taken pass the date bounds too
    std::string camera;         // case-insensitive substring of "make model"
    std::optional<float> minScore;
    bool any() const { return rootId || !pathPrefix.empty() || !dateFrom.empty() || !dateTo.empty() || !camera.empty(); }
};

struct SearchOptions {
    int k = 20;       // results per page
    int offset = 0;   // page start
    SearchFilter filter;
    int ef = 0;       // HNSW search breadth; 0: automatic
};

struct SearchResult {
    PhotoInfo photo;
    float score = 0.0f;  // cosine similarity (inner product of L2-normalised vectors)
};

struct ModelInfo {
    std::int64_t id = 0;
    std::string modelId;     // Embedder::modelId()
    std::string name;
    std::string bundlePath;
    int dim = 0;
    bool active = false;
    std::size_t embedded = 0;  // photos with a vector from this model
    std::size_t pending = 0;   // readable photos still without one
};

struct Status {
    std::string folder;
    bool readOnly = false;
    int schemaVersion = 0;
    std::size_t roots = 0;
    std::size_t photos = 0;
    std::size_t photosWithErrors = 0;
    std::size_t captions = 0;
    std::size_t feedback = 0;
    std::size_t thumbnails = 0;
    std::vector<ModelInfo> models;
    std::optional<ModelInfo> activeModel;
    std::int64_t catalogBytes = 0;
    std::int64_t indexBytes = 0;
};

// Why a file is not a usable photo, for people: the front ends word each kind in the user's
// language; `message` keeps the technical detail (English, for logs and tooltips).
enum class FailureKind {
    Other,        // none of the below
    Empty,        // 0 bytes
    NotAFile,     // a folder, named pipe, device or socket where a photo was
    TooLarge,     // the file or the image (pixels) is above the limits
    Unreadable,   // no permission, an I/O error, the file vanished or the disk went away
    Truncated,    // the file ends early (cut off while being copied or saved)
    NotAnImage,   // the content is no image format we read
    Unsupported,  // an image format or variant this build does not decode
    Damaged,      // an image whose content is corrupt
    OutOfMemory,  // not enough memory to decode it now (may work later)
};

// The kind of a failure recorded with `stage` ("read", "format", "metadata", "decode", "embed") and
// `message`, as the scanner, the decoders and the indexing pipeline word them.
FailureKind failureKind(const std::string& stage, const std::string& message);
const char* failureKindName(FailureKind kind);  // "empty", "not-a-file", ... (for the CLI's JSON)

struct ErrorRecord {
    PhotoId photo = 0;
    std::string path;
    std::string displayPath;
    std::string stage;
    std::string message;
    FailureKind kind = FailureKind::Other;
};

struct Caption {
    std::int64_t id = 0;
    PhotoId photo = 0;
    std::string text;
    std::string source;          // "user", "import", ...
    std::int64_t created = 0;    // unix seconds
    std::int64_t updated = 0;
};

struct TrainingPair {
    PhotoId photo = 0;
    std::string path;  // bytes
    std::string text;
};

struct TsvImportReport {
    std::size_t imported = 0;
    std::size_t duplicates = 0;            // identical caption already present
    std::vector<std::string> unmatched;    // lines whose path is not in the library ("line N: path")
};

// Near-identical photos of a library (Library::nearDuplicates), from one model's stored vectors.
struct DuplicateOptions {
    double similarity = 0.95;      // cosine from which two photos count as near-identical, (0, 1]
    std::size_t neighbours = 16;   // nearest neighbours looked at per photo, 1..256
    std::size_t maxGroups = 5000;  // groups returned at most (largest first); the rest is counted
};

struct DuplicateMember {
    PhotoInfo photo;
    float similarity = 1.0f;  // cosine with the group's first member
};

struct DuplicateGroup {
    // First the photo to keep: the most pixels, then the largest file, then the oldest id; the
    // others by similarity to it, highest first.
    std::vector<DuplicateMember> members;
};

struct DuplicateReport {
    std::vector<DuplicateGroup> groups;  // largest first
    std::size_t photosChecked = 0;       // photos with a vector from the model
    std::size_t photosInGroups = 0;      // over every group, also those past maxGroups
    std::size_t groupsFound = 0;         // also those past maxGroups
};

struct Feedback {
    std::int64_t id = 0;
    std::string query;
    PhotoId photo = 0;
    bool relevant = false;
    std::string modelId;
    std::int64_t created = 0;
};

// What the consistency check between catalog and a vector index did when the index was opened.
struct IndexCheck {
    std::string modelId;
    std::size_t vectors = 0;          // live vectors in the index
    std::size_t reembed = 0;          // catalog said embedded, index lacked the vector: will be embedded again
    std::size_t orphansDeleted = 0;   // vectors without a catalog row: marked deleted
    bool rebuiltFromScratch = false;  // index file unreadable or corrupt: set aside, started empty
    bool journalDropped = false;      // the journal was damaged: set aside, the snapshot kept
};

class Library {
public:
    static std::unique_ptr<Library> open(const std::string& folder, OpenMode mode = OpenMode::ReadWrite);
    ~Library();
    Library(const Library&) = delete;
    Library& operator=(const Library&) = delete;

    const std::string& folder() const;
    bool readOnly() const;

    // Roots: folders scanned for photos. Removing a root forgets its photos (and their captions).
    // addRoot stores the folder resolved (symlinks, ".."): a folder already there under another
    // name returns its id; a folder inside a root that scans reach throws ErrorCode::RootOverlap;
    // a folder around existing roots takes them over (their photos keep ids, captions, vectors).
    std::int64_t addRoot(const std::string& path);
    void removeRoot(std::int64_t rootId);
    // Takes photos out of the library (a file that cannot be read, one the person does not want):
    // their rows, captions, marks and vectors go, the files stay, and later scans pass their paths
    // by until the root is removed or restoreRemoved() is called. Unknown ids are ignored; returns
    // how many were removed.
    std::size_t removePhotos(const std::vector<PhotoId>& photos);
    // Lets scans see the removed files again; returns how many paths were let back.
    std::size_t restoreRemoved();
    std::size_t removedCount() const;
    std::vector<Root> roots() const;

    ScanReport scan(const ScanOptions& options = {}, const ProgressFn& progress = {}, const CancelFlag* cancel = nullptr);
    static std::vector<std::string> defaultExtensions();

    // Embeds every readable photo that has no vector from this embedder's model yet. Commits per
    // batch; after a crash the next run carries on. Throws lowclip::Cancelled (after committing
    // finished batches) when `cancel` is set.
    IndexReport index(train::Embedder& embedder, const IndexOptions& options = {}, const ProgressFn& progress = {},
                      const CancelFlag* cancel = nullptr);

    // Text -> photos, through embedder.encodeTexts and the index of embedder.modelId().
    std::vector<SearchResult> search(train::Embedder& embedder, const std::string& query,
                                     const SearchOptions& options = {});
    // Query vector (dim of the model, L2-normalised here) -> photos in that model's index.
    std::vector<SearchResult> searchVector(const std::string& modelId, const std::vector<float>& query,
                                           const SearchOptions& options = {});
    // Photos like `photo`, reusing its stored vector (model: `modelId`, or the active model when empty).
    // The photo itself is not among the results.
    std::vector<SearchResult> similar(PhotoId photo, const SearchOptions& options = {},
                                      const std::string& modelId = {});

    // Stored vectors of `photos` from `modelId` (empty: the active model), in order; an empty
    // vector for a photo without one.
    std::vector<std::vector<float>> vectorsOf(const std::vector<PhotoId>& photos, const std::string& modelId = {});
    // Groups of near-identical readable photos: formed around the photos with the most
    // near-identical neighbours (cosine >= options.similarity among their nearest neighbours), each
    // taking those of its neighbours not in a group yet, so every member is near-identical to the
    // photo its group formed around. Reads only; Cancelled when `cancel` is set; InvalidArgument
    // for options out of range.
    DuplicateReport nearDuplicates(const std::string& modelId, const DuplicateOptions& options = {},
                                   const ProgressFn& progress = {}, const CancelFlag* cancel = nullptr);

    std::optional<PhotoInfo> photo(PhotoId id) const;
    std::optional<PhotoInfo> photoByPath(const std::string& path) const;
    std::vector<PhotoInfo> photos(std::size_t offset = 0, std::size_t limit = SIZE_MAX) const;
    std::size_t photoCount() const;

    Status status() const;
    std::vector<ErrorRecord> errors() const;

    // Models and their indexes.
    std::vector<ModelInfo> models() const;
    std::optional<ModelInfo> activeModel() const;
    void setActiveModel(const std::string& modelId);
    // Rewrites the model's index from its live vectors (drops deleted entries, verifies against the catalog).
    IndexCheck rebuildIndex(const std::string& modelId);
    // Results of the consistency checks run when indexes were opened in this session.
    std::vector<IndexCheck> indexChecks() const;
    // Forgets a model: its catalog rows and its index files.
    void removeModel(const std::string& modelId);

    // Captions (for the UI and the trainer).
    std::int64_t addCaption(PhotoId photo, const std::string& text, const std::string& source = "user");
    void editCaption(std::int64_t captionId, const std::string& text);
    void deleteCaption(std::int64_t captionId);
    std::vector<Caption> captions(PhotoId photo) const;
    std::vector<TrainingPair> allCaptions() const;
    // TSV: "path<TAB>caption" per line; path absolute or relative to a root; \t \n \\ escapes in captions.
    TsvImportReport importCaptionsTsv(const std::string& tsvPath, const std::string& source = "import");
    std::size_t exportCaptionsTsv(const std::string& tsvPath) const;

    // Relevance feedback from search results.
    std::int64_t addFeedback(const std::string& query, PhotoId photo, bool relevant, const std::string& modelId = {});
    std::vector<Feedback> feedback() const;
    // Forgets one mark; false when there was none with this id (a mark removed meanwhile).
    bool deleteFeedback(std::int64_t feedbackId);

    // A JPEG no larger than size x size, cached in the catalog (read-only libraries cache nothing).
    std::vector<std::uint8_t> thumbnail(PhotoId photo, int size = 256);

private:
    struct Impl;
    explicit Library(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> d;
};

// Valid UTF-8 for showing a byte path (invalid sequences become U+FFFD).
std::string displayPath(const std::string& bytes);

}  // namespace lowclip::library
