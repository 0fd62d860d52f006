#pragma once
// "Teach the model": a wizard of three pages. 1) what to learn from (captions, photos marked
// relevant; how many pairs) and which model to start from; 2) how (Quick / Thorough, with the
// learning rates, epochs and freezing under "Advanced"); 3) the run, with a live chart of the
// loss and of validation Recall@K, elapsed and remaining time, cancel; and at the end the
// before/after figures on held-out captions and one button to switch to the new model.
#include <QElapsedTimer>
#include <QWizard>
#include <QWizardPage>
#include <atomic>
#include <memory>

#include "ui/engine/engine.h"

class QButtonGroup;
class QCheckBox;
class QChart;
class QChartView;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineSeries;
class QPushButton;
class QRadioButton;
class QSpinBox;
class QTableWidget;
class QValueAxis;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class Backend;

class FineTuneWizard : public QWizard {
    Q_OBJECT
public:
    enum PageId { SourcePage, HowPage, RunPage };
    FineTuneWizard(Backend* backend, QWidget* parent = nullptr);
    ~FineTuneWizard() override;

    TrainRequest request() const;
    bool isRunning() const { return running_; }
    bool isFinished() const { return finished_; }
    const TrainOutcome& outcome() const { return outcome_; }
    QLineSeries* lossSeries() const { return loss_; }
    QLineSeries* recallSeries() const { return recall_; }
    QChartView* chartView() const { return chartView_; }
    QPushButton* useButton() const { return use_; }
    // Pairs teaching will use (to learn from and held out), as the engine counts them.
    std::size_t pairs() const { return plan_.trainPairs + plan_.heldOutPairs; }
    const TeachingPlan& plan() const { return plan_; }

    // Minimum number of caption pairs for a meaningful run.

Q_SIGNALS:
    void modelActivated(const QString& name);
    void modelTrained(const QString& name);

private:
    void buildSourcePage();
    void buildHowPage();
    void buildRunPage();
    void countPairs();
    void applyPreset();
    void startTraining();
    void onEvent(const TrainEvent& e);
    void onFinished(const TrainOutcome& outcome);
    void onCancelled();
    static QString stageText(TrainEvent::Stage stage);
    void onFailed(const QString& message);
    void cancelTraining();
    void activateNewModel();
    void reject() override;

    Backend* backend_;
    std::vector<TrainPreset> presets_;
    TeachingPlan plan_;
    bool pairsKnown_ = false;
    bool running_ = false;
    bool finished_ = false;
    std::shared_ptr<std::atomic<bool>> cancel_;
    TrainOutcome outcome_;
    double maxLoss_ = 0.0;
    QElapsedTimer runTimer_;

    // page 1
    QComboBox* base_ = nullptr;
    QCheckBox* useCaptions_ = nullptr;
    QCheckBox* useFeedback_ = nullptr;
    QLabel* pairsLabel_ = nullptr;
    // page 2
    QRadioButton* quick_ = nullptr;
    QRadioButton* thorough_ = nullptr;
    QCheckBox* advanced_ = nullptr;
    QSpinBox* epochs_ = nullptr;
    QDoubleSpinBox* lrHeads_ = nullptr;
    QDoubleSpinBox* lrImage_ = nullptr;
    QDoubleSpinBox* lrText_ = nullptr;
    QComboBox* freeze_ = nullptr;
    QSpinBox* batch_ = nullptr;
    // page 3
    QLabel* runStatus_ = nullptr;
    QLabel* timing_ = nullptr;
    QChart* chart_ = nullptr;
    QChartView* chartView_ = nullptr;
    QLineSeries* loss_ = nullptr;
    QLineSeries* recall_ = nullptr;
    QValueAxis* axisX_ = nullptr;
    QValueAxis* axisLoss_ = nullptr;
    QValueAxis* axisRecall_ = nullptr;
    QPushButton* cancelRun_ = nullptr;
    QTableWidget* results_ = nullptr;
    QPushButton* use_ = nullptr;
    class Page* sourcePage_ = nullptr;
    class Page* runPage_ = nullptr;
};

}  // namespace ui
}  // namespace lowclip
