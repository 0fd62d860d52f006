#pragma once
// Search from the desktop's own search (GNOME Shell's overview, KRunner): what the D-Bus search
// provider (app/search_provider/, lowclip-search-provider) answers, without D-Bus. It reads the
// library through a read-only engine, so it works while the window holds the library, and sees
// the window's new photos and model choices (Engine::refresh before each search).
//
// Result ids are "photo:<catalog id>". Queries are the desktop's terms joined by spaces; a query
// shorter than `minLetters` letters, or whose every word the model does not know, answers nothing
// (the desktop would otherwise show arbitrary photos for "a" or a word the model never saw).
#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>
#include <functional>
#include <memory>

#include "ui/engine/engine.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class DesktopSearch : public QObject {
    Q_OBJECT
public:
    struct Options {
        int maxResults = 12;      // GNOME shows 5 or so, KRunner about 10
        int minLetters = 3;       // letters in the whole query
        double minScore = 0.0;    // hits scoring below this are left out
        QString thumbnailCache;   // where result icons are written; empty: none (the photo itself)
        QString guiProgram;       // the window's program for LaunchSearch; empty: "lowclip" on PATH
        QString dataDir;          // handed to the window (--data-dir) when not the default
    };
    struct Meta {
        QString id;
        QString name;         // the file's name
        QString description;  // date taken and folder
        QString icon;         // a thumbnail's path (or the photo's), for the desktop to show
        QString path;         // the photo
        double score = 0.0;
    };
    struct Action {
        QString id, text, icon;
    };

    DesktopSearch(std::shared_ptr<Engine> engine, const Options& options, QObject* parent = nullptr);

    // The result ids for these terms, best first; empty when the query is too short, unknown to
    // the model, or the library cannot answer (no library, no model, a broken file).
    QStringList search(const QStringList& terms);
    // The same for a narrowed query (the user typed on): the engine searches again; earlier ids
    // are not trusted blindly.
    QStringList subsearch(const QStringList& previousResults, const QStringList& terms);
    // The search's results with what to show for them, scores in `score` (KRunner's Match).
    QList<Meta> match(const QStringList& terms);
    // What to show for each id; ids that are not ours or no longer in the library are left out.
    QList<Meta> metas(const QStringList& ids);
    // Opens the photo with the desktop's viewer; false when the id is not a photo of the library.
    bool activate(const QString& id);
    // Shows the photo in its folder.
    bool reveal(const QString& id);
    // Starts (or raises) the window with this query.
    bool launchSearch(const QStringList& terms);
    // Keeps the icon cache (our own thumbnails, nothing of the user's) to `keep` files, the most
    // recently written; returns how many were removed.
    int pruneIconCache(int keep = 2000);
    // The actions KRunner offers next to a match.
    QList<Action> actions() const;

    // The last search's words the model does not know (tests, logs).
    QStringList lastUnknownWords() const { return lastUnknown_; }
    QString lastError() const { return lastError_; }

    // How programs are started (tests replace it): program, arguments; false when it cannot start.
    std::function<bool(const QString&, const QStringList&)> startDetached;

Q_SIGNALS:
    // Any call from the desktop (the provider's idle timer restarts on it).
    void used();

private:
    qint64 photoIdOf(const QString& id) const;
    QString pathOf(const QString& id);  // the photo's path; empty when the id is not one of ours
    std::vector<Photo> find(const QStringList& terms);
    Meta metaOf(const Photo& photo);
    QString iconFor(const Photo& photo);
    void refresh();

    std::shared_ptr<Engine> engine_;
    Options options_;
    QStringList lastUnknown_;
    QString lastError_;
};

}  // namespace ui
}  // namespace lowclip
