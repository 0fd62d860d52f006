#pragma once
// Paints one result: the thumbnail centred in a square cell, the relevance score under it.
#include <QStyledItemDelegate>

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class ResultDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit ResultDelegate(int thumbnailSize, QObject* parent = nullptr);
    void setThumbnailSize(int size) { size_ = size; }
    void setShowScores(bool show) { showScores_ = show; }
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int size_;
    bool showScores_ = true;
};

}  // namespace ui
}  // namespace lowclip
