#pragma once
// The desktop search interfaces over D-Bus, both answered by one DesktopSearch (ui/desktop_search.h):
// GNOME Shell's org.gnome.Shell.SearchProvider2 and KDE's KRunner org.kde.krunner1.
#include <QDBusAbstractAdaptor>
#include <QDBusArgument>
#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace lowclip {
namespace ui {
class DesktopSearch;
}
}  // namespace lowclip

namespace lowclip {
namespace searchprovider {

// KRunner's match: (id, text, icon name, category relevance, relevance, properties) = (sssida{sv}).
struct RemoteMatch {
    QString id;
    QString text;
    QString iconName;
    int categoryRelevance = 0;
    double relevance = 0.0;
    QVariantMap properties;
};
// KRunner's action: (id, text, icon name) = (sss).
struct RemoteAction {
    QString id;
    QString text;
    QString iconName;
};
using RemoteMatches = QList<RemoteMatch>;
using RemoteActions = QList<RemoteAction>;
using ResultMetas = QList<QVariantMap>;

QDBusArgument& operator<<(QDBusArgument& arg, const RemoteMatch& m);
const QDBusArgument& operator>>(const QDBusArgument& arg, RemoteMatch& m);
QDBusArgument& operator<<(QDBusArgument& arg, const RemoteAction& a);
const QDBusArgument& operator>>(const QDBusArgument& arg, RemoteAction& a);

// Registers the types above with QtDBus (before the adaptors are exported).
void registerDBusTypes();

class GnomeSearchProvider : public QDBusAbstractAdaptor {
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.gnome.Shell.SearchProvider2")
public:
    GnomeSearchProvider(QObject* object, ui::DesktopSearch* search);

public Q_SLOTS:
    QStringList GetInitialResultSet(const QStringList& terms);
    QStringList GetSubsearchResultSet(const QStringList& previousResults, const QStringList& terms);
    lowclip::searchprovider::ResultMetas GetResultMetas(const QStringList& identifiers);
    void ActivateResult(const QString& identifier, const QStringList& terms, uint timestamp);
    void LaunchSearch(const QStringList& terms, uint timestamp);

private:
    ui::DesktopSearch* search_;
};

class KRunner : public QDBusAbstractAdaptor {
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.kde.krunner1")
public:
    KRunner(QObject* object, ui::DesktopSearch* search);

public Q_SLOTS:
    lowclip::searchprovider::RemoteActions Actions();
    lowclip::searchprovider::RemoteMatches Match(const QString& query);
    void Run(const QString& matchId, const QString& actionId);
    void Teardown();

private:
    ui::DesktopSearch* search_;
    QHash<QString, QStringList> queryOf_;  // the query that found each match shown (bounded)
};

}  // namespace searchprovider
}  // namespace lowclip

Q_DECLARE_METATYPE(lowclip::searchprovider::RemoteMatch)
Q_DECLARE_METATYPE(lowclip::searchprovider::RemoteAction)
