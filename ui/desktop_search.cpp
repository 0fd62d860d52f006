#include "ui/desktop_search.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QSaveFile>
#include <QSet>
#include <algorithm>
#include <exception>

#include "core/error.h"
#include "ui/error_text.h"
#include "ui/file_manager.h"
#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

namespace {

const QString kPrefix = QStringLiteral("photo:");
constexpr int kMaxQueryChars = 512;  // the desktop's text is bounded before it reaches the model
constexpr int kMaxIds = 256;         // ids asked for in one GetResultMetas
constexpr int kIconSize = 128;

QString joinTerms(const QStringList& terms) {
    QString q = terms.join(QLatin1Char(' ')).simplified();
    if (q.size() > kMaxQueryChars) q.truncate(kMaxQueryChars);
    return q;
}

int letters(const QString& s) {
    int n = 0;
    for (const QChar c : s)
        if (c.isLetter()) ++n;
    return n;
}

}  // namespace

DesktopSearch::DesktopSearch(std::shared_ptr<Engine> engine, const Options& options, QObject* parent)
    : QObject(parent), engine_(std::move(engine)), options_(options) {
    startDetached = [](const QString& program, const QStringList& args) {
        return QProcess::startDetached(program, args);
    };
}

void DesktopSearch::refresh() {
    // What the window indexed or chose since the last query.
    engine_->refresh();
}

qint64 DesktopSearch::photoIdOf(const QString& id) const {
    if (!id.startsWith(kPrefix) || id.size() > kPrefix.size() + 19) return 0;
    bool ok = false;
    const qint64 n = id.mid(kPrefix.size()).toLongLong(&ok);
    return ok && n > 0 ? n : 0;
}

std::vector<Photo> DesktopSearch::find(const QStringList& terms) {
    Q_EMIT used();
    lastUnknown_.clear();
    lastError_.clear();
    const QString query = joinTerms(terms);
    if (letters(query) < options_.minLetters) return {};
    try {
        refresh();
        for (const std::string& w : engine_->unknownWords(toStd(query))) lastUnknown_ << toQ(w);
        // Nothing the model knows: any photo would be as good as another.
        const QStringList words = query.split(QLatin1Char(' '));
        if (!lastUnknown_.isEmpty() && lastUnknown_.size() >= QSet<QString>(words.begin(), words.end()).size()) return {};
        SearchOptions o;
        o.k = options_.maxResults;
        SearchResult r = engine_->search(toStd(query), o);
        // Only the relevant part: what follows a gap in the scores is left to the window.
        std::vector<Photo> hits;
        const std::size_t relevant = std::min(r.relevant, r.hits.size());
        for (std::size_t i = 0; i < relevant && int(hits.size()) < options_.maxResults; ++i)
            if (r.hits[i].score >= options_.minScore) hits.push_back(std::move(r.hits[i]));
        return hits;
    } catch (const lowclip::Error& e) {
        lastError_ = errorText(e);
    } catch (const std::exception&) {
        lastError_ = unexpectedErrorText();
    }
    return {};
}

QStringList DesktopSearch::search(const QStringList& terms) {
    QStringList ids;
    for (const Photo& p : find(terms)) ids << kPrefix + QString::number(p.id);
    return ids;
}

QList<DesktopSearch::Meta> DesktopSearch::match(const QStringList& terms) {
    QList<Meta> out;
    for (const Photo& p : find(terms)) out << metaOf(p);
    return out;
}

DesktopSearch::Meta DesktopSearch::metaOf(const Photo& p) {
    Meta m;
    m.id = kPrefix + QString::number(p.id);
    m.path = toQ(p.path);
    const QFileInfo info(m.path);
    m.name = info.fileName();
    const QString folder = QDir::toNativeSeparators(info.absolutePath());
    m.description = p.dateTaken.empty() ? folder : formatPhotoDate(toQ(p.dateTaken)) + QStringLiteral(" · ") + folder;
    m.icon = iconFor(p);
    m.score = p.score;
    return m;
}

QStringList DesktopSearch::subsearch(const QStringList& previousResults, const QStringList& terms) {
    Q_UNUSED(previousResults);
    return search(terms);
}

