#include "app/search_provider/dbus_adaptors.h"

#include <QDBusMetaType>
#include <QUrl>
#include <algorithm>

#include "ui/desktop_search.h"

namespace lowclip {
namespace searchprovider {

QDBusArgument& operator<<(QDBusArgument& arg, const RemoteMatch& m) {
    arg.beginStructure();
    arg << m.id << m.text << m.iconName << m.categoryRelevance << m.relevance << m.properties;
    arg.endStructure();
    return arg;
}

const QDBusArgument& operator>>(const QDBusArgument& arg, RemoteMatch& m) {
    arg.beginStructure();
    arg >> m.id >> m.text >> m.iconName >> m.categoryRelevance >> m.relevance >> m.properties;
    arg.endStructure();
    return arg;
}

QDBusArgument& operator<<(QDBusArgument& arg, const RemoteAction& a) {
    arg.beginStructure();
    arg << a.id << a.text << a.iconName;
    arg.endStructure();
    return arg;
}

const QDBusArgument& operator>>(const QDBusArgument& arg, RemoteAction& a) {
    arg.beginStructure();
    arg >> a.id >> a.text >> a.iconName;
    arg.endStructure();
    return arg;
}

void registerDBusTypes() {
    qDBusRegisterMetaType<RemoteMatch>();
    qDBusRegisterMetaType<RemoteMatches>();
    qDBusRegisterMetaType<RemoteAction>();
    qDBusRegisterMetaType<RemoteActions>();
    qDBusRegisterMetaType<ResultMetas>();
}

// ---- GNOME Shell ----------------------------------------------------------------------------

GnomeSearchProvider::GnomeSearchProvider(QObject* object, ui::DesktopSearch* search)
    : QDBusAbstractAdaptor(object), search_(search) {}

QStringList GnomeSearchProvider::GetInitialResultSet(const QStringList& terms) { return search_->search(terms); }

QStringList GnomeSearchProvider::GetSubsearchResultSet(const QStringList& previousResults, const QStringList& terms) {
    return search_->subsearch(previousResults, terms);
}

ResultMetas GnomeSearchProvider::GetResultMetas(const QStringList& identifiers) {
    ResultMetas out;
    for (const ui::DesktopSearch::Meta& m : search_->metas(identifiers)) {
        QVariantMap meta;
        meta.insert(QStringLiteral("id"), m.id);
        meta.insert(QStringLiteral("name"), m.name);
        meta.insert(QStringLiteral("description"), m.description);
        // A serialized GIcon: an absolute file path is a file icon (the thumbnail).
        meta.insert(QStringLiteral("gicon"), m.icon);
        meta.insert(QStringLiteral("clipboardText"), m.path);
        out << meta;
    }
    return out;
}

void GnomeSearchProvider::ActivateResult(const QString& identifier, const QStringList& terms, uint timestamp) {
    Q_UNUSED(terms);
    Q_UNUSED(timestamp);
    search_->activate(identifier);
}

void GnomeSearchProvider::LaunchSearch(const QStringList& terms, uint timestamp) {
    Q_UNUSED(timestamp);
    search_->launchSearch(terms);
}

// ---- KRunner ---------------------------------------------------------------------------------

KRunner::KRunner(QObject* object, ui::DesktopSearch* search) : QDBusAbstractAdaptor(object), search_(search) {}

RemoteActions KRunner::Actions() {
    RemoteActions out;
    for (const auto& a : search_->actions()) out << RemoteAction{a.id, a.text, a.icon};
    return out;
}

RemoteMatches KRunner::Match(const QString& query) {
    const QStringList terms = query.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    RemoteMatches out;
    QStringList actionIds;
    for (const auto& a : search_->actions()) actionIds << a.id;
    const QList<ui::DesktopSearch::Meta> found = search_->match(terms);
    if (queryOf_.size() > 4096) queryOf_.clear();
    for (const ui::DesktopSearch::Meta& m : found) {
        queryOf_.insert(m.id, terms);
        RemoteMatch r;
        r.id = m.id;
        r.text = m.name;
        r.iconName = QStringLiteral("io.lowclip.Desktop");
        r.categoryRelevance = 50;  // a possible match: the photos are guesses from a description
        // Cosine similarities of a CLIP model lie mostly in [0, 0.6]; KRunner sorts by [0, 1].
        r.relevance = std::clamp(0.5 + m.score, 0.0, 1.0);
        r.properties.insert(QStringLiteral("subtext"), m.description);
        r.properties.insert(QStringLiteral("urls"), QStringList{QUrl::fromLocalFile(m.path).toString()});
        r.properties.insert(QStringLiteral("actions"), actionIds);
        out << r;
    }
    return out;
}

void KRunner::Run(const QString& matchId, const QString& actionId) {
    if (actionId == QLatin1String("reveal")) search_->reveal(matchId);
    else if (actionId == QLatin1String("search")) search_->launchSearch(queryOf_.value(matchId));
    else search_->activate(matchId);
}

void KRunner::Teardown() { queryOf_.clear(); }

}  // namespace searchprovider
}  // namespace lowclip
