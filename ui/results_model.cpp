#include "ui/results_model.h"

#include <QFileInfo>
#include <QLocale>
#include <algorithm>

#include "ui/thumbnail_loader.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

ResultsModel::ResultsModel(ThumbnailLoader* loader, QObject* parent) : QAbstractListModel(parent), loader_(loader) {
    connect(loader_, &ThumbnailLoader::loaded, this, &ResultsModel::onThumbnail);
}

void ResultsModel::setResults(std::vector<Photo> hits, std::size_t relevant, std::vector<std::size_t> stackLeader) {
    beginResetModel();
    loader_->clearPending();  // thumbnails of the previous results are no longer wanted
    ranked_ = std::move(hits);
    relevant_ = std::min(relevant, ranked_.size());
    const std::size_t n = ranked_.size();
    leader_.assign(n, 0);
    stackSize_.assign(n, 1);
    for (std::size_t i = 0; i < n; ++i) {
        // A leader must rank higher and lead itself; anything else (a malformed list) stands alone.
        std::size_t l = i < stackLeader.size() ? stackLeader[i] : i;
        if (l >= i || leader_[l] != l) l = i;
        // A stack never spans the relevance gap: the less relevant photo stands alone.
        if ((l < relevant_) != (i < relevant_)) l = i;
        leader_[i] = l;
        if (l != i) ++stackSize_[l];
    }
    expanded_.clear();
    pixmaps_.clear();
    arrange();
    endResetModel();
}

int ResultsModel::stackCount() const {
    int n = 0;
    for (std::size_t i = 0; i < ranked_.size(); ++i) n += leader_[i] == i && stackSize_[i] > 1;
    return n;
}

bool ResultsModel::setStackExpanded(qint64 photoId, bool expanded) {
    for (std::size_t i = 0; i < ranked_.size(); ++i) {
        if (ranked_[i].id != photoId) continue;
        const std::size_t l = leader_[i];
        if (stackSize_[l] < 2) return false;
        const qint64 leaderId = ranked_[l].id;
        if (expanded_.value(leaderId, false) == expanded) return true;
        beginResetModel();
        if (expanded) expanded_.insert(leaderId, true);
        else expanded_.remove(leaderId);
        arrange();
        endResetModel();
        return true;
    }
    return false;
}

bool ResultsModel::isStackExpanded(qint64 photoId) const {
    for (std::size_t i = 0; i < ranked_.size(); ++i)
        if (ranked_[i].id == photoId) return expanded_.value(ranked_[leader_[i]].id, false);
    return false;
}

qint64 ResultsModel::stackLeaderOf(qint64 photoId) const {
    for (std::size_t i = 0; i < ranked_.size(); ++i)
        if (ranked_[i].id == photoId) return ranked_[leader_[i]].id;
    return photoId;
}

int ResultsModel::stackSizeOf(qint64 photoId) const {
    for (std::size_t i = 0; i < ranked_.size(); ++i)
        if (ranked_[i].id == photoId) return stackSize_[leader_[i]];
    return 1;
}

void ResultsModel::setOrder(Order order) {
    if (order == order_) return;
    beginResetModel();
    order_ = order;
    arrange();
    endResetModel();
}

