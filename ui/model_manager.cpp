#include "ui/model_manager.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QRegularExpressionValidator>
#include <QToolButton>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <climits>
#include <cmath>

#include "ui/backend.h"
#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

// ---- ImportModelDialog -----------------------------------------------------------------------

ImportModelDialog::ImportModelDialog(ImportRequest::Kind kind, QWidget* parent) : QDialog(parent), kind_(kind) {
    auto* v = new QVBoxLayout(this);
    auto* intro = new QLabel(this);
    intro->setWordWrap(true);
    auto* form = new QFormLayout;
    name_ = new QLineEdit(this);
    // Any letters and digits of any script (ə ı ö ü ş ç ğ), spaces inside, "-", "_" and ".", as the
    // model registry accepts them; the registry bounds the name to 100 bytes.
    name_->setValidator(new QRegularExpressionValidator(modelNamePattern(), name_));
    name_->setMaxLength(64);
    name_->setPlaceholderText(tr("for example: lowclip-effnet-b0"));
    form->addRow(tr("Name:"), name_);
    switch (kind) {
    case ImportRequest::Kind::Bundle:
        setWindowTitle(tr("Import a LowCLIP model"));
        intro->setText(tr("Choose a LowCLIP model folder: it holds lowclip.json, model.safetensors and vocab.txt."));
        source_ = addPathRow(form, tr("Model folder:"), true, {});
        break;
    case ImportRequest::Kind::SimpleClip:
        setWindowTitle(tr("Import a Simple-CLIP model"));
        intro->setText(tr("Choose a whole Simple-CLIP or LowCLIP state dict saved with torch.save (.pt, .bin or .safetensors), "
                          "the vocab.txt of its text encoder and, if you have it, the BERT config.json."));
        source_ = addPathRow(form, tr("State dict:"), false, tr("Weights (*.pt *.pth *.bin *.safetensors)"));
        vocab_ = addPathRow(form, tr("vocab.txt:"), false, tr("Vocabulary (*.txt)"));
        bertConfig_ = addPathRow(form, tr("config.json (optional):"), false, tr("JSON (*.json)"));
        break;
    case ImportRequest::Kind::HuggingFaceBase:
        setWindowTitle(tr("Build a model from a BERT and an image backbone"));
        intro->setText(tr("Choose a Hugging Face BERT folder (config.json, vocab.txt, model.safetensors or pytorch_model.bin) and "
                          "the weights of an image backbone (torchvision or timm). The new model still needs teaching: "
                          "its projection heads start untrained."));
        bertFolder_ = addPathRow(form, tr("BERT folder:"), true, {});
        imageWeights_ = addPathRow(form, tr("Image weights:"), false, tr("Weights (*.pth *.pt *.bin *.safetensors)"));
        arch_ = new QComboBox(this);
        arch_->addItem(tr("Guess from the weights"), QString());
        for (const char* a : {"efficientnet_b0", "resnet18", "resnet34", "resnet50", "vit_b_16", "swin_t"})
            arch_->addItem(QString::fromLatin1(a), QString::fromLatin1(a));
        form->addRow(tr("Architecture:"), arch_);
        break;
    }
    v->addWidget(intro);
    v->addLayout(form);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    ok_ = buttons->button(QDialogButtonBox::Ok);
    ok_->setText(tr("Import"));
    v->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    for (QLineEdit* e : findChildren<QLineEdit*>()) connect(e, &QLineEdit::textChanged, this, &ImportModelDialog::validate);
    setMinimumWidth(560);
    validate();
}

QLineEdit* ImportModelDialog::addPathRow(QFormLayout* form, const QString& label, bool folder, const QString& filter) {
    auto* row = new QHBoxLayout;
    auto* edit = new QLineEdit(this);
    auto* browse = new QToolButton(this);
    browse->setText(tr("Browse…"));
    row->addWidget(edit, 1);
    row->addWidget(browse);
    form->addRow(label, row);
    connect(browse, &QToolButton::clicked, this, [this, edit, folder, filter, label] {
        QString p = folder ? QFileDialog::getExistingDirectory(this, label, edit->text())
                           : QFileDialog::getOpenFileName(this, label, edit->text(), filter);
        if (p.isEmpty()) return;
        edit->setText(p);
        if (name_->text().isEmpty() && (edit == source_ || edit == bertFolder_)) {
            QString base = QFileInfo(p).completeBaseName();
            base.replace(QRegularExpression(QStringLiteral("[^\\p{L}\\p{M}\\p{N} ._-]"),
                                            QRegularExpression::UseUnicodePropertiesOption),
                         QStringLiteral("-"));
            base = base.left(64).trimmed();
            while (!base.isEmpty() && !base.front().isLetterOrNumber()) base.remove(0, 1);
            name_->setText(base);
        }
    });
    return edit;
}

