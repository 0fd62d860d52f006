#include "ui/single_instance.h"

#include <QCryptographicHash>
#include <QLocalServer>
#include <QLocalSocket>
#include <QVariant>
#include <QRegularExpression>

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

namespace {
// "raise\n", or "search <base64 of the UTF-8 query>\n".
const QByteArray kRaise = QByteArrayLiteral("raise");
const QByteArray kSearch = QByteArrayLiteral("search ");
constexpr int kMaxQuery = 512;         // characters
constexpr qint64 kMaxMessage = 4096;   // a peer's bytes are read up to this, never more
}  // namespace

SingleInstance::SingleInstance(const QString& key, QObject* parent) : QObject(parent) {
    // Short and free of path characters: socket paths are limited to about 100 bytes.
    const QByteArray hash = QCryptographicHash::hash(key.toUtf8(), QCryptographicHash::Sha256).toHex().left(24);
    QString user = qEnvironmentVariable("USER");
    user.remove(QRegularExpression(QStringLiteral("[^A-Za-z0-9_-]")));
    name_ = QStringLiteral("lowclip-%1-%2").arg(user.left(32), QString::fromLatin1(hash));
}

SingleInstance::~SingleInstance() {
    if (server_) server_->close();
}

bool SingleInstance::forwardToRunning(int timeoutMs, const QString& query) {
    QLocalSocket socket;
    socket.connectToServer(name_);
    if (!socket.waitForConnected(timeoutMs)) return false;
    const QString q = query.simplified().left(kMaxQuery);
    socket.write(q.isEmpty() ? kRaise + '\n' : kSearch + q.toUtf8().toBase64() + '\n');
    if (!socket.waitForBytesWritten(timeoutMs)) return false;
    socket.disconnectFromServer();
    if (socket.state() != QLocalSocket::UnconnectedState) socket.waitForDisconnected(timeoutMs);
    return true;
}

bool SingleInstance::listen() {
    if (server_) return server_->isListening();
    server_ = new QLocalServer(this);
    server_->setSocketOptions(QLocalServer::UserAccessOption);
    if (!server_->listen(name_)) {
        // Nobody answered forwardToRunning(): what is there is left over from a crash.
        QLocalServer::removeServer(name_);
        if (!server_->listen(name_)) return false;
    }
    connect(server_, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket* peer = server_->nextPendingConnection()) {
            connect(peer, &QLocalSocket::disconnected, peer, &QObject::deleteLater);
            auto handle = [this, peer] {
                if (peer->property("handled").toBool()) return;
                QByteArray got = peer->property("got").toByteArray();
                got += peer->read(kMaxMessage - got.size());
                const qsizetype end = got.indexOf('\n');
                if (end < 0 && got.size() < kMaxMessage) {
                    peer->setProperty("got", got);  // the rest of the line is still coming
                    return;
                }
                peer->setProperty("handled", true);
                peer->setProperty("got", QVariant());
                const QByteArray line = end < 0 ? QByteArray() : got.left(end);  // overlong: ignored
                if (line == kRaise) {
                    Q_EMIT activationRequested(QString());
                } else if (line.startsWith(kSearch)) {
                    const auto decoded = QByteArray::fromBase64Encoding(line.mid(kSearch.size()),
                                                                        QByteArray::AbortOnBase64DecodingErrors);
                    if (decoded) Q_EMIT activationRequested(QString::fromUtf8(*decoded).simplified().left(kMaxQuery));
                }
                peer->disconnectFromServer();
            };
            connect(peer, &QLocalSocket::readyRead, this, handle);
            handle();  // what arrived before the connection was taken
        }
    });
    return true;
}

}  // namespace ui
}  // namespace lowclip
