#include "ui/file_manager.h"

#include <QFileInfo>
#include <QObject>
#ifdef LOWCLIP_HAVE_DBUS
#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#endif

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

void showInFileManager(QObject* context, const QString& file, const std::function<bool(const QUrl&)>& openFolder) {
    const QUrl folder = QUrl::fromLocalFile(QFileInfo(file).absolutePath());
#ifdef LOWCLIP_HAVE_DBUS
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (bus.isConnected()) {
        QDBusMessage call = QDBusMessage::createMethodCall(
            QStringLiteral("org.freedesktop.FileManager1"), QStringLiteral("/org/freedesktop/FileManager1"),
            QStringLiteral("org.freedesktop.FileManager1"), QStringLiteral("ShowItems"));
        call << QStringList{QUrl::fromLocalFile(file).toString(QUrl::FullyEncoded)} << QString();
        auto* watcher = new QDBusPendingCallWatcher(bus.asyncCall(call, 5000), context);
        QObject::connect(watcher, &QDBusPendingCallWatcher::finished, context, [watcher, folder, openFolder] {
            watcher->deleteLater();
            if (watcher->isError()) openFolder(folder);
        });
        return;
    }
#else
    (void)context;
#endif
    openFolder(folder);
}

}  // namespace ui
}  // namespace lowclip