QRegularExpression ImportModelDialog::modelNamePattern() {
    // A letter or digit first; trailing spaces are trimmed off when the name is used.
    static const QRegularExpression re(QStringLiteral("[\\p{L}\\p{N}][\\p{L}\\p{M}\\p{N} ._-]{0,63}"),
                                       QRegularExpression::UseUnicodePropertiesOption);
    return re;
}

void ImportModelDialog::setRequest(const ImportRequest& r) {
    auto set = [](QLineEdit* e, const std::string& v) {
        if (e) e->setText(toQ(v));
    };
    name_->setText(toQ(r.name));
    set(source_, r.source);
    set(vocab_, r.vocab);
    set(bertConfig_, r.bertConfig);
    set(bertFolder_, r.bertFolder);
    set(imageWeights_, r.imageWeights);
    if (arch_) {
        const int i = arch_->findData(toQ(r.arch));
        if (i >= 0) arch_->setCurrentIndex(i);
    }
    validate();
}

void ImportModelDialog::validate() {
    bool ok = !name_->text().trimmed().isEmpty();
    for (QLineEdit* e : {source_, vocab_, bertFolder_, imageWeights_})
        if (e && e->text().trimmed().isEmpty()) ok = false;
    ok_->setEnabled(ok);
}

ImportRequest ImportModelDialog::request() const {
    ImportRequest r;
    r.kind = kind_;
    r.name = toStd(name_->text().trimmed());
    auto get = [](QLineEdit* e) { return e ? toStd(e->text().trimmed()) : std::string(); };
    r.source = get(source_);
    r.vocab = get(vocab_);
    r.bertConfig = get(bertConfig_);
    r.bertFolder = get(bertFolder_);
    r.imageWeights = get(imageWeights_);
    if (arch_) r.arch = toStd(arch_->currentData().toString());
    return r;
}

// ---- quality figures ------------------------------------------------------------------------

QualityFigure modelQuality(const std::map<std::string, double>& metrics) {
    QualityFigure q;
    // The model's own held-out captions (a taught model), the demo's single-object scenes, or
    // figures without a set (an imported model).
    for (const char* set : {"heldout.", "single.", ""}) {
        const std::string prefix = set;
        auto r5 = metrics.find(prefix + "t2i_r5");
        if (r5 == metrics.end()) continue;
        q.known = true;
        q.set = QString::fromLatin1(set).chopped(prefix.empty() ? 0 : 1);
        q.recall = r5->second;
        auto texts = metrics.find(prefix + "texts");
        if (texts != metrics.end() && texts->second >= 0 && texts->second < 1e12) q.captions = std::size_t(texts->second);
        break;
    }
    if (q.known && q.captions > 0) {
        // Wilson score interval, 95 %: unlike p ± 1.96·SE it does not shrink to nothing at 0 or 1.
        const double n = double(q.captions), p = std::clamp(q.recall, 0.0, 1.0), z = 1.959964;
        const double denom = 1.0 + z * z / n;
        const double centre = (p + z * z / (2.0 * n)) / denom;
        const double half = z * std::sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denom;
        q.low = std::max(0.0, centre - half);
        q.high = std::min(1.0, centre + half);
    }
    return q;
}

