#pragma once
// The main window: library folders on the left, the search field, filters and the results grid
// in the middle, the preview on the right, the library's state and indexing progress below.
#include <QMainWindow>
#include <QPointer>

#include "ui/engine/engine.h"

class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QListView;
class QListWidget;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QStringListModel;

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

class AppSettings;
class Backend;
class CaptionsWindow;
class FineTuneWizard;
class IndexController;
class IndexingDialog;
class ModelManager;
class PreviewPane;
class QuickLook;
class ResultDelegate;
class ResultsModel;
class ThumbnailLoader;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    enum class Mode { None, Text, Similar };
    MainWindow(Backend* backend, AppSettings* settings, QWidget* parent = nullptr);
    ~MainWindow() override;

    // For tests and for the application's start-up.
    QLineEdit* searchField() const { return search_; }
    QListView* resultsView() const { return view_; }
    ResultsModel* resultsModel() const { return results_; }
    PreviewPane* preview() const { return preview_; }
    IndexController* indexController() const { return indexer_; }
    QLabel* resultInfo() const { return resultInfo_; }
    QLabel* statusText() const { return statusLabel_; }
    const LibraryState& libraryState() const { return state_; }
    bool isSearching() const { return searching_; }
    Mode mode() const { return mode_; }
    QString lastQuery() const { return lastQuery_; }
    QString lastError() const { return lastError_; }

    CaptionsWindow* openCaptions();
    FineTuneWizard* openFineTune();
    ModelManager* openModels();
    IndexingDialog* openIndexing();
    // Adds the selected photos' caption without asking (tests); the UI asks with CaptionDialog.
    void addCaptionToSelection(const QString& text);

public Q_SLOTS:
    void runSearch();
    void findSimilar(qint64 photoId);
    void refreshState();
    void addFolder(const QString& folder = {});
    void startIndexing();
    void runDemo();
    static QString demoProgressText(const DemoProgress& progress);

Q_SIGNALS:
    void searchFinished(int results);
    void stateRefreshed();
    void captionsChanged();

protected:
    void closeEvent(QCloseEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildMenus();
    QWidget* buildLeftPanel();
    QWidget* buildCenter();
    QWidget* buildWelcome();
    void buildStatusBar();
    void applyState(const LibraryState& s);
    void showResults(const SearchResult& r, Mode mode, const QString& what);
    void onSelectionChanged();
    void onIndexProgress();
    void onIndexFinished(const IndexSummary& summary, const QString& error);
    void showContextMenu(const QPoint& pos);
    QList<qint64> selectedPhotoIds() const;
    void removeSelectedFolder();
    void openPhoto(qint64 id);
    void showInFolder(qint64 id);
    void askCaption();
    void mark(qint64 id, bool relevant);
    void quickLook();
    void openSettings();
    void importCaptions();
    void exportCaptions();
    void showAbout();
    void showImportHelp();
    void showError(const QString& message);
    SearchOptions currentSearchOptions() const;
    void updateDateFilter();
    void updateCenterPage();
    void applyThumbnailSize(int size);

    Backend* backend_;
    AppSettings* settings_;
    ThumbnailLoader* thumbs_;
    ResultsModel* results_;
    ResultDelegate* delegate_;
    IndexController* indexer_;
    LibraryState state_;
    bool stateKnown_ = false;
    Mode mode_ = Mode::None;
    QString lastQuery_;
    QString lastError_;
    qint64 similarTo_ = 0;
    int searchGeneration_ = 0;
    bool searching_ = false;

    QLineEdit* search_ = nullptr;
    QPushButton* searchButton_ = nullptr;
    QStringListModel* history_ = nullptr;
    QComboBox* dateFilter_ = nullptr;
    QDateEdit* dateFrom_ = nullptr;
    QDateEdit* dateTo_ = nullptr;
    QComboBox* folderFilter_ = nullptr;
    QLabel* resultInfo_ = nullptr;
    QStackedWidget* center_ = nullptr;
    QWidget* welcome_ = nullptr;
    QLabel* welcomeFolders_ = nullptr;
    QLabel* welcomeModel_ = nullptr;
    QLabel* hint_ = nullptr;
    QListView* view_ = nullptr;
    QListWidget* folders_ = nullptr;
    QPushButton* removeFolder_ = nullptr;
    PreviewPane* preview_ = nullptr;
    QLabel* statusLabel_ = nullptr;
    QWidget* indexBox_ = nullptr;
    QProgressBar* indexBar_ = nullptr;
    QLabel* indexText_ = nullptr;

    QPointer<CaptionsWindow> captions_;
    QPointer<IndexingDialog> indexing_;
    QPointer<ModelManager> models_;
    QPointer<FineTuneWizard> wizard_;
    QPointer<QuickLook> quickLook_;
};

}  // namespace ui
}  // namespace lowclip
