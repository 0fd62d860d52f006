#pragma once
// Runs engine calls on worker threads and hands results back on the GUI thread, so the window
// never waits for the engine. Every result or error arrives through a callback invoked in the
// context object's thread; when the context object dies first, the callback is dropped.
#include <QCoreApplication>
#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "ui/engine/engine.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class Backend : public QObject {
    Q_OBJECT
public:
    explicit Backend(std::shared_ptr<Engine> engine, QObject* parent = nullptr);
    ~Backend() override;

    Engine& engine() { return *engine_; }
    std::shared_ptr<Engine> enginePtr() { return engine_; }
    int busyJobs() const { return busy_; }
    // Blocks until every job has finished (used at shutdown and by tests).
    void waitForIdle();

    // Runs `work()` on a worker thread; then `done(result)` or `failed(message)` on `context`'s thread.
    template <class Work, class Done>
    void run(QObject* context, Work work, Done done, std::function<void(const QString&)> failed = {}) {
        using T = std::invoke_result_t<Work>;
        if constexpr (std::is_void_v<T>) {
            runImpl<bool>(context, [w = std::move(work)]() mutable { w(); return true; },
                          [d = std::move(done)](bool) mutable { d(); }, std::move(failed));
        } else {
            runImpl<T>(context, std::move(work), std::move(done), std::move(failed));
        }
    }

Q_SIGNALS:
    // A job failed and nobody handled it: the message is a sentence for a person.
    void error(const QString& message);
    void busyChanged(int jobs);

private:
    template <class T>
    struct Outcome {
        std::optional<T> value;
        QString error;
        bool cancelled = false;
    };

    template <class T, class Work, class Done>
    void runImpl(QObject* context, Work work, Done done, std::function<void(const QString&)> failed) {
        auto* watcher = new QFutureWatcher<std::shared_ptr<Outcome<T>>>(this);
        QPointer<QObject> guard(context);
        connect(watcher, &QFutureWatcherBase::finished, this,
                [this, watcher, guard, done = std::move(done), failed = std::move(failed)]() mutable {
                    auto outcome = watcher->result();
                    watcher->deleteLater();
                    jobFinished();
                    if (!guard) return;
                    if (outcome->value) {
                        done(std::move(*outcome->value));
                    } else if (!outcome->cancelled) {
                        if (failed)
                            failed(outcome->error);
                        else
                            Q_EMIT error(outcome->error);
                    }
                });
        jobStarted();
        watcher->setFuture(QtConcurrent::run(&pool_, [work = std::move(work)]() mutable {
            auto outcome = std::make_shared<Outcome<T>>();
            try {
                outcome->value.emplace(work());
            } catch (const lowclip::Cancelled&) {
                outcome->cancelled = true;
            } catch (const std::exception& e) {
                outcome->error = QString::fromUtf8(e.what());
            } catch (...) {
                outcome->error = QCoreApplication::translate("lowclip::ui::Backend", "An unexpected error occurred.");
            }
            return outcome;
        }));
    }

    void jobStarted();
    void jobFinished();

    std::shared_ptr<Engine> engine_;
    QThreadPool pool_;
    int busy_ = 0;
};

}  // namespace ui
}  // namespace lowclip