QString modelQualityText(const std::map<std::string, double>& metrics, std::size_t minCaptions) {
    const QualityFigure q = modelQuality(metrics);
    if (!q.known) return ModelManager::tr("not measured");
    if (q.captions == 0) return ModelManager::tr("Recall@5 %1 (on an unknown number of captions)").arg(formatMetric(q.recall));
    if (q.captions < minCaptions)
        return ModelManager::tr("too few captions to measure (%1; at least %2 are needed)")
            .arg(QLocale().toString(qulonglong(q.captions)), QLocale().toString(qulonglong(minCaptions)));
    return ModelManager::tr("Recall@5 %1 (95 %: %2–%3, %n caption(s))", nullptr, int(std::min<std::size_t>(q.captions, INT_MAX)))
        .arg(formatMetric(q.recall), formatMetric(q.low), formatMetric(q.high));
}

// ---- ModelManager ----------------------------------------------------------------------------

ModelManager::ModelManager(Backend* backend, QWidget* parent) : QDialog(parent), backend_(backend) {
    setWindowTitle(tr("Model manager"));
    resize(980, 440);
    auto* v = new QVBoxLayout(this);
    list_ = new QTreeWidget(this);
    list_->setRootIsDecorated(false);
    list_->setHeaderLabels({tr("Name"), tr("Architecture"), tr("Quality"), tr("On your captions"), tr("Size"), tr("Created")});
    list_->headerItem()->setToolTip(2, tr("As measured when the model was made, on its own test set"));
    list_->headerItem()->setToolTip(3, tr("Every model on the same captions of this library (held out from teaching)"));
    list_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
    // The architecture is long ("bert (12 layers, ...) + resnet"): a fixed width, the whole text as
    // its tooltip, so the figures stay in view.
    list_->header()->setSectionResizeMode(1, QHeaderView::Interactive);
    list_->header()->resizeSection(1, 200);
    list_->setTextElideMode(Qt::ElideRight);
    list_->header()->setStretchLastSection(true);
    v->addWidget(list_, 1);
    hint_ = new QLabel(this);
    hint_->setWordWrap(true);
    v->addWidget(hint_);

    auto* row = new QHBoxLayout;
    auto* import = new QPushButton(tr("Import"), this);
    auto* menu = new QMenu(import);
    menu->addAction(tr("LowCLIP model folder…"), this, [this] { importModel(ImportRequest::Kind::Bundle); });
    menu->addAction(tr("Simple-CLIP state dict…"), this, [this] { importModel(ImportRequest::Kind::SimpleClip); });
    menu->addAction(tr("Hugging Face BERT + image backbone…"), this,
                    [this] { importModel(ImportRequest::Kind::HuggingFaceBase); });
    import->setMenu(menu);
    use_ = new QPushButton(tr("Use this model"), this);
    export_ = new QPushButton(tr("Export…"), this);
    delete_ = new QPushButton(tr("Delete"), this);
    measure_ = new QPushButton(tr("Measure on your captions"), this);
    measure_->setToolTip(tr("Measure every model on the same held-out captions of this library, so their figures compare"));
    row->addWidget(import);
    row->addWidget(measure_);
    row->addStretch(1);
    row->addWidget(use_);
    row->addWidget(export_);
    row->addWidget(delete_);
    // Never narrower than their text, in any language ("Bu modeli istifadə et").
    for (QPushButton* b : {import, measure_, use_, export_, delete_}) {
        b->setMinimumWidth(b->sizeHint().width());
        b->setSizePolicy(QSizePolicy::Minimum, QSizePolicy::Fixed);
    }
    v->addLayout(row);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    v->addWidget(close);

    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(list_, &QTreeWidget::itemSelectionChanged, this, &ModelManager::updateButtons);
    connect(list_, &QTreeWidget::itemDoubleClicked, this, &ModelManager::activateSelected);
    connect(use_, &QPushButton::clicked, this, &ModelManager::activateSelected);
    connect(export_, &QPushButton::clicked, this, &ModelManager::exportSelected);
    connect(delete_, &QPushButton::clicked, this, &ModelManager::deleteSelected);
    connect(measure_, &QPushButton::clicked, this, &ModelManager::measureAll);
    updateButtons();
    reload();
}

void ModelManager::measureAll() {
    measure_->setEnabled(false);
    for (int i = 0; i < list_->topLevelItemCount(); ++i) list_->topLevelItem(i)->setText(3, tr("measuring…"));
    backend_->run(
        this, [engine = backend_->enginePtr()]() { return engine->measureModels({}, nullptr); },
        [this](HeldOutMeasurement m) {
            measured_ = std::move(m);
            applyMeasurement();
            measure_->setEnabled(true);
        },
        [this](const QString& message) {
            measure_->setEnabled(true);
            applyMeasurement();
            showError(message);
        });
}

