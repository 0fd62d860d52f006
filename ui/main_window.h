#pragma once
// The main window: library folders on the left, the search field, filters and the results grid
// in the middle, the preview on the right, the library's state and indexing progress below.
#include <QHash>
#include <QMainWindow>
#include <QPointer>
#include <QUrl>
#include <functional>
#include <optional>

#include "ui/engine/engine.h"

class QCheckBox;
class QComboBox;
class QDateEdit;
class QLabel;
class QLineEdit;
class QListView;
class QListWidget;
class QMenu;
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
class FeedbackDialog;
class FineTuneWizard;
class IndexController;
class IndexingDialog;
class DuplicatesDialog;
class ModelManager;
class PreviewPane;
class QuickLook;
class ResultDelegate;
class ResultsModel;
class ThumbnailLoader;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // Browse: the library without a query (no model yet), newest first.
    // Group: a group of near-identical photos from the duplicates window.
    enum class Mode { None, Text, Similar, Browse, Group };
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
    QLabel* unknownWordsLabel() const { return unknownWords_; }
    QComboBox* sortChoice() const { return sort_; }
    QComboBox* dateChoice() const { return dateFilter_; }
    QComboBox* folderChoice() const { return folderFilter_; }
    QCheckBox* keepUndatedChoice() const { return keepUndated_; }
    QListWidget* folderList() const { return folders_; }
    QuickLook* quickLookWindow() const;
    // The options the next search would use (tests).
    SearchOptions searchOptions() const { return currentSearchOptions(); }
    // How photos and folders are handed to the desktop (tests replace them): open a file with its
    // viewer (false when none could be started), and show a file in its folder.
    std::function<bool(const QUrl&)> openUrl;
    std::function<void(const QString& file)> revealFile;

    FeedbackDialog* openMarks();
    // Builds the context menu of the current photo (Shift+F10, the Menu key and right click).
    QMenu* contextMenuFor(qint64 photoId);

    CaptionsWindow* openCaptions();
    FineTuneWizard* openFineTune();
    ModelManager* openModels();
    IndexingDialog* openIndexing();
    DuplicatesDialog* openDuplicates();
    // Shows these photos in the grid (a group of near-identical photos).
    void showPhotoGroup(const std::vector<Photo>& photos);
    QAction* groupNearIdenticalAction() const { return groupNearIdentical_; }
    // Adds the selected photos' caption without asking (tests); the UI asks with CaptionDialog.
    void addCaptionToSelection(const QString& text);

public Q_SLOTS:
    void runSearch();
    void findSimilar(qint64 photoId);
    // Shows the library without a query, newest first (what a library without a model shows).
    void browseLibrary();
    void undoMark();
    void refreshState();
    void addFolder(const QString& folder = {});
    void startIndexing();
    void runDemo();
    static QString demoProgressText(const DemoProgress& progress);

Q_SIGNALS:
    void searchFinished(int results);
    void marksChanged();
    void unknownWordsShown();
    void stateRefreshed();
    void captionsChanged();

protected:
    void closeEvent(QCloseEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // Loads the searching model in the background (see Engine::prepareSearch); failures are left
    // for the search itself to report.
    void prepareSearch();
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
    void toggleStack(qint64 id, bool open);
    void askCaption();
    void mark(qint64 id, bool relevant);
    void clearMark(qint64 id);
    void reloadMarks();
    void showMarkOfPreview();
    void showUnknownWords(const std::vector<std::string>& words);
    void showContextMenuForCurrent();
    void revealInFileManager(const QString& file);
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
    QLabel* unknownWords_ = nullptr;
    QComboBox* sort_ = nullptr;
    QCheckBox* keepUndated_ = nullptr;
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
    QPointer<FeedbackDialog> marksDialog_;
    QPointer<DuplicatesDialog> duplicates_;
    QAction* groupNearIdentical_ = nullptr;

    // Relevance marks of the current query, by photo; and what Undo would put back.
    QHash<qint64, FeedbackMark> marks_;
    struct UndoStep {
        QString query;
        qint64 photoId = 0;
        qint64 newMark = 0;                    // the mark given (0: a mark was removed)
        std::optional<FeedbackMark> previous;  // the mark it replaced or removed
    };
    std::optional<UndoStep> undo_;
    int marksGeneration_ = 0;
};

}  // namespace ui
}  // namespace lowclip
