#include "ui/error_text.h"

#include <QCoreApplication>

namespace lowclip {
namespace ui {

namespace {

// The translation context of the sentences below.
struct ErrorText {
    Q_DECLARE_TR_FUNCTIONS(lowclip::ui::ErrorText)
};

QString detail(const lowclip::Error& e, const char* key) { return QString::fromStdString(e.detail(key)); }

// The technical reason core gave, for the codes whose sentence is general.
QString withReason(const QString& sentence, const lowclip::Error& e) {
    const QString reason = QString::fromUtf8(e.what());
    if (reason.isEmpty()) return sentence;
    return sentence + QStringLiteral("\n\n") + ErrorText::tr("Details: %1").arg(reason);
}

}  // namespace

QString errorText(const lowclip::Error& e) {
    using lowclip::ErrorCode;
    switch (e.code()) {
    case ErrorCode::Cancelled:
        return ErrorText::tr("The work was cancelled.");
    case ErrorCode::NoLibrary:
        return ErrorText::tr("There is no photo library in %1 yet.").arg(detail(e, "folder"));
    case ErrorCode::LibraryInUse:
        return ErrorText::tr("The photo library is in use by another program (process %1). Close it and try again.")
            .arg(detail(e, "pid"));
    case ErrorCode::LibraryReadOnly:
        return ErrorText::tr("The photo library is open for reading only, so it cannot be changed now.");
    case ErrorCode::RootNotFound:
        return ErrorText::tr("The folder “%1” is not in the library.").arg(detail(e, "root"));
    case ErrorCode::NotAFolder:
        return ErrorText::tr("“%1” is not a folder.").arg(detail(e, "path"));
    case ErrorCode::RootOverlap:
        return ErrorText::tr("“%1” is already in the library as part of “%2”.").arg(detail(e, "path"), detail(e, "other"));
    case ErrorCode::PhotoNotFound:
        return ErrorText::tr("The photo is no longer in the library.");
    case ErrorCode::CaptionNotFound:
        return ErrorText::tr("The caption is no longer there.");
    case ErrorCode::EmptyCaption:
        return ErrorText::tr("A caption cannot be empty.");
    case ErrorCode::NoModel:
        return ErrorText::tr("There is no model yet. Try the demo, or import a model (Model menu).");
    case ErrorCode::ModelNotFound:
        return ErrorText::tr("There is no model named “%1”.").arg(detail(e, "name"));
    case ErrorCode::ModelExists:
        return ErrorText::tr("A model named “%1” already exists. Choose another name.").arg(detail(e, "name"));
    case ErrorCode::InvalidModelName:
        return ErrorText::tr("“%1” cannot be a model name. Use letters, digits, spaces, “-” or “_”.").arg(detail(e, "name"));
    case ErrorCode::ModelInUse:
        return ErrorText::tr("“%1” is the model in use. Switch to another model before deleting it.").arg(detail(e, "name"));
    case ErrorCode::NotIndexed:
        return ErrorText::tr("This photo has not been indexed with the model in use yet.");
    case ErrorCode::TooFewPairs:
        return ErrorText::tr("Teaching needs captions on at least %1 photos that can be read (there are %2).")
            .arg(detail(e, "needed"), detail(e, "count"));
    case ErrorCode::AlreadyExists:
        return ErrorText::tr("“%1” already exists.").arg(detail(e, "path"));
    case ErrorCode::NotFound:
        return ErrorText::tr("“%1” was not found.").arg(detail(e, "path"));
    case ErrorCode::InvalidFile:
        return withReason(ErrorText::tr("The file “%1” cannot be used.").arg(detail(e, "path")), e);
    case ErrorCode::Io:
        return withReason(ErrorText::tr("Reading or writing “%1” failed.").arg(detail(e, "path")), e);
    case ErrorCode::Unsupported:
        return withReason(ErrorText::tr("This is not supported."), e);
    case ErrorCode::InvalidArgument:
        return withReason(ErrorText::tr("A value is not valid."), e);
    case ErrorCode::Internal:
        return unexpectedErrorText();
    case ErrorCode::Failed:
        break;
    }
    return withReason(ErrorText::tr("The operation failed."), e);
}

QString unexpectedErrorText() { return ErrorText::tr("An unexpected error occurred."); }

}  // namespace ui
}  // namespace lowclip