void ResultsModel::arrange() {
    // Leaders (and photos standing alone) in the chosen order, relevant ones first; an open stack's
    // members follow their leader in rank order.
    std::vector<std::size_t> leaders;
    for (std::size_t i = 0; i < ranked_.size(); ++i)
        if (leader_[i] == i) leaders.push_back(i);
    if (order_ != Order::Relevance) {
        const bool newest = order_ == Order::NewestFirst;
        std::stable_sort(leaders.begin(), leaders.end(), [&](std::size_t x, std::size_t y) {
            if ((x < relevant_) != (y < relevant_)) return x < relevant_;
            const Photo& a = ranked_[x];
            const Photo& b = ranked_[y];
            if (a.dateTaken.empty() != b.dateTaken.empty()) return b.dateTaken.empty();  // undated last
            return newest ? a.dateTaken > b.dateTaken : a.dateTaken < b.dateTaken;
        });
    }
    rankOfRow_.clear();
    for (std::size_t l : leaders) {
        rankOfRow_.push_back(l);
        if (stackSize_[l] > 1 && expanded_.value(ranked_[l].id, false))
            for (std::size_t i = l + 1; i < ranked_.size(); ++i)
                if (leader_[i] == l) rankOfRow_.push_back(i);
    }
    hits_.clear();
    for (std::size_t r : rankOfRow_) hits_.push_back(ranked_[r]);
    rowById_.clear();
    for (int i = 0; i < int(hits_.size()); ++i) rowById_.insert(hits_[std::size_t(i)].id, i);
}

void ResultsModel::setMarks(const QHash<qint64, int>& marks) {
    marks_ = marks;
    if (!hits_.empty()) Q_EMIT dataChanged(index(0), index(int(hits_.size()) - 1), {MarkRole});
}

void ResultsModel::clear() { setResults({}); }

void ResultsModel::refreshThumbnails() {
    pixmaps_.clear();
    if (!hits_.empty()) Q_EMIT dataChanged(index(0), index(int(hits_.size()) - 1), {Qt::DecorationRole});
}

int ResultsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(hits_.size()); }

QVariant ResultsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= int(hits_.size())) return {};
    const Photo& p = hits_[std::size_t(index.row())];
    const QString path = QString::fromStdString(p.path);
    switch (role) {
    case Qt::DisplayRole:
        return QFileInfo(path).fileName();
    case Qt::ToolTipRole:
    {
        QString tip = tr("%1\nRelevance: %2").arg(path, QLocale().toString(double(p.score), 'f', 3));
        const std::size_t r = rankOfRow_[std::size_t(index.row())];
        if (r >= relevant_) tip += QLatin1Char('\n') + tr("Less relevant: after a clear drop in relevance.");
        if (leader_[r] == r && stackSize_[r] > 1)
            tip += QLatin1Char('\n') + tr("%n near-identical photo(s) in this stack.", nullptr, stackSize_[r] - 1);
        return tip;
    }
    case Qt::DecorationRole: {
        auto it = pixmaps_.constFind(p.id);
        if (it != pixmaps_.constEnd()) return *it;
        QImage image = loader_->get(p.id, path);
        if (image.isNull()) return {};
        QPixmap pm = QPixmap::fromImage(image);
        pixmaps_.insert(p.id, pm);
        return pm;
    }
    case PhotoIdRole:
        return qint64(p.id);
    case PathRole:
        return path;
    case ScoreRole:
        return double(p.score);
    case ThumbnailPendingRole:
        return loader_->isPending(p.id);
    case MarkRole:
        return marks_.value(p.id, NoMark);
    case LessRelevantRole:
        return rankOfRow_[std::size_t(index.row())] >= relevant_;
    case StackSizeRole: {
        const std::size_t r = rankOfRow_[std::size_t(index.row())];
        return leader_[r] == r ? stackSize_[r] : 1;
    }
    case StackExpandedRole: {
        const std::size_t r = rankOfRow_[std::size_t(index.row())];
        return expanded_.value(ranked_[leader_[r]].id, false);
    }
    case InStackRole: {
        const std::size_t r = rankOfRow_[std::size_t(index.row())];
        return leader_[r] != r;
    }
    default:
        return {};
    }
}

void ResultsModel::onThumbnail(qint64 photoId, const QImage& image) {
    const int row = rowOfPhoto(photoId);
    if (row < 0) return;
    if (!image.isNull()) pixmaps_.insert(photoId, QPixmap::fromImage(image));
    const QModelIndex i = index(row);
    Q_EMIT dataChanged(i, i, {Qt::DecorationRole, ThumbnailPendingRole});
}

}  // namespace ui
}  // namespace lowclip
