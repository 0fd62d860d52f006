#pragma once
// Runs engine calls on worker threads and hands results back on the GUI thread, so the window
// never waits for the engine. Every result, error or cancellation arrives through a callback
// invoked in the context object's thread; when the context object dies first, it is dropped.
// Errors arrive as sentences in the user's language (ui/error_text.h), never as core's text.
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
#include "ui/error_text.h"

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

    // Runs `work()` on a worker thread; then `done(result)`, `failed(message)` or, when the work
    // threw lowclip::Cancelled, `cancelled()` on `context`'s thread. Without `failed` the error is
    // emitted as error(); without `cancelled` a cancellation ends silently.
    template <class Work, class Done>
    void run(QObject* context, Work work, Done done, std::function<void(const QString&)> failed = {},
             std::function<void()> cancelled = {}) {
        using T = std::invoke_result_t<Work>;
        if constexpr (std::is_void_v<T>) {
            runImpl<bool>(context, [w = std::move(work)]() mutable { w(); return true; },
                          [d = std::move(done)](bool) mutable { d(); }, std::move(failed), std::move(cancelled));
        } else {
            runImpl<T>(context, std::move(work), std::move(done), std::move(failed), std::move(cancelled));
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
        std::optional<lowclip::Error> error;  // rendered on the GUI thread, where translators live
        bool unexpected = false;              // an exception that is not lowclip::Error
        bool cancelled = false;
    };

    template <class T, class Work, class Done>
    void runImpl(QObject* context, Work work, Done done, std::function<void(const QString&)> failed,
                 std::function<void()> cancelled) {
        auto* watcher = new QFutureWatcher<std::shared_ptr<Outcome<T>>>(this);
        QPointer<QObject> guard(context);
        connect(watcher, &QFutureWatcherBase::finished, this,
                [this, watcher, guard, done = std::move(done), failed = std::move(failed),
                 cancelled = std::move(cancelled)]() mutable {
                    auto outcome = watcher->result();
                    watcher->deleteLater();
                    jobFinished();
                    if (!guard) return;
                    if (outcome->value) {
                        done(std::move(*outcome->value));
                    } else if (outcome->cancelled) {
                        if (cancelled) cancelled();
                    } else {
                        const QString message = outcome->error ? errorText(*outcome->error) : unexpectedErrorText();
                        if (failed)
                            failed(message);
                        else
                            Q_EMIT error(message);
                    }
                });
        jobStarted();
        watcher->setFuture(QtConcurrent::run(&pool_, [work = std::move(work)]() mutable {
            auto outcome = std::make_shared<Outcome<T>>();
            try {
                outcome->value.emplace(work());
            } catch (const lowclip::Cancelled&) {
                outcome->cancelled = true;
            } catch (const lowclip::Error& e) {
                if (e.code() == lowclip::ErrorCode::Cancelled) outcome->cancelled = true;
                else outcome->error = e;
            } catch (...) {
                outcome->unexpected = true;  // std::bad_alloc, a library's own exception: no internals shown
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
