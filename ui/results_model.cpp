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

void ResultsModel::setResults(std::vector<Photo> hits) {
    beginResetModel();
    loader_->clearPending();  // thumbnails of the previous results are no longer wanted
    ranked_ = std::move(hits);
    pixmaps_.clear();
    arrange();
    endResetModel();
}

void ResultsModel::setOrder(Order order) {
    if (order == order_) return;
    beginResetModel();
    order_ = order;
    arrange();
    endResetModel();
}

void ResultsModel::arrange() {
    hits_ = ranked_;
    if (order_ != Order::Relevance) {
        const bool newest = order_ == Order::NewestFirst;
        std::stable_sort(hits_.begin(), hits_.end(), [newest](const Photo& a, const Photo& b) {
            if (a.dateTaken.empty() != b.dateTaken.empty()) return b.dateTaken.empty();  // undated last
            return newest ? a.dateTaken > b.dateTaken : a.dateTaken < b.dateTaken;
        });
    }
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
        return tr("%1\nRelevance: %2").arg(path, QLocale().toString(double(p.score), 'f', 3));
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
