#include "ui/backend.h"

#include <QThread>

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

Backend::Backend(std::shared_ptr<Engine> engine, QObject* parent) : QObject(parent), engine_(std::move(engine)) {
    // Searches, thumbnails' neighbours and long jobs share this pool; leave room for searches
    // while indexing or training runs.
    pool_.setMaxThreadCount(std::max(4, QThread::idealThreadCount()));
}

Backend::~Backend() { waitForIdle(); }

void Backend::waitForIdle() { pool_.waitForDone(); }

void Backend::jobStarted() {
    ++busy_;
    Q_EMIT busyChanged(busy_);
}

void Backend::jobFinished() {
    --busy_;
    Q_EMIT busyChanged(busy_);
}

}  // namespace ui
}  // namespace lowclip
