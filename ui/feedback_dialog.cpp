#include "ui/feedback_dialog.h"

#include <QDateTime>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "ui/backend.h"
#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

FeedbackDialog::FeedbackDialog(Backend* backend, QWidget* parent) : QDialog(parent), backend_(backend) {
    setWindowTitle(tr("Relevance marks"));
    auto* v = new QVBoxLayout(this);
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    v->addWidget(summary_);
    list_ = new QTreeWidget(this);
    list_->setObjectName(QStringLiteral("marks"));
    list_->setHeaderLabels({tr("Query"), tr("Photo"), tr("Mark"), tr("Date")});
    list_->setRootIsDecorated(false);
    list_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    list_->setSortingEnabled(true);
    list_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    v->addWidget(list_, 1);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    remove_ = buttons->addButton(tr("Remove mark"), QDialogButtonBox::ActionRole);
    remove_->setEnabled(false);
    v->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(remove_, &QPushButton::clicked, this, &FeedbackDialog::removeSelected);
    connect(list_, &QTreeWidget::itemSelectionChanged, this,
            [this] { remove_->setEnabled(!list_->selectedItems().isEmpty()); });
    resize(640, 400);
    reload();
}

void FeedbackDialog::reload() {
    backend_->run(
        this, [engine = backend_->enginePtr()]() { return engine->feedbackMarks(); },
        [this](std::vector<FeedbackMark> marks) {
            list_->setSortingEnabled(false);
            list_->clear();
            for (const auto& m : marks) {
                auto* item = new QTreeWidgetItem(list_);
                item->setText(0, toQ(m.query));
                item->setText(1, QFileInfo(toQ(m.path)).fileName());
                item->setToolTip(1, toQ(m.path));
                item->setText(2, m.relevant ? tr("Relevant") : tr("Not relevant"));
                item->setText(3, formatPhotoDate(QDateTime::fromSecsSinceEpoch(m.created).toString(Qt::ISODate)));
                item->setData(0, Qt::UserRole, qint64(m.id));
            }
            list_->setSortingEnabled(true);
            summary_->setText(marks.empty()
                                  ? tr("No marks yet. Mark search results as relevant or not relevant in the preview.")
                                  : tr("%n mark(s); those marked relevant are used to teach the model.", nullptr,
                                       int(marks.size())));
            Q_EMIT reloaded();
        });
}

void FeedbackDialog::removeSelected() {
    std::vector<std::int64_t> ids;
    for (auto* item : list_->selectedItems()) ids.push_back(item->data(0, Qt::UserRole).toLongLong());
    if (ids.empty()) return;
    backend_->run(
        this,
        [engine = backend_->enginePtr(), ids]() {
            for (auto id : ids) engine->removeFeedback(id);
        },
        [this]() {
            Q_EMIT marksChanged();
            reload();
        });
}

}  // namespace ui
}  // namespace lowclip
