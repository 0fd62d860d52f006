#include "ui/model_manager.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QRegularExpression>
#include <QRegularExpressionValidator>
#include <QToolButton>
#include <QTreeWidget>
#include <QVBoxLayout>

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
    name_->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[\\w][\\w.-]{0,63}")), name_));
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
            base.replace(QRegularExpression(QStringLiteral("[^\\w.-]")), QStringLiteral("-"));
            name_->setText(base);
        }
    });
    return edit;
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

// ---- ModelManager ----------------------------------------------------------------------------

ModelManager::ModelManager(Backend* backend, QWidget* parent) : QDialog(parent), backend_(backend) {
    setWindowTitle(tr("Model manager"));
    resize(820, 420);
    auto* v = new QVBoxLayout(this);
    list_ = new QTreeWidget(this);
    list_->setRootIsDecorated(false);
    list_->setHeaderLabels({tr("Name"), tr("Architecture"), tr("Quality"), tr("Size"), tr("Created")});
    list_->header()->setSectionResizeMode(QHeaderView::ResizeToContents);
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
    row->addWidget(import);
    row->addStretch(1);
    row->addWidget(use_);
    row->addWidget(export_);
    row->addWidget(delete_);
    v->addLayout(row);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    v->addWidget(close);

    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(list_, &QTreeWidget::itemSelectionChanged, this, &ModelManager::updateButtons);
    connect(list_, &QTreeWidget::itemDoubleClicked, this, &ModelManager::activateSelected);
    connect(use_, &QPushButton::clicked, this, &ModelManager::activateSelected);
    connect(export_, &QPushButton::clicked, this, &ModelManager::exportSelected);
    connect(delete_, &QPushButton::clicked, this, &ModelManager::deleteSelected);
    updateButtons();
    reload();
}

void ModelManager::reload() {
    backend_->run(
        this, [engine = backend_->enginePtr()]() { return engine->models(); },
        [this](std::vector<ModelInfo> models) {
            const QString keep = selectedName();
            models_ = std::move(models);
            list_->clear();
            for (const auto& m : models_) {
                QString quality;
                auto pick = [&m](std::initializer_list<const char*> keys) -> const double* {
                    for (const char* k : keys) {
                        auto it = m.metrics.find(k);
                        if (it != m.metrics.end()) return &it->second;
                    }
                    return nullptr;
                };
                if (const double* r = pick({"t2i_r5", "single.t2i_r5", "heldout.t2i_r5"}))
                    quality = tr("Recall@5 %1").arg(formatMetric(*r));
                if (const double* map = pick({"t2i_map", "single.t2i_map", "heldout.t2i_map"}))
                    quality += (quality.isEmpty() ? QString() : QStringLiteral(", ")) + tr("MAP %1").arg(formatMetric(*map));
                if (quality.isEmpty()) quality = tr("not measured");
                QString name = toQ(m.name);
                auto* item = new QTreeWidgetItem(list_, {name, toQ(m.architecture), quality, formatBytes(m.bytes),
                                                         toQ(m.created).left(10)});
                item->setData(0, Qt::UserRole, name);
                QStringList tip;
                for (const auto& [k, val] : m.metrics) tip << QStringLiteral("%1: %2").arg(metricName(toQ(k)), formatMetric(val));
                if (!tip.isEmpty()) item->setToolTip(2, tip.join(QLatin1Char('\n')));
                item->setToolTip(0, toQ(m.dir));
                if (m.active) {
                    QFont f = item->font(0);
                    f.setBold(true);
                    for (int c = 0; c < 5; ++c) item->setFont(c, f);
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
    if (dialog.exec() != QDialog::Accepted) return;
    const ImportRequest request = dialog.request();
    auto* progress = new QProgressDialog(tr("Importing the model…"), tr("Cancel"), 0, 0, this);
    progress->setWindowModality(Qt::WindowModal);
    progress->setMinimumDuration(300);
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    connect(progress, &QProgressDialog::canceled, this, [cancel] { cancel->store(true); });
    backend_->run(
        this, [engine = backend_->enginePtr(), request, cancel]() { return engine->importModel(request, {}, cancel.get()); },
        [this, progress](ModelInfo) {
            progress->deleteLater();
            reload();
            Q_EMIT modelsChanged();
        },
        [this, progress](const QString& m) {
            progress->deleteLater();
            showError(tr("The model could not be imported: %1").arg(m));
        });
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
