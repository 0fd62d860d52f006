#include "ui/finetune_wizard.h"

#include <QButtonGroup>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QMessageBox>
#include <QMetaObject>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>
#include <cmath>
#include <functional>
#include <set>

#include "ui/backend.h"
#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

// A wizard page whose completeness and set-up are given as functions.
class Page : public QWizardPage {
public:
    using QWizardPage::QWizardPage;
    std::function<bool()> complete;
    std::function<void()> init;
    bool isComplete() const override { return complete ? complete() : true; }
    void initializePage() override {
        if (init) init();
    }
    void refresh() { Q_EMIT completeChanged(); }
};

FineTuneWizard::FineTuneWizard(Backend* backend, QWidget* parent) : QWizard(parent), backend_(backend) {
    setWindowTitle(tr("Teach the model"));
    setWizardStyle(QWizard::ClassicStyle);
    setOption(QWizard::NoBackButtonOnLastPage, true);
    setOption(QWizard::NoCancelButtonOnLastPage, true);  // the run page has its own Cancel
    resize(760, 600);
    buildSourcePage();
    buildHowPage();
    buildRunPage();
    setButtonText(QWizard::NextButton, tr("Next >"));
    setButtonText(QWizard::BackButton, tr("< Back"));
    setButtonText(QWizard::CancelButton, tr("Cancel"));
    setButtonText(QWizard::FinishButton, tr("Close"));

    // The engine's presets and models, then the number of pairs.
    backend_->run(
        this,
        [engine = backend_->enginePtr()]() { return std::make_pair(engine->trainPresets(), engine->models()); },
        [this](std::pair<std::vector<TrainPreset>, std::vector<ModelInfo>> r) {
            presets_ = std::move(r.first);
            base_->clear();
            for (const auto& m : r.second) {
                base_->addItem(m.active ? tr("%1 (in use)").arg(toQ(m.name)) : toQ(m.name), toQ(m.name));
                if (m.active) base_->setCurrentIndex(base_->count() - 1);
            }
            applyPreset();
            sourcePage_->refresh();
        });
    countPairs();
}

FineTuneWizard::~FineTuneWizard() {
    if (cancel_) cancel_->store(true);
}

void FineTuneWizard::buildSourcePage() {
    auto* page = new Page(this);
    sourcePage_ = page;
    page->setTitle(tr("What should the model learn from?"));
    page->setSubTitle(tr("Your captions and the photos you marked as relevant become pairs of a photo and a sentence."));
    auto* v = new QVBoxLayout(page);
    auto* form = new QFormLayout;
    base_ = new QComboBox(page);
    form->addRow(tr("Start from model:"), base_);
    v->addLayout(form);
    useCaptions_ = new QCheckBox(tr("Captions you wrote or imported"), page);
    useCaptions_->setChecked(true);
    useFeedback_ = new QCheckBox(tr("Search results you marked as relevant"), page);
    useFeedback_->setChecked(true);
    v->addWidget(useCaptions_);
    v->addWidget(useFeedback_);
    pairsLabel_ = new QLabel(tr("Counting pairs…"), page);
    pairsLabel_->setWordWrap(true);
    v->addWidget(pairsLabel_);
    auto* note = new QLabel(tr("A part of the pairs (by photo) is held out to measure the model before and after."), page);
    note->setWordWrap(true);
    note->setEnabled(false);
    v->addWidget(note);
    v->addStretch(1);
    page->complete = [this] { return pairsKnown_ && plan_.enough && base_->count() > 0; };
    connect(useCaptions_, &QCheckBox::toggled, this, &FineTuneWizard::countPairs);
    connect(useFeedback_, &QCheckBox::toggled, this, &FineTuneWizard::countPairs);
    setPage(SourcePage, page);
}

void FineTuneWizard::countPairs() {
    pairsKnown_ = false;
    if (sourcePage_) sourcePage_->refresh();
    const bool caps = useCaptions_->isChecked(), fb = useFeedback_->isChecked();
    backend_->run(
        this, [engine = backend_->enginePtr(), caps, fb]() { return engine->teachingPlan(caps, fb); },
        [this, caps, fb](TeachingPlan plan) {
            if (caps != useCaptions_->isChecked() || fb != useFeedback_->isChecked()) return;  // outdated
            plan_ = plan;
            pairsKnown_ = true;
            const int n = int(plan.trainPairs + plan.heldOutPairs);
            QString text = tr("%n pair(s) ready for teaching", nullptr, n) + QStringLiteral(": ") +
                           tr("%n to learn from", nullptr, int(plan.trainPairs)) + QStringLiteral(", ") +
                           tr("%n held out to measure the model.", nullptr, int(plan.heldOutPairs));
            if (!plan.enough)
                text += QLatin1Char(' ') + tr("Captions on a few more photos are needed. Add captions to photos (right "
                                              "click ▸ Add caption) or mark search results as relevant.");
            else if (!plan.measurable)
                text += QLatin1Char(' ') + tr("With fewer than %1 held-out captions the before/after figures are too "
                                              "few to measure.")
                                               .arg(plan.minHeldOutCaptions);
            pairsLabel_->setText(text);
            sourcePage_->refresh();
        });
}

