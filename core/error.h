#pragma once
// The one exception type core throws: a code that front ends render in their own words (the GUI
// through tr(), so errors read in the user's language; the CLI in English with its own hints),
// details naming what it is about ("path", "name", "count", ...), and an English message written
// for a person — what went wrong, where, and when possible what to do — used by logs and as the
// CLI's text. Messages never name a front end's controls (no CLI flags, no menu entries): the
// front end adds its own hint from the code.
//
//   throw Error(ErrorCode::ModelNotFound, "there is no model named 'x'", {{"name", "x"}});
//   throw Error("tensor 'fc.weight' has shape [3] where [4] was expected");   // ErrorCode::Failed
//
// Callers decide by code(), never by parsing what().
#include <map>
#include <stdexcept>
#include <string>
#include <utility>

namespace lowclip {

enum class ErrorCode {
    Failed,           // anything without a more precise code; the message says what
    InvalidArgument,  // a value given by the caller is out of range or malformed ("what", "value")
    InvalidFile,      // a file exists but its content is unusable ("path", "reason")
    Io,               // reading or writing failed ("path", "reason")
    NotFound,         // a file or folder that should be there is not ("path")
    AlreadyExists,    // a file or folder that is to be created is there already ("path")
    Unsupported,      // understood but not supported by this build or version ("what")
    Cancelled,        // long work stopped because it was asked to
    Internal,         // a defect: an unexpected exception was turned into an Error ("reason")
    // Library.
    NoLibrary,        // no library in this folder yet ("folder")
    LibraryInUse,     // another process holds the library for writing ("folder", "pid")
    LibraryReadOnly,  // the library was opened read-only and a change was asked for ("folder")
    RootNotFound,     // no library folder matches ("root")
    NotAFolder,       // a path that must be a folder is not one ("path")
    RootOverlap,      // a new library folder is inside, or contains, one already there ("path", "other")
    PhotoNotFound,    // the photo is no longer in the library ("id")
    CaptionNotFound,  // ("id")
    EmptyCaption,
    // Models.
    NoModel,           // no model to search, index or teach with yet
    ModelNotFound,     // ("name")
    ModelExists,       // ("name")
    InvalidModelName,  // ("name")
    ModelInUse,        // the model is the one in use and cannot be deleted ("name")
    NotIndexed,        // the model has not embedded this photo yet ("id", "model")
    // Teaching.
    TooFewPairs,       // not enough readable caption pairs to teach ("count", "needed")
};

// A stable identifier for each code ("model-not-found", ...): JSON output, logs, tests.
const char* errorCodeName(ErrorCode code);

class Error : public std::runtime_error {
public:
    using Details = std::map<std::string, std::string>;

    explicit Error(const std::string& message) : std::runtime_error(message) {}
    Error(ErrorCode code, const std::string& message, Details details = {})
        : std::runtime_error(message), code_(code), details_(std::move(details)) {}

    ErrorCode code() const noexcept { return code_; }
    const Details& details() const noexcept { return details_; }
    // The detail `key`, or "" when absent.
    std::string detail(const std::string& key) const {
        auto it = details_.find(key);
        return it == details_.end() ? std::string() : it->second;
    }

private:
    ErrorCode code_ = ErrorCode::Failed;
    Details details_;
};

// Thrown when long work stops because its cancellation flag was set. Every long call in core and
// in the application layer cancels this one way: it throws Cancelled after leaving what it finished
// committed (or, where nothing can be kept, nothing at all).
class Cancelled : public Error {
public:
    Cancelled() : Error(ErrorCode::Cancelled, "cancelled") {}
};

inline const char* errorCodeName(ErrorCode code) {
    switch (code) {
    case ErrorCode::Failed: return "failed";
    case ErrorCode::InvalidArgument: return "invalid-argument";
    case ErrorCode::InvalidFile: return "invalid-file";
    case ErrorCode::Io: return "io";
    case ErrorCode::NotFound: return "not-found";
    case ErrorCode::AlreadyExists: return "already-exists";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::Internal: return "internal";
    case ErrorCode::NoLibrary: return "no-library";
    case ErrorCode::LibraryInUse: return "library-in-use";
    case ErrorCode::LibraryReadOnly: return "library-read-only";
    case ErrorCode::RootNotFound: return "root-not-found";
    case ErrorCode::NotAFolder: return "not-a-folder";
    case ErrorCode::RootOverlap: return "root-overlap";
    case ErrorCode::PhotoNotFound: return "photo-not-found";
    case ErrorCode::CaptionNotFound: return "caption-not-found";
    case ErrorCode::EmptyCaption: return "empty-caption";
    case ErrorCode::NoModel: return "no-model";
    case ErrorCode::ModelNotFound: return "model-not-found";
    case ErrorCode::ModelExists: return "model-exists";
    case ErrorCode::InvalidModelName: return "invalid-model-name";
    case ErrorCode::ModelInUse: return "model-in-use";
    case ErrorCode::NotIndexed: return "not-indexed";
    case ErrorCode::TooFewPairs: return "too-few-pairs";
    }
    return "failed";
}

}  // namespace lowclip