void ModelManager::applyMeasurement() {
    for (int i = 0; i < list_->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = list_->topLevelItem(i);
        if (!measured_) {
            item->setText(3, QString());
            continue;
        }
        const std::string name = toStd(item->data(0, Qt::UserRole).toString());
        if (!measured_->measurable) {
            item->setText(3, tr("too few captions to measure (%1; at least %2 are needed)")
                                 .arg(QLocale().toString(qulonglong(measured_->captions)),
                                      QLocale().toString(qulonglong(minCaptions_))));
            continue;
        }
        const ModelMeasurement* found = nullptr;
        for (const auto& m : measured_->models)
            if (m.name == name) found = &m;
        if (!found) {
            item->setText(3, QString());  // added since the measurement
        } else if (!found->measured) {
            item->setText(3, tr("could not be measured"));
            item->setToolTip(3, tr("Technical details: %1").arg(toQ(found->problem)));
        } else {
            const std::map<std::string, double> figures{{"heldout.t2i_r5", found->r5},
                                                        {"heldout.texts", double(found->captions)}};
            item->setText(3, modelQualityText(figures, minCaptions_));
            item->setToolTip(3, tr("%1 captions on %2 photos of this library, held out from teaching; Recall@1 %3")
                                    .arg(found->captions)
                                    .arg(found->photos)
                                    .arg(formatMetric(found->r1)));
        }
    }
}

void ModelManager::reload() {
    backend_->run(
        this,
        [engine = backend_->enginePtr()]() {
            return std::make_pair(engine->models(), engine->teachingPlan(true, true).minHeldOutCaptions);
        },
        [this](std::pair<std::vector<ModelInfo>, std::size_t> loaded) {
            auto& [models, minCaptions] = loaded;
            minCaptions_ = minCaptions;
            const QString keep = selectedName();
            models_ = std::move(models);
            list_->clear();
            for (const auto& m : models_) {
                const QString quality = modelQualityText(m.metrics, minCaptions);
                QString name = toQ(m.name);
                auto* item = new QTreeWidgetItem(list_, {name, toQ(m.architecture), quality, QString(), formatBytes(m.bytes),
                                                         toQ(m.created).left(10)});
                item->setData(0, Qt::UserRole, name);
                QStringList tip;
                for (const auto& [k, val] : m.metrics) tip << QStringLiteral("%1: %2").arg(metricName(toQ(k)), formatMetric(val));
                // Which captions the figure was measured on: models measured on different sets are
                // not directly comparable, and the person should see that.
                const QualityFigure q = modelQuality(m.metrics);
                if (q.known) {
                    if (q.set == QLatin1String("heldout"))
                        tip.prepend(tr("Measured on the captions held out when this model was taught."));
                    else if (q.set == QLatin1String("single"))
                        tip.prepend(tr("Measured on the demo's pictures that the model did not see in training."));
                    else
                        tip.prepend(tr("Measured on a set that came with the model."));
                }
                if (!tip.isEmpty()) item->setToolTip(2, tip.join(QLatin1Char('\n')));
                item->setToolTip(0, toQ(m.dir));
                item->setToolTip(1, toQ(m.architecture));
                if (m.active) {
                    QFont f = item->font(0);
                    f.setBold(true);
                    for (int c = 0; c < list_->columnCount(); ++c) item->setFont(c, f);
                    item->setText(0, tr("%1 (in use)").arg(name));
                }
                if (name == keep) item->setSelected(true);
            }
            hint_->setText(models_.empty()
                               ? tr("There is no model yet. Try the demo (Model ▸ Try the demo), or import a pretrained "
                                    "LowCLIP model: Import ▸ LowCLIP model folder, or from the command line: "
                                    "lowclip-cli import simpleclip STATE_DICT --vocab vocab.txt --out MODEL_FOLDER.")
                               : tr("The model in use is shown in bold. A new model re-indexes the library in the background; "
                                    "searches keep using the old one until it is done."));
            applyMeasurement();
            updateButtons();
        });
}