void FineTuneWizard::buildHowPage() {
    auto* page = new Page(this);
    page->setTitle(tr("How thoroughly?"));
    page->setSubTitle(tr("Quick adapts the model in minutes; Thorough trains longer and changes more of it."));
    auto* v = new QVBoxLayout(page);
    quick_ = new QRadioButton(tr("Quick — a few passes over your pairs; the towers stay mostly frozen"), page);
    thorough_ = new QRadioButton(tr("Thorough — more passes; the whole model learns (slower, needs more pairs)"), page);
    quick_->setChecked(true);
    auto* group = new QButtonGroup(page);
    group->addButton(quick_);
    group->addButton(thorough_);
    v->addWidget(quick_);
    v->addWidget(thorough_);

    // A check box, and the frame of settings only while it is checked (no empty frame).
    advanced_ = new QCheckBox(tr("Choose the settings myself (advanced)"), page);
    advanced_->setObjectName(QStringLiteral("advancedToggle"));
    advanced_->setChecked(false);
    auto* inner = new QGroupBox(page);
    auto* form = new QFormLayout(inner);
    epochs_ = new QSpinBox(inner);
    epochs_->setRange(1, 1000);
    form->addRow(tr("Epochs:"), epochs_);
    auto lrBox = [inner]() {
        auto* b = new QDoubleSpinBox(inner);
        b->setDecimals(6);
        b->setRange(0.0, 1.0);
        b->setSingleStep(1e-5);
        return b;
    };
    lrHeads_ = lrBox();
    lrImage_ = lrBox();
    lrText_ = lrBox();
    form->addRow(tr("Learning rate, projection heads:"), lrHeads_);
    form->addRow(tr("Learning rate, image tower:"), lrImage_);
    form->addRow(tr("Learning rate, text tower:"), lrText_);
    freeze_ = new QComboBox(inner);
    freeze_->addItem(tr("Nothing frozen"), QStringLiteral("all"));
    freeze_->addItem(tr("Text tower: attention only"), QStringLiteral("text-attention"));
    freeze_->addItem(tr("Towers: last layers only"), QStringLiteral("last-layers"));
    freeze_->addItem(tr("Towers frozen (heads only)"), QStringLiteral("heads"));
    form->addRow(tr("Freezing:"), freeze_);
    batch_ = new QSpinBox(inner);
    batch_->setRange(2, 1024);
    form->addRow(tr("Batch size:"), batch_);
    inner->setVisible(false);
    connect(advanced_, &QCheckBox::toggled, inner, &QWidget::setVisible);
    v->addWidget(advanced_);
    v->addWidget(inner);
    v->addStretch(1);
    connect(quick_, &QRadioButton::toggled, this, &FineTuneWizard::applyPreset);
    setPage(HowPage, page);
}

void FineTuneWizard::applyPreset() {
    const std::string want = quick_->isChecked() ? "quick" : "thorough";
    for (const auto& p : presets_) {
        if (p.name != want) continue;
        epochs_->setValue(p.epochs);
        lrHeads_->setValue(p.lrHeads);
        lrImage_->setValue(p.lrImage);
        lrText_->setValue(p.lrText);
        freeze_->setCurrentIndex(std::max(0, freeze_->findData(toQ(p.freeze))));
        batch_->setValue(p.batchSize);
    }
}

TrainRequest FineTuneWizard::request() const {
    TrainRequest r;
    r.baseModel = toStd(base_->currentData().toString());
    r.useCaptions = useCaptions_->isChecked();
    r.useFeedback = useFeedback_->isChecked();
    r.preset = quick_->isChecked() ? "quick" : "thorough";
    if (advanced_->isChecked()) {
        r.epochs = epochs_->value();
        r.lrHeads = lrHeads_->value();
        r.lrImage = lrImage_->value();
        r.lrText = lrText_->value();
        r.freeze = toStd(freeze_->currentData().toString());
        r.batchSize = batch_->value();
    }
    return r;
}

