#pragma once
// One window per data folder: the first start listens on a local socket named after the user and
// the data folder; a later start finds it, asks it to raise its window, and exits.
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
    // `timeoutMs` for it.
    bool forwardToRunning(int timeoutMs = 1500);
    // Becomes the running instance (a stale socket left by a crash is removed first). False when
    // the socket cannot be created; the application then simply runs without it.
    bool listen();
    QString serverName() const { return name_; }

Q_SIGNALS:
    // Another start asked this instance to show its window.
    void activationRequested();

private:
    QString name_;
    QLocalServer* server_ = nullptr;
};

}  // namespace ui
}  // namespace lowclip
