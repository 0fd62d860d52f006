#pragma once
// The results grid's model: search hits with their scores; thumbnails are requested from the
// ThumbnailLoader only when the view asks for them (that is, when a cell becomes visible).
#include <QAbstractListModel>
#include <QHash>
#include <QImage>
#include <QPixmap>
#include <QVector>

#include "ui/engine/engine.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class ThumbnailLoader;

class ResultsModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { PhotoIdRole = Qt::UserRole + 1, PathRole, ScoreRole, ThumbnailPendingRole, MarkRole };
    // Relevance (the order the hits came in), or by date taken (photos without one last).
    enum class Order { Relevance, NewestFirst, OldestFirst };
    // A photo's relevance mark for the current query: none, relevant, not relevant (MarkRole).
    enum Mark { NoMark = 0, MarkedRelevant = 1, MarkedNotRelevant = -1 };

    explicit ResultsModel(ThumbnailLoader* loader, QObject* parent = nullptr);

    void setResults(std::vector<Photo> hits);
    void clear();
    void setOrder(Order order);
    Order order() const { return order_; }
    // Marks by photo id; photos not in the map have none.
    void setMarks(const QHash<qint64, int>& marks);
    int markOf(qint64 photoId) const { return marks_.value(photoId, NoMark); }
    // Forgets the thumbnails shown so far (after a size change) and asks for them again.
    void refreshThumbnails();
    const Photo& photoAt(int row) const { return hits_[std::size_t(row)]; }
    int rowOfPhoto(qint64 photoId) const { return rowById_.value(photoId, -1); }

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

private:
    void onThumbnail(qint64 photoId, const QImage& image);
    void arrange();  // hits_ from ranked_ in order_; rowById_

    std::vector<Photo> ranked_;  // as they came
    Order order_ = Order::Relevance;
    QHash<qint64, int> marks_;

    ThumbnailLoader* loader_;
    std::vector<Photo> hits_;
    QHash<qint64, int> rowById_;
    mutable QHash<qint64, QPixmap> pixmaps_;
};

}  // namespace ui
}  // namespace lowclip