QString ModelManager::selectedName() const {
    const auto items = list_->selectedItems();
    return items.isEmpty() ? QString() : items.first()->data(0, Qt::UserRole).toString();
}

void ModelManager::updateButtons() {
    const QString name = selectedName();
    bool active = false;
    for (const auto& m : models_)
        if (toQ(m.name) == name) active = m.active;
    use_->setEnabled(!name.isEmpty() && !active);
    export_->setEnabled(!name.isEmpty());
    delete_->setEnabled(!name.isEmpty() && !active);
}

void ModelManager::importModel(ImportRequest::Kind kind) {
    ImportModelDialog dialog(kind, this);
    // After a failed import the form comes back as the person left it.
    if (lastFailedImport_ && lastFailedImport_->kind == kind) dialog.setRequest(*lastFailedImport_);
    if (dialog.exec() != QDialog::Accepted) return;
    startImport(dialog.request());
}

void ModelManager::startImport(const ImportRequest& request) {
    auto* progress = new QProgressDialog(tr("Importing the model…"), tr("Cancel"), 0, 0, this);
    progress->setWindowModality(Qt::WindowModal);
    progress->setMinimumDuration(300);
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    connect(progress, &QProgressDialog::canceled, this, [cancel] { cancel->store(true); });
    QPointer<QProgressDialog> guard(progress);
    // Closes the progress at once, before anything else is shown: a deferred delete would wait
    // for the message box's own event loop to end, and the progress's show timer would put it
    // over the message box, blocking its button.
    auto closeProgress = [guard] {
        if (!guard) return;
        guard->reset();  // stops the timer that shows it after the minimum duration
        guard->hide();
        guard->deleteLater();
    };
    backend_->run(
        this, [engine = backend_->enginePtr(), request, cancel]() { return engine->importModel(request, {}, cancel.get()); },
        [this, closeProgress](ModelInfo) {
            closeProgress();
            lastFailedImport_.reset();
            reload();
            Q_EMIT modelsChanged();
        },
        [this, closeProgress, request](const QString& m) {
            closeProgress();
            lastFailedImport_ = request;
            showError(tr("The model could not be imported: %1").arg(m));
            Q_EMIT importFailed();
            // The form again, as it was, to correct the name or the file.
            QTimer::singleShot(0, this, [this, kind = request.kind] { importModel(kind); });
        },
        [closeProgress]() { closeProgress(); });
}

void ModelManager::activateSelected() {
    const QString name = selectedName();
    if (name.isEmpty()) return;
    backend_->run(
        this, [engine = backend_->enginePtr(), n = toStd(name)]() { engine->activateModel(n); },
        [this, name]() {
            reload();
            Q_EMIT modelActivated(name);
        },
        [this](const QString& m) { showError(tr("This model cannot be used: %1").arg(m)); });
}

void ModelManager::exportSelected() {
    const QString name = selectedName();
    if (name.isEmpty()) return;
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Export the model into folder"));
    if (dir.isEmpty()) return;
    backend_->run(
        this, [engine = backend_->enginePtr(), n = toStd(name), d = toStd(dir)]() { engine->exportModel(n, d); },
        [this, name, dir]() {
            QMessageBox::information(this, tr("Export"), tr("The model “%1” was copied to %2.").arg(name, dir));
        },
        [this](const QString& m) { showError(tr("The model could not be exported: %1").arg(m)); });
}

void ModelManager::deleteSelected() {
    const QString name = selectedName();
    if (name.isEmpty()) return;
    if (QMessageBox::question(this, tr("Delete model"),
                              tr("Delete the model “%1” and its search index? Your photos and captions are not affected.")
                                  .arg(name)) != QMessageBox::Yes)
        return;
    backend_->run(
        this, [engine = backend_->enginePtr(), n = toStd(name)]() { engine->deleteModel(n); },
        [this]() {
            reload();
            Q_EMIT modelsChanged();
        },
        [this](const QString& m) { showError(tr("The model could not be deleted: %1").arg(m)); });
}

void ModelManager::showError(const QString& message) { QMessageBox::warning(this, tr("Error"), message); }

}  // namespace ui
}  // namespace lowclip
