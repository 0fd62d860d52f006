#include "ui/index_controller.h"

#include <QDirIterator>
#include <QFileInfo>
#include <QMetaObject>
#include <QPointer>
#include <chrono>

#include "ui/backend.h"
#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

IndexController::IndexController(Backend* backend, QObject* parent) : QObject(parent), backend_(backend) {
    qRegisterMetaType<IndexProgressInfo>();
    qRegisterMetaType<IndexSummary>();
    debounce_.setSingleShot(true);
    debounce_.setInterval(5000);  // a copy of many photos settles before the rescan
    connect(&debounce_, &QTimer::timeout, this, &IndexController::start);
    connect(&watcher_, &QFileSystemWatcher::directoryChanged, this, &IndexController::onFolderChanged);
}

IndexController::~IndexController() {
    if (cancel_) cancel_->store(true);
}

void IndexController::watchFolders(const QStringList& roots) {
    roots_ = roots;
    if (!watcher_.directories().isEmpty()) watcher_.removePaths(watcher_.directories());
    QStringList dirs;
    for (const QString& root : roots) {
        if (dirs.size() >= kMaxWatchedDirs) break;
        if (!QFileInfo(root).isDir()) continue;  // offline (an unplugged drive): scans say so
        dirs << root;
        QDirIterator it(root, QDir::Dirs | QDir::NoDotAndDotDot, QDirIterator::Subdirectories);
        while (it.hasNext() && dirs.size() < kMaxWatchedDirs) dirs << it.next();
    }
    if (!dirs.isEmpty()) watcher_.addPaths(dirs);
}

void IndexController::onFolderChanged() { debounce_.start(); }

void IndexController::start() {
    debounce_.stop();
    if (running_) {
        again_ = true;
        return;
    }
    running_ = true;
    again_ = false;
    lastError_.clear();
    lastCancelled_ = false;
    progress_ = {};
    progress_.stage = QStringLiteral("scan");
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    timer_.start();
    Q_EMIT started();

    QPointer<IndexController> self(this);
    auto cancel = cancel_;
    // Progress arrives on the worker thread, many times a second: forward at most ~10 per second.
    // (The callback may come from several worker threads: the throttle is an atomic.)
    auto lastSent = std::make_shared<std::atomic<long long>>(0);
    ProgressFn progress = [self, lastSent](const Progress& p) {
        const long long now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now().time_since_epoch()).count();
        const bool last = p.total > 0 && p.done >= p.total;
        long long before = lastSent->load();
        if (!last && now - before < 100) return;
        if (!last && !lastSent->compare_exchange_strong(before, now)) return;
        IndexProgressInfo info;
        info.stage = toQ(p.stage);
        info.done = qint64(p.done);
        info.total = qint64(p.total);
        info.perSecond = p.itemsPerSecond;
        info.etaSeconds = p.etaSeconds;
        info.message = toQ(p.message);
        QMetaObject::invokeMethod(self.data(), [self, info]() {
            if (self) self->onProgress(info);
        }, Qt::QueuedConnection);
    };
    backend_->run(
        this, [engine = backend_->enginePtr(), progress, cancel]() { return engine->index(progress, cancel.get()); },
        [this](IndexSummary summary) {
            running_ = false;
            last_ = summary;
            // Folders made since (a new album) are watched from now on.
            if (!roots_.isEmpty()) watchFolders(roots_);
            Q_EMIT finished(summary, QString());
            if (again_) start();
        },
        [this](const QString& message) {
            running_ = false;
            lastError_ = message;
            Q_EMIT finished(IndexSummary{}, message);
        },
        [this]() {
            running_ = false;
            lastCancelled_ = true;
            last_ = IndexSummary{};
            Q_EMIT finished(last_, QString());
        });
}

void IndexController::cancel() {
    again_ = false;
    debounce_.stop();
    if (cancel_) cancel_->store(true);
}

void IndexController::onProgress(const IndexProgressInfo& info) {
    if (!running_) return;
    progress_ = info;
    Q_EMIT progressChanged(info);
}

}  // namespace ui
}  // namespace lowclip
