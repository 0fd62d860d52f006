#include "ui/result_delegate.h"

#include <QApplication>
#include <QFontMetrics>
#include <QLocale>
#include <QPainter>
#include <QPixmap>
#include <algorithm>

#include "ui/results_model.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

ResultDelegate::ResultDelegate(int thumbnailSize, QObject* parent) : QStyledItemDelegate(parent), size_(thumbnailSize) {}

QSize ResultDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const {
    const int text = option.fontMetrics.height();
    return QSize(size_ + 12, size_ + 12 + text + 4);
}

void ResultDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    const QRect cell = option.rect.adjusted(3, 3, -3, -3);
    const bool selected = option.state & QStyle::State_Selected;
    const QPalette& pal = option.palette;
    if (selected) {
        painter->setPen(QPen(pal.color(QPalette::Highlight), 2));
        painter->setBrush(pal.color(QPalette::Highlight).lighter(170));
        painter->drawRoundedRect(cell, 6, 6);
    } else if (option.state & QStyle::State_MouseOver) {
        painter->setPen(Qt::NoPen);
        painter->setBrush(pal.color(QPalette::Midlight));
        painter->drawRoundedRect(cell, 6, 6);
    }
    const QRect imageBox(cell.left() + 3, cell.top() + 3, cell.width() - 6, size_);
    const QPixmap pm = index.data(Qt::DecorationRole).value<QPixmap>();
    const bool lessRelevant = index.data(ResultsModel::LessRelevantRole).toBool();
    const int stackSize = index.data(ResultsModel::StackSizeRole).toInt();
    const bool stackOpen = index.data(ResultsModel::StackExpandedRole).toBool();
    const bool inStack = index.data(ResultsModel::InStackRole).toBool();
    if (stackOpen) {
        // An open stack: its leader and members share a tinted ground.
        painter->setPen(Qt::NoPen);
        QColor tint = pal.color(QPalette::Highlight);
        tint.setAlpha(inStack ? 28 : 44);
        painter->setBrush(tint);
        painter->drawRoundedRect(cell, 6, 6);
    }
    if (stackSize > 1 && !stackOpen) {
        // A closed stack: two cards peeking out behind the photo.
        painter->setPen(QPen(pal.color(QPalette::Mid), 1));
        painter->setBrush(pal.color(QPalette::Base));
        for (int k = 2; k >= 1; --k)
            painter->drawRoundedRect(imageBox.adjusted(8 + 3 * k, 8 - 3 * k, -8 + 3 * k, -8 - 3 * k).translated(0, 0), 3, 3);
    }
    // Less relevant photos are shown faded: they came after a clear drop in the scores.
    if (lessRelevant) painter->setOpacity(0.45);
    if (!pm.isNull()) {
        // Small photos are enlarged to fill the cell, but at most 3x (beyond that they turn to mush).
        QSize s = pm.size().scaled(imageBox.size(), Qt::KeepAspectRatio);
        if (s.width() > 3 * pm.width()) s = pm.size() * 3;
        QRect target(QPoint(0, 0), s);
        target.moveCenter(imageBox.center());
        painter->setRenderHint(QPainter::SmoothPixmapTransform);
        painter->drawPixmap(target, pm);
    } else {
        painter->setPen(Qt::NoPen);
        painter->setBrush(pal.color(QPalette::AlternateBase).darker(104));
        painter->drawRoundedRect(imageBox.adjusted(8, 8, -8, -8), 4, 4);
    }
    painter->setOpacity(1.0);
    if (stackSize > 1) {
        // The stack's size in the thumbnail's bottom-right corner ("+N"; "−" when open).
        QFont f = option.font;
        f.setBold(true);
        painter->setFont(f);
        const QString text = stackOpen ? QStringLiteral("−%1").arg(stackSize - 1) : QStringLiteral("+%1").arg(stackSize - 1);
        const int h = option.fontMetrics.height() + 4;
        const int w = std::max(h, QFontMetrics(f).horizontalAdvance(text) + 10);
        const QRect badge(imageBox.right() - w - 2, imageBox.bottom() - h - 2, w, h);
        painter->setPen(Qt::NoPen);
        painter->setBrush(QColor(0, 0, 0, 170));
        painter->drawRoundedRect(badge, h / 2.0, h / 2.0);
        painter->setPen(Qt::white);
        painter->drawText(badge, Qt::AlignCenter, text);
        painter->setFont(option.font);
    }
    if (showScores_) {
        const QRect textBox(cell.left(), imageBox.bottom() + 2, cell.width(), option.fontMetrics.height() + 2);
        painter->setPen(pal.color(selected ? QPalette::HighlightedText : QPalette::Text));
        if (selected) painter->setPen(pal.color(QPalette::Text));
        const double score = index.data(ResultsModel::ScoreRole).toDouble();
        if (lessRelevant) painter->setPen(pal.color(QPalette::PlaceholderText));
        painter->drawText(textBox, Qt::AlignCenter, QLocale().toString(score, 'f', 2));
    }
    const int mark = index.data(ResultsModel::MarkRole).toInt();
    if (mark != ResultsModel::NoMark) {
        // A badge in the thumbnail's top-right corner: ✓ on green for relevant, ✗ on red for not.
        const int d = std::max(18, option.fontMetrics.height() + 4);
        const QRect badge(imageBox.right() - d - 2, imageBox.top() + 2, d, d);
        painter->setPen(QPen(Qt::white, 1.5));
        painter->setBrush(mark > 0 ? QColor(0x2e, 0x7d, 0x32) : QColor(0xc6, 0x28, 0x28));
        painter->drawEllipse(badge);
        QFont f = option.font;
        f.setBold(true);
        painter->setFont(f);
        painter->drawText(badge, Qt::AlignCenter, mark > 0 ? QStringLiteral("✓") : QStringLiteral("✗"));
    }
    if (option.state & QStyle::State_HasFocus) {
        // The keyboard's place in the grid: a solid frame, thicker than the selection's, in the
        // text colour so that it shows on selected and unselected cells alike.
        painter->setPen(QPen(pal.color(QPalette::Text), 2, Qt::SolidLine));
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(cell.adjusted(1, 1, -1, -1), 6, 6);
    }
    painter->restore();
}

}  // namespace ui
}  // namespace lowclip