void FineTuneWizard::buildRunPage() {
    auto* page = new Page(this);
    runPage_ = page;
    page->setTitle(tr("Teaching the model"));
    page->setFinalPage(true);
    auto* v = new QVBoxLayout(page);
    auto* top = new QHBoxLayout;
    runStatus_ = new QLabel(page);
    runStatus_->setWordWrap(true);
    timing_ = new QLabel(page);
    cancelRun_ = new QPushButton(tr("Cancel"), page);
    top->addWidget(runStatus_, 1);
    top->addWidget(timing_);
    top->addWidget(cancelRun_);
    v->addLayout(top);

    chart_ = new QChart;
    chart_->setTitle(tr("Loss and validation Recall@K"));
    chart_->legend()->setAlignment(Qt::AlignBottom);
    chart_->setMargins(QMargins(4, 4, 4, 4));
    loss_ = new QLineSeries(chart_);
    loss_->setName(tr("Loss"));
    recall_ = new QLineSeries(chart_);
    recall_->setName(tr("Recall@K (validation)"));
    loss_->setPointsVisible(true);  // short runs have a handful of steps
    recall_->setPointsVisible(true);
    chart_->addSeries(loss_);
    chart_->addSeries(recall_);
    axisX_ = new QValueAxis(chart_);
    axisX_->setTitleText(tr("Step"));
    axisX_->setLabelFormat(QStringLiteral("%d"));
    axisX_->setRange(0, 10);
    axisLoss_ = new QValueAxis(chart_);
    axisLoss_->setTitleText(tr("Loss"));
    axisLoss_->setRange(0, 1);
    axisRecall_ = new QValueAxis(chart_);
    axisRecall_->setTitleText(tr("Recall@K"));
    axisRecall_->setRange(0, 1);
    chart_->addAxis(axisX_, Qt::AlignBottom);
    chart_->addAxis(axisLoss_, Qt::AlignLeft);
    chart_->addAxis(axisRecall_, Qt::AlignRight);
    loss_->attachAxis(axisX_);
    loss_->attachAxis(axisLoss_);
    recall_->attachAxis(axisX_);
    recall_->attachAxis(axisRecall_);
    chartView_ = new QChartView(chart_, page);
    chartView_->setRenderHint(QPainter::Antialiasing);
    chartView_->setMinimumHeight(260);
    v->addWidget(chartView_, 1);

    results_ = new QTableWidget(0, 3, page);
    results_->setHorizontalHeaderLabels({tr("Held-out captions"), tr("Before"), tr("After")});
    results_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    results_->verticalHeader()->hide();
    results_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    results_->setMaximumHeight(150);
    results_->hide();
    v->addWidget(results_);
    use_ = new QPushButton(tr("Use this model"), page);
    use_->hide();
    v->addWidget(use_, 0, Qt::AlignRight);

    page->complete = [this] { return !running_; };
    page->init = [this] { startTraining(); };
    connect(cancelRun_, &QPushButton::clicked, this, &FineTuneWizard::cancelTraining);
    connect(use_, &QPushButton::clicked, this, &FineTuneWizard::activateNewModel);
    setPage(RunPage, page);
}

void FineTuneWizard::startTraining() {
    if (running_) return;
    running_ = true;
    finished_ = false;
    maxLoss_ = 0.0;
    loss_->clear();
    recall_->clear();
    results_->hide();
    use_->hide();
    cancelRun_->setEnabled(true);
    runStatus_->setText(tr("Preparing the photos and the model…"));
    runTimer_.start();
    timing_->clear();
    runPage_->refresh();
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    const TrainRequest req = request();
    QPointer<FineTuneWizard> self(this);
    TrainEventFn events = [self](const TrainEvent& e) {
        QMetaObject::invokeMethod(self.data(), [self, e]() {
            if (self) self->onEvent(e);
        }, Qt::QueuedConnection);
    };
    backend_->run(
        this, [engine = backend_->enginePtr(), req, events, cancel = cancel_]() { return engine->train(req, events, cancel.get()); },
        [this](TrainOutcome o) { onFinished(o); }, [this](const QString& m) { onFailed(m); }, [this]() { onCancelled(); });
}

void FineTuneWizard::onEvent(const TrainEvent& e) {
    if (!running_) return;
    if (e.kind == TrainEvent::Kind::Stage) {
        runStatus_->setText(stageText(e.stage));
        return;
    }
    const double x = double(e.step);
    if (e.kind == TrainEvent::Kind::Step && std::isfinite(e.loss)) {
        loss_->append(x, e.loss);
        maxLoss_ = std::max(maxLoss_, e.loss);
        axisLoss_->setRange(0, maxLoss_ > 0 ? maxLoss_ * 1.1 : 1.0);
        runStatus_->setText(tr("Epoch %1 of %2 · step %3 · loss %4 · learning rate %5")
                                .arg(e.epoch)
                                .arg(e.epochs)
                                .arg(e.step)
                                .arg(QLocale().toString(e.loss, 'f', 4))
                                .arg(QLocale().toString(e.learningRate, 'g', 3)));
    } else if (e.kind == TrainEvent::Kind::Validation) {
        recall_->append(x, e.recall);
        recall_->setName(tr("Recall@%1 (validation)").arg(e.recallK));
    }
    const int maxX = int(std::max<double>(double(e.steps), x));
    axisX_->setRange(0, std::max(1, maxX));
    axisX_->setTickCount(std::min(std::max(1, maxX), 5) + 1);
    if (maxX > 5) axisX_->applyNiceNumbers();
    timing_->setText(tr("elapsed %1, left %2")
                         .arg(formatDuration(e.elapsedSeconds),
                              formatDuration(remainingSeconds(e.elapsedSeconds, double(e.step), double(e.steps), e.etaSeconds))));
}

