#include "ui/settings_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QSpinBox>
#include <QThread>
#include <QVBoxLayout>

#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

SettingsDialog::SettingsDialog(const EngineOptions& options, const QString& language, const QStringList& devices,
                               QWidget* parent)
    : QDialog(parent), base_(options) {
    setWindowTitle(tr("Settings"));
    auto* v = new QVBoxLayout(this);

    auto* compute = new QGroupBox(tr("Computation"), this);
    auto* cf = new QFormLayout(compute);
    device_ = new QComboBox(compute);
    device_->addItem(tr("Automatic"), QStringLiteral("auto"));
    device_->addItem(tr("Processor (CPU)"), QStringLiteral("cpu"));
    if (devices.contains(QStringLiteral("cuda"))) device_->addItem(tr("Graphics card (CUDA)"), QStringLiteral("cuda"));
    device_->setCurrentIndex(std::max(0, device_->findData(toQ(options.device))));
    cf->addRow(tr("Device:"), device_);
    threads_ = new QSpinBox(compute);
    threads_->setRange(0, 256);
    threads_->setSpecialValueText(tr("Automatic (%1)").arg(QThread::idealThreadCount()));
    threads_->setValue(options.threads);
    cf->addRow(tr("Threads:"), threads_);
    precision_ = new QComboBox(compute);
    precision_->addItem(tr("Fastest (int8 where this processor is quicker with it)"), QStringLiteral("auto"));
    precision_->addItem(tr("Exact (float32)"), QStringLiteral("float32"));
    precision_->setCurrentIndex(std::max(0, precision_->findData(toQ(options.textPrecision))));
    precision_->setToolTip(tr("How typed searches are computed. The fastest way gives nearly the same results."));
    cf->addRow(tr("Search text:"), precision_);
    v->addWidget(compute);

    // The vector index's tuning is for people who know what it does: hidden until asked for.
    expert_ = new QCheckBox(tr("Show expert settings"), this);
    expert_->setChecked(options.hnswEfSearch != EngineOptions{}.hnswEfSearch);
    auto* index = new QGroupBox(tr("Search index (expert)"), this);
    index_ = index;
    auto* xf = new QFormLayout(index);
    efSearch_ = new QSpinBox(index);
    efSearch_->setRange(8, 2000);
    efSearch_->setValue(options.hnswEfSearch);
    efSearch_->setToolTip(tr("How widely a search looks: more is more accurate and slower."));
    xf->addRow(tr("Search breadth (ef):"), efSearch_);
    v->addWidget(index);
    index->setVisible(expert_->isChecked());
    connect(expert_, &QCheckBox::toggled, index, &QWidget::setVisible);

    auto* look = new QGroupBox(tr("Appearance"), this);
    auto* lf = new QFormLayout(look);
    thumb_ = new QSpinBox(look);
    thumb_->setRange(64, 512);
    thumb_->setSingleStep(16);
    thumb_->setSuffix(tr(" px"));
    thumb_->setValue(options.thumbnailSize);
    lf->addRow(tr("Thumbnail size:"), thumb_);
    language_ = new QComboBox(look);
    language_->addItem(tr("Same as the system"), QString());
    language_->addItem(QStringLiteral("Azərbaycan dili"), QStringLiteral("az"));
    language_->addItem(QStringLiteral("English"), QStringLiteral("en"));
    language_->setCurrentIndex(std::max(0, language_->findData(language)));
    lf->addRow(tr("Language:"), language_);
    auto* note = new QLabel(tr("A new language takes effect when LowCLIP starts again."), look);
    note->setWordWrap(true);
    note->setEnabled(false);
    lf->addRow(note);
    v->addWidget(look);

    v->addWidget(expert_);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    v->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

EngineOptions SettingsDialog::options() const {
    EngineOptions o = base_;
    o.device = toStd(device_->currentData().toString());
    o.threads = threads_->value();
    o.textPrecision = toStd(precision_->currentData().toString());
    o.hnswEfSearch = efSearch_->value();
    o.thumbnailSize = thumb_->value();
    return o;
}

QString SettingsDialog::language() const { return language_->currentData().toString(); }

}  // namespace ui
}  // namespace lowclip
