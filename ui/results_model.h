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
    // LessRelevantRole: the photo comes after the gap in the scores (bool). StackSizeRole: on a
    // stack's leader, the photos in its stack including itself (1 when it stands alone).
    // StackExpandedRole: the leader's stack is open. InStackRole: the row is a member shown because
    // its stack is open.
    enum Role {
        PhotoIdRole = Qt::UserRole + 1, PathRole, ScoreRole, ThumbnailPendingRole, MarkRole,
        LessRelevantRole, StackSizeRole, StackExpandedRole, InStackRole
    };
    // Relevance (the order the hits came in), or by date taken (photos without one last). Sorting
    // by date keeps the relevant photos before the less relevant ones and sorts each group.
    enum class Order { Relevance, NewestFirst, OldestFirst };
    // A photo's relevance mark for the current query: none, relevant, not relevant (MarkRole).
    enum Mark { NoMark = 0, MarkedRelevant = 1, MarkedNotRelevant = -1 };

    explicit ResultsModel(ThumbnailLoader* loader, QObject* parent = nullptr);

    // `relevant`: how many leading hits are relevant (the rest are shown as less relevant; more than
    // hits.size(): all). `stackLeader`: per hit, the index of the hit leading its stack (empty: no
    // stacks); a stack shows as its leader until opened.
    void setResults(std::vector<Photo> hits, std::size_t relevant = SIZE_MAX, std::vector<std::size_t> stackLeader = {});
    std::size_t relevantCount() const { return relevant_; }
    std::size_t photoCount() const { return ranked_.size(); }  // also those hidden in closed stacks
    int stackCount() const;  // stacks of two or more photos
    // Opens or closes the stack that `photoId` leads or belongs to; false when it is in none.
    bool setStackExpanded(qint64 photoId, bool expanded);
    bool isStackExpanded(qint64 photoId) const;
    int stackSizeOf(qint64 photoId) const;
    qint64 stackLeaderOf(qint64 photoId) const;  // the photo itself when it leads or stands alone  // photos in its stack, 1 when it stands alone
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
    std::size_t relevant_ = 0;
    std::vector<std::size_t> leader_;  // per ranked_ item: its stack leader's index
    std::vector<int> stackSize_;       // per ranked_ item: on leaders, the stack's size
    QHash<qint64, bool> expanded_;     // leaders' ids whose stacks are open
    std::vector<std::size_t> rankOfRow_;  // per row: the ranked_ index
    Order order_ = Order::Relevance;
    QHash<qint64, int> marks_;

    ThumbnailLoader* loader_;
    std::vector<Photo> hits_;
    QHash<qint64, int> rowById_;
    mutable QHash<qint64, QPixmap> pixmaps_;
};

}  // namespace ui
}  // namespace lowclip
