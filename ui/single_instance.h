#pragma once
// One window per data folder: the first start listens on a local socket named after the user and
// the data folder; a later start finds it, asks it to raise its window (and search for a query
// given with --search), and exits. A peer's message is one line of bounded length.
#include <QObject>
#include <QString>

class QLocalServer;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class SingleInstance : public QObject {
    Q_OBJECT
public:
    // `key`: what makes two starts the same instance (the data folder's absolute path).
    explicit SingleInstance(const QString& key, QObject* parent = nullptr);
    ~SingleInstance() override;

    // True when another instance answered and was asked to show itself (then exit); waits at most
    // `timeoutMs` for it. A non-empty `query` asks it to search for that too (at most 512
    // characters are sent).
    bool forwardToRunning(int timeoutMs = 1500, const QString& query = {});
    // Becomes the running instance (a stale socket left by a crash is removed first). False when
    // the socket cannot be created; the application then simply runs without it.
    bool listen();
    QString serverName() const { return name_; }

Q_SIGNALS:
    // Another start asked this instance to show its window, and to search for `query` when it is
    // not empty.
    void activationRequested(const QString& query);

private:
    QString name_;
    QLocalServer* server_ = nullptr;
};

}  // namespace ui
}  // namespace lowclip