void FineTuneWizard::onFinished(const TrainOutcome& o) {
    running_ = false;
    finished_ = true;
    outcome_ = o;
    cancelRun_->setEnabled(false);
    timing_->setText(tr("took %1").arg(formatDuration(runTimer_.elapsed() / 1000.0)));
    runStatus_->setText(tr("Done: the new model “%1” learned from %n pair(s).", nullptr, int(o.trainPairs))
                            .arg(toQ(o.modelName)));
    results_->setRowCount(0);
    std::set<std::string> keys;
    for (const auto& [k, v] : o.before) keys.insert(k);
    for (const auto& [k, v] : o.after) keys.insert(k);
    for (const auto& k : keys) {
        const int row = results_->rowCount();
        results_->insertRow(row);
        results_->setItem(row, 0, new QTableWidgetItem(metricName(toQ(k))));
        auto cell = [](const std::map<std::string, double>& m, const std::string& key) {
            auto it = m.find(key);
            return new QTableWidgetItem(it == m.end() ? QStringLiteral("—") : formatMetric(it->second));
        };
        results_->setItem(row, 1, cell(o.before, k));
        results_->setItem(row, 2, cell(o.after, k));
    }
    results_->setHorizontalHeaderLabels(
        {tr("Held-out captions (%1)").arg(o.heldOutPairs), tr("Before"), tr("After")});
    results_->setVisible(!keys.empty());
    if (!o.measurable)
        runStatus_->setText(runStatus_->text() + QLatin1Char('\n') +
                            tr("Too few held-out captions to measure the change (%1; at least %2 are needed).")
                                .arg(o.heldOutPairs)
                                .arg(plan_.minHeldOutCaptions));
    use_->show();
    runPage_->refresh();
    Q_EMIT modelTrained(toQ(o.modelName));
}

void FineTuneWizard::onCancelled() {
    running_ = false;
    finished_ = true;
    cancelRun_->setEnabled(false);
    timing_->setText(tr("took %1").arg(formatDuration(runTimer_.elapsed() / 1000.0)));
    runStatus_->setText(tr("Teaching was cancelled. The model in use has not changed."));
    runPage_->refresh();
}

QString FineTuneWizard::stageText(TrainEvent::Stage stage) {
    switch (stage) {
    case TrainEvent::Stage::Loading: return tr("Loading the model…");
    case TrainEvent::Stage::MeasuringBefore: return tr("Measuring the model before teaching…");
    case TrainEvent::Stage::Training: return tr("Teaching…");
    case TrainEvent::Stage::MeasuringAfter: return tr("Measuring the new model…");
    case TrainEvent::Stage::Saving: return tr("Saving the new model…");
    }
    return {};
}

void FineTuneWizard::onFailed(const QString& message) {
    running_ = false;
    cancelRun_->setEnabled(false);
    runStatus_->setText(tr("Teaching stopped: %1").arg(message));
    runPage_->refresh();
}

void FineTuneWizard::cancelTraining() {
    if (!running_ || !cancel_) return;
    cancel_->store(true);
    cancelRun_->setEnabled(false);
    runStatus_->setText(tr("Cancelling…"));
    // The engine ends a cancelled run with lowclip::Cancelled (onCancelled).
}

void FineTuneWizard::activateNewModel() {
    const QString name = toQ(outcome_.modelName);
    use_->setEnabled(false);
    backend_->run(
        this, [engine = backend_->enginePtr(), n = outcome_.modelName]() { engine->activateModel(n); },
        [this, name]() {
            use_->setText(tr("In use: the library is re-indexed in the background"));
            Q_EMIT modelActivated(name);
        },
        [this](const QString& m) {
            use_->setEnabled(true);
            QMessageBox::warning(this, tr("Error"), tr("The new model cannot be used: %1").arg(m));
        });
}

void FineTuneWizard::reject() {
    if (running_) {
        if (QMessageBox::question(this, tr("Teach the model"), tr("Stop teaching the model? What it learned so far is lost.")) !=
            QMessageBox::Yes)
            return;
        cancelTraining();
    }
    QWizard::reject();
}

}  // namespace ui
}  // namespace lowclip