QString DesktopSearch::iconFor(const Photo& photo) {
    if (options_.thumbnailCache.isEmpty()) return toQ(photo.path);
    // Keyed by the photo's id, path and size: a changed or moved photo gets a new thumbnail.
    const QByteArray key = QCryptographicHash::hash(
        (QString::number(photo.id) + QLatin1Char('\n') + toQ(photo.path) + QLatin1Char('\n') +
         QString::number(photo.bytes)).toUtf8(), QCryptographicHash::Sha256).toHex().left(32);
    const QString file = QDir(options_.thumbnailCache).filePath(QString::fromLatin1(key) + QStringLiteral(".jpg"));
    if (QFileInfo::exists(file)) return file;
    std::vector<std::uint8_t> bytes;
    try {
        bytes = engine_->thumbnail(photo.id, kIconSize);
    } catch (const std::exception&) {
        bytes.clear();
    }
    if (bytes.empty() || !QDir().mkpath(options_.thumbnailCache)) return toQ(photo.path);
    QSaveFile out(file);
    if (!out.open(QIODevice::WriteOnly) ||
        out.write(reinterpret_cast<const char*>(bytes.data()), qint64(bytes.size())) != qint64(bytes.size()) ||
        !out.commit())
        return toQ(photo.path);
    return file;
}

QList<DesktopSearch::Meta> DesktopSearch::metas(const QStringList& ids) {
    Q_EMIT used();
    QList<Meta> out;
    for (const QString& id : ids.mid(0, kMaxIds)) {
        const qint64 photoId = photoIdOf(id);
        if (photoId == 0) continue;
        try {
            out << metaOf(engine_->photo(photoId));
        } catch (const std::exception&) {
            // Gone from the library since the search: left out.
        }
    }
    return out;
}

QString DesktopSearch::pathOf(const QString& id) {
    Q_EMIT used();
    const qint64 photoId = photoIdOf(id);
    if (photoId == 0) return {};
    try {
        return toQ(engine_->photo(photoId).path);
    } catch (const std::exception&) {
        return {};  // no longer in the library
    }
}

bool DesktopSearch::activate(const QString& id) {
    const QString path = pathOf(id);
    return !path.isEmpty() && startDetached(QStringLiteral("xdg-open"), {path});
}

bool DesktopSearch::reveal(const QString& id) {
    const QString path = pathOf(id);
    if (path.isEmpty()) return false;
    showInFileManager(this, path, [this](const QUrl& folder) {
        return startDetached(QStringLiteral("xdg-open"), {folder.toLocalFile()});
    });
    return true;
}

bool DesktopSearch::launchSearch(const QStringList& terms) {
    Q_EMIT used();
    const QString program = options_.guiProgram.isEmpty() ? QStringLiteral("lowclip") : options_.guiProgram;
    QStringList args;
    if (!options_.dataDir.isEmpty()) args << QStringLiteral("--data-dir") << options_.dataDir;
    const QString query = joinTerms(terms);
    if (!query.isEmpty()) args << QStringLiteral("--search") << query;
    return startDetached(program, args);
}

int DesktopSearch::pruneIconCache(int keep) {
    if (options_.thumbnailCache.isEmpty()) return 0;
    QDir dir(options_.thumbnailCache);
    // Only the names this class writes: 32 hex digits and ".jpg".
    const QFileInfoList files = dir.entryInfoList({QStringLiteral("*.jpg")}, QDir::Files | QDir::NoSymLinks, QDir::Time);
    int removed = 0;
    for (int i = std::max(0, keep); i < files.size(); ++i)
        if (files[i].completeBaseName().size() == 32 && QFile::remove(files[i].absoluteFilePath())) ++removed;
    return removed;
}

QList<DesktopSearch::Action> DesktopSearch::actions() const {
    return {{QStringLiteral("reveal"), tr("Show in folder"), QStringLiteral("folder-open")},
            {QStringLiteral("search"), tr("Search in LowCLIP"), QStringLiteral("io.lowclip.Desktop")}};
}

}  // namespace ui
}  // namespace lowclip
