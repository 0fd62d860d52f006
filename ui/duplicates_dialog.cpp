#include "ui/duplicates_dialog.h"

#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <climits>

#include "ui/backend.h"
#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

namespace {
constexpr int kGroupRole = Qt::UserRole + 1;  // on every row: the group's index
constexpr int kPhotoRole = Qt::UserRole + 2;  // on photo rows: the photo id
}  // namespace

DuplicatesDialog::DuplicatesDialog(Backend* backend, double similarity, QWidget* parent)
    : QDialog(parent), backend_(backend) {
    setWindowTitle(tr("Near-identical photos"));
    setObjectName(QStringLiteral("duplicatesDialog"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("Photos that look nearly the same: bursts, copies and small edits. They are found "
                                "from what the model saw in each photo. Nothing is changed or deleted here."),
                             this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto* row = new QHBoxLayout;
    auto* label = new QLabel(tr("&Similarity from:"), this);
    similarity_ = new QDoubleSpinBox(this);
    similarity_->setObjectName(QStringLiteral("similarity"));
    similarity_->setRange(80.0, 99.9);
    similarity_->setDecimals(1);
    similarity_->setSingleStep(0.5);
    similarity_->setSuffix(QStringLiteral(" %"));
    similarity_->setValue(std::clamp(similarity, 0.80, 0.999) * 100.0);
    similarity_->setToolTip(tr("Higher: only photos that are almost the same. Lower: also photos of the same scene."));
    label->setBuddy(similarity_);
    findButton_ = new QPushButton(tr("&Find"), this);
    findButton_->setObjectName(QStringLiteral("find"));
    row->addWidget(label);
    row->addWidget(similarity_);
    row->addWidget(findButton_);
    row->addStretch(1);
    layout->addLayout(row);

    progress_ = new QProgressBar(this);
    progress_->setVisible(false);
    layout->addWidget(progress_);
    summary_ = new QLabel(this);
    summary_->setObjectName(QStringLiteral("summary"));
    summary_->setWordWrap(true);
    layout->addWidget(summary_);

    tree_ = new QTreeWidget(this);
    tree_->setObjectName(QStringLiteral("groups"));
    tree_->setHeaderLabels({tr("Photo"), tr("Similarity"), tr("Pixels"), tr("Size"), tr("Date")});
    tree_->setRootIsDecorated(true);
    tree_->setUniformRowHeights(true);
    tree_->header()->setStretchLastSection(false);
    tree_->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (int c = 1; c < 5; ++c) tree_->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    layout->addWidget(tree_, 1);

    auto* buttons = new QDialogButtonBox(this);
    open_ = buttons->addButton(tr("&Open"), QDialogButtonBox::ActionRole);
    folder_ = buttons->addButton(tr("Show in f&older"), QDialogButtonBox::ActionRole);
    showGroup_ = buttons->addButton(tr("Show the &group in the results"), QDialogButtonBox::ActionRole);
    showGroup_->setObjectName(QStringLiteral("showGroup"));
    buttons->addButton(QDialogButtonBox::Close);
    layout->addWidget(buttons);

    connect(findButton_, &QPushButton::clicked, this, [this] {
        if (running_) {
            if (cancel_) cancel_->store(true);
        } else {
            find();
        }
    });
    connect(open_, &QPushButton::clicked, this, [this] {
        if (const qint64 id = currentPhotoId()) Q_EMIT openPhotoRequested(id);
    });
    connect(folder_, &QPushButton::clicked, this, [this] {
        if (const qint64 id = currentPhotoId()) Q_EMIT showInFolderRequested(id);
    });
    connect(showGroup_, &QPushButton::clicked, this, [this] {
        const int g = currentGroup();
        if (g >= 0 && g < int(scan_.groups.size())) Q_EMIT showGroupRequested(scan_.groups[std::size_t(g)].photos);
    });
    connect(tree_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        if (!item) return;
        if (const qint64 id = item->data(0, kPhotoRole).toLongLong()) Q_EMIT openPhotoRequested(id);
    });
    connect(tree_, &QTreeWidget::currentItemChanged, this, [this] { updateButtons(); });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(760, 520);
    setMinimumSize(480, 360);
    updateButtons();
}

DuplicatesDialog::~DuplicatesDialog() {
    if (cancel_) cancel_->store(true);
}

double DuplicatesDialog::similarity() const { return similarity_->value() / 100.0; }

void DuplicatesDialog::find() {
    if (running_) return;
    running_ = true;
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    const double s = similarity();
    Q_EMIT similarityChosen(s);
    findButton_->setText(tr("&Cancel"));
    similarity_->setEnabled(false);
    progress_->setRange(0, 0);
    progress_->setVisible(true);
    summary_->setText(tr("Comparing the photos…"));
    QPointer<DuplicatesDialog> self(this);
    ProgressFn onProgress = [self](const Progress& p) {
        const std::size_t done = p.done, total = p.total;
        QMetaObject::invokeMethod(qApp, [self, done, total] {
            if (!self || !self->running_ || total == 0) return;
            self->progress_->setRange(0, int(std::min<std::size_t>(total, INT_MAX)));
            self->progress_->setValue(int(std::min<std::size_t>(done, INT_MAX)));
        }, Qt::QueuedConnection);
    };
    auto finish = [this] {
        running_ = false;
        findButton_->setText(tr("&Find"));
        similarity_->setEnabled(true);
        progress_->setVisible(false);
    };
    backend_->run(
        this,
        [engine = backend_->enginePtr(), s, onProgress, cancel = cancel_]() {
            return engine->duplicates(s, onProgress, cancel.get());
        },
        [this, finish](DuplicateScan scan) {
            finish();
            scan_ = std::move(scan);
            showScan();
            Q_EMIT scanFinished(int(scan_.groups.size()));
        },
        [this, finish](const QString& message) {
            finish();
            scan_ = {};
            tree_->clear();
            summary_->setText(message);
            updateButtons();
            Q_EMIT scanFinished(-1);
        },
        [this, finish] {
            finish();
            summary_->setText(tr("Cancelled."));
            Q_EMIT scanFinished(-1);
        });
}

void DuplicatesDialog::showScan() {
    tree_->clear();
    const QLocale locale;
    if (scan_.groups.empty()) {
        summary_->setText(scan_.photosChecked == 0
                              ? tr("No photo has been indexed with the model yet.")
                              : tr("No near-identical photos at this similarity among %n photo(s).", nullptr,
                                   int(std::min<std::size_t>(scan_.photosChecked, INT_MAX))));
    } else {
        QString text = tr("%n group(s) of near-identical photos", nullptr, int(std::min<std::size_t>(scan_.groupsFound, INT_MAX))) +
                       QStringLiteral(" · ") +
                       tr("%n photo(s) in them", nullptr, int(std::min<std::size_t>(scan_.photosInGroups, INT_MAX))) +
                       QStringLiteral(" · ") +
                       tr("%n photo(s) compared", nullptr, int(std::min<std::size_t>(scan_.photosChecked, INT_MAX)));
        if (scan_.groupsFound > scan_.groups.size())
            text += QStringLiteral(" · ") + tr("the largest %n shown", nullptr, int(scan_.groups.size()));
        summary_->setText(text);
    }
    for (std::size_t g = 0; g < scan_.groups.size(); ++g) {
        const DuplicateGroup& group = scan_.groups[g];
        auto* top = new QTreeWidgetItem(tree_, {tr("Group %1 · %n photo(s)", nullptr, int(group.photos.size()))
                                                    .arg(locale.toString(qulonglong(g + 1)))});
        top->setData(0, kGroupRole, int(g));
        top->setFirstColumnSpanned(true);
        for (std::size_t i = 0; i < group.photos.size(); ++i) {
            const Photo& p = group.photos[i];
            const double sim = i < group.similarity.size() ? double(group.similarity[i]) : 1.0;
            const QString name = QFileInfo(toQ(p.path)).fileName();
            auto* item = new QTreeWidgetItem(top);
            item->setText(0, i == 0 ? tr("%1 (the largest)").arg(name) : name);
            item->setToolTip(0, toQ(p.path));
            item->setText(1, i == 0 ? QStringLiteral("—") : locale.toString(sim * 100.0, 'f', 1) + QStringLiteral(" %"));
            item->setText(2, p.width > 0 ? QStringLiteral("%1 × %2").arg(locale.toString(p.width), locale.toString(p.height)) : QString());
            item->setText(3, formatBytes(p.bytes));
            item->setText(4, formatPhotoDate(toQ(p.dateTaken)));
            item->setData(0, kGroupRole, int(g));
            item->setData(0, kPhotoRole, qint64(p.id));
        }
        top->setExpanded(g < 20);
    }
    if (tree_->topLevelItemCount() > 0) tree_->setCurrentItem(tree_->topLevelItem(0));
    updateButtons();
}

qint64 DuplicatesDialog::currentPhotoId() const {
    const QTreeWidgetItem* item = tree_->currentItem();
    if (!item) return 0;
    if (const qint64 id = item->data(0, kPhotoRole).toLongLong()) return id;
    if (item->childCount() > 0) return item->child(0)->data(0, kPhotoRole).toLongLong();
    return 0;
}

int DuplicatesDialog::currentGroup() const {
    const QTreeWidgetItem* item = tree_->currentItem();
    return item ? item->data(0, kGroupRole).toInt() : -1;
}

void DuplicatesDialog::updateButtons() {
    const bool any = tree_->currentItem() != nullptr;
    open_->setEnabled(any);
    folder_->setEnabled(any);
    showGroup_->setEnabled(any);
}

}  // namespace ui
}  // namespace lowclip
