#pragma once
// Runs library indexing (scan + embed) in the background, one run at a time, with progress,
// cancellation and a record of the last run; watches the library folders and rescans, debounced,
// when they change.
#include <QDateTime>
#include <QElapsedTimer>
#include <QFileSystemWatcher>
#include <QObject>
#include <QStringList>
#include <QTimer>
#include <atomic>
#include <memory>

#include "ui/engine/engine.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class Backend;

struct IndexProgressInfo {
    QString stage;      // "scan", "index", ... as core reports it
    qint64 done = 0;
    qint64 total = 0;
    double perSecond = 0.0;
    double etaSeconds = -1.0;
    QString message;
};

class IndexController : public QObject {
    Q_OBJECT
public:
    explicit IndexController(Backend* backend, QObject* parent = nullptr);
    ~IndexController() override;

    bool isRunning() const { return running_; }
    const IndexProgressInfo& progress() const { return progress_; }
    const IndexSummary& lastSummary() const { return last_; }
    bool lastCancelled() const { return lastCancelled_; }  // the last run was cancelled (its finished batches are kept)
    QString lastError() const { return lastError_; }
    double elapsedSeconds() const { return running_ ? timer_.elapsed() / 1000.0 : 0.0; }

    // Watches these folders (and their subfolders, up to kMaxWatchedDirs in all) for changes.
    void watchFolders(const QStringList& roots);
    int watchedDirectories() const { return int(watcher_.directories().size()); }
    void setDebounceMs(int ms) { debounce_.setInterval(ms); }

    static constexpr int kMaxWatchedDirs = 2000;

public Q_SLOTS:
    // Starts a run now; when one is running, another follows once it ends.
    void start();
    void cancel();

Q_SIGNALS:
    void started();
    void progressChanged(const lowclip::ui::IndexProgressInfo& info);
    // `error` is empty when the run ended normally or was cancelled (lastCancelled()).
    void finished(const lowclip::ui::IndexSummary& summary, const QString& error);

private:
    void onProgress(const IndexProgressInfo& info);
    void onFolderChanged();

    Backend* backend_;
    bool running_ = false;
    bool again_ = false;
    std::shared_ptr<std::atomic<bool>> cancel_;
    IndexProgressInfo progress_;
    IndexSummary last_;
    bool lastCancelled_ = false;
    QString lastError_;
    QElapsedTimer timer_;
    QFileSystemWatcher watcher_;
    QTimer debounce_;
    QStringList roots_;
};

}  // namespace ui
}  // namespace lowclip

Q_DECLARE_METATYPE(lowclip::ui::IndexProgressInfo)
Q_DECLARE_METATYPE(lowclip::ui::IndexSummary)
