#include "ui/main_window.h"

#include <QAction>
#include <QCheckBox>
#include <QScrollArea>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QCompleter>
#include <QDateEdit>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMimeDatabase>
#include <QProcess>
#include <QSignalBlocker>
#include <QStandardPaths>
#include <QMessageBox>
#include <QProgressBar>
#include <QProgressDialog>
#include <QPushButton>
#include <QShortcut>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStringListModel>
#include <QUrl>
#include <QVBoxLayout>

#include "ui/app_settings.h"
#include "ui/backend.h"
#include "ui/caption_transfer.h"
#include "ui/caption_dialog.h"
#include "ui/captions_window.h"
#include "ui/duplicates_dialog.h"
#include "ui/feedback_dialog.h"
#include "ui/file_manager.h"
#include "ui/finetune_wizard.h"
#include "ui/flow_layout.h"
#include "ui/index_controller.h"
#include "ui/indexing_dialog.h"
#include "ui/model_manager.h"
#include "ui/preview_pane.h"
#include "ui/quick_look.h"
#include "ui/result_delegate.h"
#include "ui/results_model.h"
#include "ui/settings_dialog.h"
#include "ui/thumbnail_loader.h"
#include "ui/ui_util.h"

// (nested form: Qt's lupdate does not understand `namespace a::b`)
namespace lowclip {
namespace ui {

namespace {
constexpr int kResultsPerSearch = 120;
constexpr int kPhotosPerBrowse = 2000;  // the newest; filters narrow them down

enum DateChoice { AllDates, Last30Days, ThisYear, LastYear, CustomRange };
}  // namespace

MainWindow::MainWindow(Backend* backend, AppSettings* settings, QWidget* parent)
    : QMainWindow(parent), backend_(backend), settings_(settings) {
    setWindowTitle(QStringLiteral("LowCLIP"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/io.lowclip.Desktop.svg")));
    const int thumb = settings_->thumbnailSize();
    thumbs_ = new ThumbnailLoader(backend_->enginePtr(), thumb, this);
    results_ = new ResultsModel(thumbs_, this);
    delegate_ = new ResultDelegate(thumb, this);
    indexer_ = new IndexController(backend_, this);

    openUrl = [](const QUrl& url) { return QDesktopServices::openUrl(url); };
    revealFile = [this](const QString& file) { revealInFileManager(file); };
    buildMenus();
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(buildLeftPanel());
    splitter->addWidget(buildCenter());
    preview_ = new PreviewPane(backend_, this);
    preview_->setMinimumWidth(210);
    splitter->addWidget(preview_);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    splitter->setStretchFactor(2, 0);
    splitter->setSizes({200, 700, 320});
    splitter->setChildrenCollapsible(false);
    setCentralWidget(splitter);
    buildStatusBar();

    connect(preview_, &PreviewPane::findSimilar, this, &MainWindow::findSimilar);
    connect(preview_, &PreviewPane::openPhoto, this, &MainWindow::openPhoto);
    connect(preview_, &PreviewPane::showInFolder, this, &MainWindow::showInFolder);
    connect(preview_, &PreviewPane::addCaption, this, &MainWindow::askCaption);
    connect(preview_, &PreviewPane::markRelevant, this, &MainWindow::mark);
    connect(preview_, &PreviewPane::clearMark, this, &MainWindow::clearMark);
    connect(preview_, &PreviewPane::undoMark, this, &MainWindow::undoMark);
    connect(indexer_, &IndexController::started, this, &MainWindow::onIndexProgress);
    connect(indexer_, &IndexController::progressChanged, this, &MainWindow::onIndexProgress);
    connect(indexer_, &IndexController::finished, this, &MainWindow::onIndexFinished);
    connect(backend_, &Backend::error, this, &MainWindow::showError);

    const QByteArray geometry = settings_->windowGeometry();
    if (!geometry.isEmpty()) restoreGeometry(geometry);
    else resize(1280, 800);
    setMinimumSize(640, 480);
    updateCenterPage();
    search_->setFocus();
    refreshState();
    prepareSearch();
}

MainWindow::~MainWindow() { indexer_->cancel(); }

QuickLook* MainWindow::quickLookWindow() const { return quickLook_.data(); }

// ---- building ----------------------------------------------------------------------------------

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Add folder…"), QKeySequence::Open, this, [this] { addFolder(); });
    file->addSeparator();
    file->addAction(tr("&Import captions…"), this, &MainWindow::importCaptions);
    file->addAction(tr("&Export captions…"), this, &MainWindow::exportCaptions);
    file->addSeparator();
    file->addAction(tr("&Settings…"), QKeySequence::Preferences, this, &MainWindow::openSettings);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* lib = menuBar()->addMenu(tr("&Library"));
    lib->addAction(tr("&Index now"), QKeySequence::Refresh, this, &MainWindow::startIndexing);
    lib->addAction(tr("Indexing &details…"), this, [this] { openIndexing(); });
    lib->addAction(tr("&Captions…"), this, [this] { openCaptions(); });
    lib->addAction(tr("&Relevance marks…"), this, [this] { openMarks(); });
    auto* undo = lib->addAction(tr("&Undo the last mark"), QKeySequence::Undo, this, &MainWindow::undoMark);
    undo->setShortcutContext(Qt::WindowShortcut);
    lib->addSeparator();
    lib->addAction(tr("Find &near-identical photos…"), this, [this] { openDuplicates(); });
    groupNearIdentical_ = lib->addAction(tr("&Group near-identical photos in results"));
    groupNearIdentical_->setObjectName(QStringLiteral("groupNearIdentical"));
    groupNearIdentical_->setCheckable(true);
    groupNearIdentical_->setChecked(settings_->groupNearIdentical());
    connect(groupNearIdentical_, &QAction::toggled, this, [this](bool on) {
        settings_->setGroupNearIdentical(on);
        if (mode_ == Mode::Text) runSearch();
        else if (mode_ == Mode::Similar) findSimilar(similarTo_);
    });

    QMenu* model = menuBar()->addMenu(tr("&Model"));
    model->addAction(tr("&Models…"), this, [this] { openModels(); });
    model->addAction(tr("&Teach the model…"), this, [this] { openFineTune(); });
    model->addSeparator();
    model->addAction(tr("Try the &demo…"), this, &MainWindow::runDemo);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("How to get a &model"), this, &MainWindow::showImportHelp);
    help->addAction(tr("&About LowCLIP"), this, &MainWindow::showAbout);
    help->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);

    auto* find = new QAction(this);
    find->setShortcut(QKeySequence::Find);
    connect(find, &QAction::triggered, this, [this] {
        search_->setFocus(Qt::ShortcutFocusReason);
        search_->selectAll();
    });
    addAction(find);
}

QWidget* MainWindow::buildLeftPanel() {
    auto* panel = new QWidget(this);
    auto* v = new QVBoxLayout(panel);
    v->setContentsMargins(6, 6, 0, 6);
    auto* title = new QLabel(tr("Folders"), panel);
    QFont bold = title->font();
    bold.setBold(true);
    title->setFont(bold);
    v->addWidget(title);
    folders_ = new QListWidget(panel);
    folders_->setObjectName(QStringLiteral("folders"));
    folders_->setToolTip(tr("Photo folders in the library. Choose one to search only there."));
    v->addWidget(folders_, 1);
    auto* rowBox = new QWidget(panel);
    auto* row = new FlowLayout(rowBox, 6, 4);  // one below the other in a narrow panel
    auto* add = new QPushButton(tr("+ Folder"), panel);
    add->setToolTip(tr("Add folder"));
    removeFolder_ = new QPushButton(tr("Remove"), panel);
    removeFolder_->setToolTip(tr("Remove folder from library (files stay)"));
    removeFolder_->setEnabled(false);
    row->addWidget(add);
    row->addWidget(removeFolder_);
    v->addWidget(rowBox);
    v->addSpacing(12);
    auto* captions = new QPushButton(tr("Captions"), panel);
    auto* models = new QPushButton(tr("Models"), panel);
    auto* teach = new QPushButton(tr("Teach the model"), panel);
    for (auto* b : {captions, models, teach}) {
        b->setFlat(true);
        b->setStyleSheet(QStringLiteral("text-align: left; padding: 4px;"));
        v->addWidget(b);
    }
    connect(add, &QPushButton::clicked, this, [this] { addFolder(); });
    connect(removeFolder_, &QPushButton::clicked, this, &MainWindow::removeSelectedFolder);
    // Moving through the list with Tab or the arrow keys only selects a folder (for Remove); a
    // click or Enter makes it the folder filter.
    connect(folders_, &QListWidget::currentRowChanged, this, [this](int row) { removeFolder_->setEnabled(row >= 0); });
    auto chooseFolder = [this](QListWidgetItem* item) {
        if (!item || !folderFilter_) return;
        const int i = folderFilter_->findData(item->data(Qt::UserRole));
        if (i >= 0) folderFilter_->setCurrentIndex(i);
    };
    connect(folders_, &QListWidget::itemClicked, this, chooseFolder);
    connect(folders_, &QListWidget::itemActivated, this, chooseFolder);
    connect(captions, &QPushButton::clicked, this, [this] { openCaptions(); });
    connect(models, &QPushButton::clicked, this, [this] { openModels(); });
    connect(teach, &QPushButton::clicked, this, [this] { openFineTune(); });
    panel->setMinimumWidth(130);
    return panel;
}

QWidget* MainWindow::buildCenter() {
    auto* panel = new QWidget(this);
    panel->setMinimumWidth(280);  // at 640 px the grid keeps the room the side panes leave
    auto* v = new QVBoxLayout(panel);
    v->setContentsMargins(6, 6, 6, 6);
    auto* row = new QHBoxLayout;
    search_ = new QLineEdit(panel);
    search_->setObjectName(QStringLiteral("search"));
    search_->setPlaceholderText(tr("What are you looking for? For example: dənizdə gün batımı"));
    search_->setClearButtonEnabled(true);
    QFont big = search_->font();
    big.setPointSizeF(big.pointSizeF() * 1.2);
    search_->setFont(big);
    history_ = new QStringListModel(settings_->searchHistory(), this);
    auto* completer = new QCompleter(history_, this);
    completer->setCaseSensitivity(Qt::CaseInsensitive);
    completer->setFilterMode(Qt::MatchContains);
    search_->setCompleter(completer);
    searchButton_ = new QPushButton(tr("Search"), panel);
    searchButton_->setDefault(true);
    row->addWidget(search_, 1);
    row->addWidget(searchButton_);
    v->addLayout(row);

    // The filters wrap to a second row in a narrow window instead of being cut.
    auto* filterBox = new QWidget(panel);
    auto* filters = new FlowLayout(filterBox, 12, 4);
    auto pair = [filterBox, filters](const QString& label, QWidget* w) {
        auto* box = new QWidget(filterBox);
        auto* h = new QHBoxLayout(box);
        h->setContentsMargins(0, 0, 0, 0);
        auto* l = new QLabel(label, box);
        l->setBuddy(w);
        h->addWidget(l);
        w->setParent(box);
        h->addWidget(w);
        filters->addWidget(box);
        return box;
    };
    dateFilter_ = new QComboBox(panel);
    dateFilter_->setObjectName(QStringLiteral("dateFilter"));
    dateFilter_->addItem(tr("all"), AllDates);
    dateFilter_->addItem(tr("last 30 days"), Last30Days);
    dateFilter_->addItem(tr("this year"), ThisYear);
    dateFilter_->addItem(tr("last year"), LastYear);
    dateFilter_->addItem(tr("between…"), CustomRange);
    dateFilter_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    pair(tr("&Date:"), dateFilter_);
    dateFrom_ = new QDateEdit(QDate::currentDate().addYears(-1), filterBox);
    dateTo_ = new QDateEdit(QDate::currentDate(), filterBox);
    for (auto* d : {dateFrom_, dateTo_}) {
        d->setCalendarPopup(true);
        d->setDisplayFormat(QStringLiteral("yyyy-MM-dd"));
        d->hide();
        filters->addWidget(d);
    }
    // Photos without a date taken (no EXIF date) are kept under a date filter unless the user
    // leaves them out here.
    keepUndated_ = new QCheckBox(tr("with photos without a date"), filterBox);
    keepUndated_->setObjectName(QStringLiteral("keepUndated"));
    keepUndated_->setChecked(true);
    keepUndated_->setToolTip(tr("Photos whose files do not say when they were taken"));
    keepUndated_->hide();
    filters->addWidget(keepUndated_);
    folderFilter_ = new QComboBox(panel);
    folderFilter_->setObjectName(QStringLiteral("folderFilter"));
    folderFilter_->addItem(tr("all"), QString());
    folderFilter_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    folderFilter_->setMaximumWidth(260);
    pair(tr("F&older:"), folderFilter_);
    sort_ = new QComboBox(panel);
    sort_->setObjectName(QStringLiteral("sort"));
    sort_->addItem(tr("relevance"), int(ResultsModel::Order::Relevance));
    sort_->addItem(tr("newest first"), int(ResultsModel::Order::NewestFirst));
    sort_->addItem(tr("oldest first"), int(ResultsModel::Order::OldestFirst));
    sort_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    pair(tr("S&ort:"), sort_);
    resultInfo_ = new QLabel(filterBox);
    filters->addWidget(resultInfo_);
    v->addWidget(filterBox);
    unknownWords_ = new QLabel(panel);
    unknownWords_->setObjectName(QStringLiteral("unknownWords"));
    unknownWords_->setWordWrap(true);
    unknownWords_->hide();
    v->addWidget(unknownWords_);

    center_ = new QStackedWidget(panel);
    welcome_ = buildWelcome();
    center_->addWidget(welcome_);
    hint_ = new QLabel(panel);
    hint_->setAlignment(Qt::AlignCenter);
    hint_->setWordWrap(true);
    hint_->setEnabled(false);
    center_->addWidget(hint_);
    view_ = new QListView(panel);
    view_->setObjectName(QStringLiteral("results"));
    view_->setViewMode(QListView::IconMode);
    view_->setResizeMode(QListView::Adjust);
    view_->setMovement(QListView::Static);
    view_->setUniformItemSizes(true);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->setModel(results_);
    view_->setItemDelegate(delegate_);
    view_->setSpacing(2);
    view_->setFocusPolicy(Qt::StrongFocus);
    view_->setMouseTracking(true);
    view_->setContextMenuPolicy(Qt::CustomContextMenu);
    view_->installEventFilter(this);
    applyThumbnailSize(settings_->thumbnailSize());
    center_->addWidget(view_);
    v->addWidget(center_, 1);

    connect(sort_, &QComboBox::currentIndexChanged, this, [this] {
        results_->setOrder(ResultsModel::Order(sort_->currentData().toInt()));
        if (results_->rowCount() > 0) {
            view_->setCurrentIndex(results_->index(0));
            view_->scrollToTop();
        }
    });
    connect(keepUndated_, &QCheckBox::toggled, this, [this] {
        if (mode_ == Mode::Text) runSearch();
        else if (mode_ == Mode::Similar) findSimilar(similarTo_);
        else if (mode_ == Mode::Browse) browseLibrary();
    });
    connect(search_, &QLineEdit::returnPressed, this, &MainWindow::runSearch);
    connect(searchButton_, &QPushButton::clicked, this, &MainWindow::runSearch);
    connect(dateFilter_, &QComboBox::currentIndexChanged, this, [this] {
        updateDateFilter();
        if (mode_ == Mode::Text) runSearch();
        else if (mode_ == Mode::Similar) findSimilar(similarTo_);
        else if (mode_ == Mode::Browse) browseLibrary();
    });
    for (auto* d : {dateFrom_, dateTo_})
        connect(d, &QDateEdit::dateChanged, this, [this] {
            if (mode_ == Mode::Text) runSearch();
            else if (mode_ == Mode::Browse) browseLibrary();
        });
    connect(folderFilter_, &QComboBox::currentIndexChanged, this, [this] {
        if (mode_ == Mode::Text) runSearch();
        else if (mode_ == Mode::Similar) findSimilar(similarTo_);
        else if (mode_ == Mode::Browse) browseLibrary();
    });
    connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MainWindow::onSelectionChanged);
    connect(view_->selectionModel(), &QItemSelectionModel::currentChanged, this, &MainWindow::onSelectionChanged);
    connect(view_, &QListView::customContextMenuRequested, this, &MainWindow::showContextMenu);

    connect(view_, &QListView::doubleClicked, this, [this](const QModelIndex& i) {
        openPhoto(i.data(ResultsModel::PhotoIdRole).toLongLong());
    });
    return panel;
}

QWidget* MainWindow::buildWelcome() {
    auto* page = new QWidget(this);
    auto* outer = new QVBoxLayout(page);
    outer->addStretch(1);
    auto* card = new QWidget(page);
    card->setMaximumWidth(560);  // narrower in a small window: the labels wrap, nothing is cut
    auto* v = new QVBoxLayout(card);
    auto* icon = new QLabel(card);
    icon->setPixmap(QIcon(QStringLiteral(":/icons/io.lowclip.Desktop.svg")).pixmap(72, 72));
    v->addWidget(icon);
    auto* title = new QLabel(tr("Welcome to LowCLIP"), card);
    QFont f = title->font();
    f.setPointSizeF(f.pointSizeF() * 1.6);
    f.setBold(true);
    title->setFont(f);
    title->setWordWrap(true);
    v->addWidget(title);
    auto* intro = new QLabel(tr("Find your photos by describing them in Azerbaijani. Everything runs on this computer; "
                                "your photos are never changed or sent anywhere."),
                             card);
    intro->setWordWrap(true);
    v->addWidget(intro);
    v->addSpacing(12);

    welcomeFolders_ = new QLabel(card);
    welcomeFolders_->setWordWrap(true);
    v->addWidget(welcomeFolders_);
    auto* addFolder = new QPushButton(tr("Add a photo folder…"), card);
    v->addWidget(addFolder, 0, Qt::AlignLeft);
    v->addSpacing(12);
    welcomeModel_ = new QLabel(card);
    welcomeModel_->setWordWrap(true);
    welcomeModel_->setTextFormat(Qt::RichText);
    v->addWidget(welcomeModel_);
    auto* rowBox = new QWidget(card);
    auto* row = new FlowLayout(rowBox, 6, 6);  // side by side, or one below the other when narrow
    auto* demo = new QPushButton(tr("Try the demo"), card);
    demo->setToolTip(tr("Trains a small model on generated pictures and opens a demo library (a few minutes)"));
    auto* import = new QPushButton(tr("Import a model…"), card);
    row->addWidget(demo);
    row->addWidget(import);
    v->addWidget(rowBox);
    // Centred by stretches, not by alignment: an aligned widget gets its size hint, and its
    // word-wrapped labels would be cut instead of growing in height.
    auto* row2 = new QHBoxLayout;
    row2->addStretch(1);
    row2->addWidget(card, 100);
    row2->addStretch(1);
    outer->addLayout(row2);
    outer->addStretch(2);
    connect(addFolder, &QPushButton::clicked, this, [this] { this->addFolder(); });
    connect(demo, &QPushButton::clicked, this, &MainWindow::runDemo);
    connect(import, &QPushButton::clicked, this, [this] { openModels(); });
    // A window as small as 640×480 scrolls the welcome page rather than cutting it.
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    scroll->setWidget(page);
    return scroll;
}

void MainWindow::buildStatusBar() {
    statusLabel_ = new QLabel(this);
    statusBar()->addWidget(statusLabel_, 1);
    indexBox_ = new QWidget(this);
    auto* h = new QHBoxLayout(indexBox_);
    h->setContentsMargins(0, 0, 0, 0);
    indexText_ = new QLabel(indexBox_);
    indexBar_ = new QProgressBar(indexBox_);
    indexBar_->setMaximumWidth(160);
    indexBar_->setMaximumHeight(16);
    indexBar_->setTextVisible(false);
    h->addWidget(indexText_);
    h->addWidget(indexBar_);
    indexBox_->setCursor(Qt::PointingHandCursor);
    indexBox_->setToolTip(tr("Click for details"));
    indexBox_->installEventFilter(this);
    indexText_->installEventFilter(this);
    indexBar_->installEventFilter(this);
    indexBox_->hide();
    statusBar()->addPermanentWidget(indexBox_);
}

// ---- state -------------------------------------------------------------------------------------

void MainWindow::refreshState() {
    backend_->run(
        this, [engine = backend_->enginePtr()]() { return engine->state(); },
        [this](LibraryState s) { applyState(s); });
}

void MainWindow::applyState(const LibraryState& s) {
    const bool rootsChanged = !stateKnown_ || s.roots != state_.roots;
    const bool firstTime = !stateKnown_;
    const bool photosChanged = firstTime || s.photos != state_.photos || s.roots != state_.roots;
    state_ = s;
    stateKnown_ = true;
    const QLocale loc;
    QStringList parts;
    parts << tr("%n photo(s)", nullptr, int(s.photos));
    parts << (s.hasModel ? tr("model: %1").arg(toQ(s.modelName)) : tr("no model"));
    if (s.hasModel && s.pending > 0 && !indexer_->isRunning()) parts << tr("%n not indexed yet", nullptr, int(s.pending));
    if (s.failed > 0) parts << tr("%n could not be read", nullptr, int(s.failed));
    statusLabel_->setText(parts.join(QStringLiteral(" · ")));

    if (rootsChanged) {
        const QString current = folderFilter_->currentData().toString();
        folders_->clear();
        folderFilter_->blockSignals(true);
        while (folderFilter_->count() > 1) folderFilter_->removeItem(1);
        QStringList roots;
        for (const auto& r : s.roots) roots << toQ(r);
        std::stable_sort(roots.begin(), roots.end(), [](const QString& a, const QString& b) {
            const QString na = QFileInfo(a).fileName(), nb = QFileInfo(b).fileName();
            return lessForDisplay(na.isEmpty() ? a : na, nb.isEmpty() ? b : nb);
        });
        for (const QString& path : roots) {
            auto* item = new QListWidgetItem(QFileInfo(path).fileName().isEmpty() ? path : QFileInfo(path).fileName(), folders_);
            item->setToolTip(path);
            item->setData(Qt::UserRole, path);
            folderFilter_->addItem(item->text(), path);
        }
        folderFilter_->setCurrentIndex(std::max(0, folderFilter_->findData(current)));
        folderFilter_->blockSignals(false);
        indexer_->watchFolders(roots);
    }
    welcomeFolders_->setText(s.roots.empty() ? tr("1. Add the folders where your photos are.")
                                             : tr("1. ✓ %n folder(s) in the library.", nullptr, int(s.roots.size())));
    welcomeModel_->setText(
        s.hasModel ? tr("2. ✓ Model: %1").arg(toQ(s.modelName))
                   : tr("2. Get a model that understands Azerbaijani. <b>Try the demo</b> to see LowCLIP work in a few "
                        "minutes on generated pictures, or import a pretrained LowCLIP model (Model ▸ Models ▸ Import). "
                        "See Help ▸ How to get a model."));
    // Without a model the library is still there to browse: every photo, newest first.
    const bool browse = !s.hasModel && s.photos > 0;
    if (browse && (mode_ == Mode::None || (mode_ == Mode::Browse && photosChanged))) {
        browseLibrary();
    } else if (!browse && mode_ == Mode::Browse) {
        mode_ = Mode::None;
        results_->clear();
        preview_->clear();
        resultInfo_->clear();
        unknownWords_->hide();
    }
    updateCenterPage();
    if (firstTime && s.hasModel && !s.roots.empty()) indexer_->start();  // rescan on start
    Q_EMIT stateRefreshed();
}

void MainWindow::updateCenterPage() {
    if (mode_ == Mode::Browse) {
        if (results_->rowCount() > 0) {
            center_->setCurrentWidget(view_);
        } else {
            hint_->setText(tr("No photos match the filters."));
            center_->setCurrentWidget(hint_);
        }
        return;
    }
    if (!stateKnown_ || !state_.hasModel || state_.roots.empty()) {
        if (mode_ == Mode::None || !state_.hasModel) {
            center_->setCurrentWidget(welcome_);
            return;
        }
    }
    if (mode_ == Mode::None) {
        hint_->setText(state_.photos == 0 ? tr("No photos yet: the library folders are being scanned.")
                                          : tr("Type what you are looking for, in Azerbaijani, and press Enter."));
        center_->setCurrentWidget(hint_);
    } else if (results_->rowCount() == 0) {
        hint_->setText(tr("Nothing found. Try other words, or clear the filters."));
        center_->setCurrentWidget(hint_);
    } else {
        center_->setCurrentWidget(view_);
    }
}

// ---- search ------------------------------------------------------------------------------------

SearchOptions MainWindow::currentSearchOptions() const {
    SearchOptions o;
    o.k = kResultsPerSearch;
    o.root = toStd(folderFilter_->currentData().toString());
    const QDate today = QDate::currentDate();
    switch (dateFilter_->currentData().toInt()) {
    case Last30Days:
        o.dateFrom = toStd(today.addDays(-30).toString(Qt::ISODate));
        break;
    case ThisYear:
        o.dateFrom = toStd(QString::number(today.year()));
        o.dateTo = o.dateFrom;
        break;
    case LastYear:
        o.dateFrom = toStd(QString::number(today.year() - 1));
        o.dateTo = o.dateFrom;
        break;
    case CustomRange:
        o.dateFrom = toStd(dateFrom_->date().toString(Qt::ISODate));
        o.dateTo = toStd(dateTo_->date().toString(Qt::ISODate));
        break;
    default:
        break;
    }
    o.keepUndated = keepUndated_->isChecked();
    o.stackSimilarity = settings_->groupNearIdentical() ? settings_->nearIdenticalSimilarity() : 0.0;
    return o;
}

void MainWindow::updateDateFilter() {
    const int choice = dateFilter_->currentData().toInt();
    dateFrom_->setVisible(choice == CustomRange);
    dateTo_->setVisible(choice == CustomRange);
    keepUndated_->setVisible(choice != AllDates);
}

void MainWindow::runSearch() {
    const QString query = search_->text().trimmed();
    if (query.isEmpty()) return;
    settings_->addToHistory(query);
    history_->setStringList(settings_->searchHistory());
    const int gen = ++searchGeneration_;
    searching_ = true;
    resultInfo_->setText(tr("Searching…"));
    unknownWords_->hide();
    const SearchOptions options = currentSearchOptions();
    backend_->run(
        this, [engine = backend_->enginePtr(), q = toStd(query), options]() { return engine->search(q, options); },
        [this, gen, query](SearchResult r) {
            if (gen != searchGeneration_) return;  // a newer search has started
            lastQuery_ = query;
            showResults(r, Mode::Text, query);
        },
        [this, gen](const QString& message) {
            if (gen != searchGeneration_) return;
            searching_ = false;
            resultInfo_->clear();
            showError(message);
            Q_EMIT searchFinished(-1);
        });
    // Which words the model does not know: said under the field; the results are shown anyway.
    backend_->run(
        this, [engine = backend_->enginePtr(), q = toStd(query)]() { return engine->unknownWords(q); },
        [this, gen](std::vector<std::string> words) {
            if (gen == searchGeneration_) showUnknownWords(words);
        },
        [](const QString&) {});  // only a hint: a failure here says nothing the search does not
}

void MainWindow::showUnknownWords(const std::vector<std::string>& words) {
    if (words.empty()) {
        unknownWords_->hide();
    } else {
        QStringList quoted;
        for (const auto& w : words) quoted << QStringLiteral("“%1”").arg(toQ(w));
        unknownWords_->setText(tr("The model does not know the word(s) %1: the results do not take them into account. "
                                  "Try other words, or teach the model with captions that use them.",
                                  nullptr, int(words.size()))
                                   .arg(QLocale().createSeparatedList(quoted)));
        unknownWords_->show();
    }
    Q_EMIT unknownWordsShown();
}

void MainWindow::browseLibrary() {
    const int gen = ++searchGeneration_;
    searching_ = true;
    SearchOptions options = currentSearchOptions();
    options.k = kPhotosPerBrowse;
    backend_->run(
        this, [engine = backend_->enginePtr(), options]() { return engine->browse(options); },
        [this, gen](SearchResult r) {
            if (gen != searchGeneration_) return;
            showResults(r, Mode::Browse, {});
        },
        [this, gen](const QString& message) {
            if (gen != searchGeneration_) return;
            searching_ = false;
            showError(message);
            Q_EMIT searchFinished(-1);
        });
}

void MainWindow::findSimilar(qint64 photoId) {
    if (photoId == 0) return;
    // A new question: the old query text and folder filter would only mislead.
    search_->clear();
    unknownWords_->hide();
    if (folderFilter_->currentIndex() != 0) {
        const QSignalBlocker block(folderFilter_);
        folderFilter_->setCurrentIndex(0);
    }
    const int gen = ++searchGeneration_;
    searching_ = true;
    similarTo_ = photoId;
    resultInfo_->setText(tr("Searching…"));
    const SearchOptions options = currentSearchOptions();
    backend_->run(
        this,
        [engine = backend_->enginePtr(), photoId, options]() {
            auto r = engine->similar(photoId, options);
            Photo p = engine->photo(photoId);
            return std::make_pair(r, p);
        },
        [this, gen](std::pair<SearchResult, Photo> r) {
            if (gen != searchGeneration_) return;
            showResults(r.first, Mode::Similar, QFileInfo(toQ(r.second.path)).fileName());
        },
        [this, gen](const QString& message) {
            if (gen != searchGeneration_) return;
            searching_ = false;
            resultInfo_->clear();
            showError(message);
            Q_EMIT searchFinished(-1);
        });
}

void MainWindow::showResults(const SearchResult& r, Mode mode, const QString& what) {
    searching_ = false;
    mode_ = mode;
    if (mode != Mode::Text) {
        lastQuery_.clear();
        marks_.clear();
        undo_.reset();
        preview_->setUndo({});
    }
    const int n = int(r.hits.size());
    results_->setMarks({});
    const bool ranked = mode == Mode::Text || mode == Mode::Similar;
    results_->setResults(r.hits, ranked ? r.relevant : r.hits.size(), ranked ? r.stackLeader : std::vector<std::size_t>{});
    delegate_->setShowScores(ranked);
    const QString ms = QLocale().toString(r.milliseconds, 'f', 0);
    // What the grid shows beyond the count: the relevant ones before a clear drop, and stacks.
    QString extra;
    if (ranked && results_->relevantCount() < std::size_t(n))
        extra += QStringLiteral(" · ") + tr("%n clearly relevant, the rest faded", nullptr, int(results_->relevantCount()));
    if (ranked && results_->stackCount() > 0)
        extra += QStringLiteral(" · ") + tr("%n stack(s) of near-identical photos", nullptr, results_->stackCount());
    if (mode == Mode::Text) {
        resultInfo_->setText(tr("%n result(s), %1 ms", nullptr, n).arg(ms) + extra);
    } else if (mode == Mode::Similar) {
        resultInfo_->setText(tr("Similar to %1: %n photo(s)", nullptr, n).arg(what) + extra);
    } else if (mode == Mode::Group) {
        resultInfo_->setText(tr("%n near-identical photo(s)", nullptr, n));
    } else {
        resultInfo_->setText(tr("%n photo(s), newest first", nullptr, n));
        unknownWords_->setText(tr("There is no model yet, so these are all your photos, newest first. Try the demo or "
                                  "import a model (Model menu) to find photos by describing them."));
        unknownWords_->show();
    }
    updateCenterPage();
    if (n > 0) {
        view_->setCurrentIndex(results_->index(0));
        view_->scrollToTop();
    } else {
        preview_->clear();
    }
    if (mode == Mode::Text) reloadMarks();
    Q_EMIT searchFinished(n);
}

void MainWindow::onSelectionChanged() {
    const QList<qint64> ids = selectedPhotoIds();
    if (ids.size() > 1) {
        preview_->showSelectionCount(int(ids.size()));
        return;
    }
    const QModelIndex current = view_->currentIndex();
    if (!current.isValid() || (ids.size() == 1 && results_->rowOfPhoto(ids.first()) != current.row())) {
        if (ids.size() == 1) {
            preview_->showPhoto(results_->photoAt(results_->rowOfPhoto(ids.first())), mode_ == Mode::Text);
            showMarkOfPreview();
        } else {
            preview_->clear();
        }
        return;
    }
    preview_->showPhoto(results_->photoAt(current.row()), mode_ == Mode::Text);
    showMarkOfPreview();
}

QList<qint64> MainWindow::selectedPhotoIds() const {
    QList<qint64> ids;
    for (const QModelIndex& i : view_->selectionModel()->selectedIndexes()) ids << i.data(ResultsModel::PhotoIdRole).toLongLong();
    return ids;
}

// ---- actions on photos ---------------------------------------------------------------------------

QMenu* MainWindow::contextMenuFor(qint64 id) {
    const int count = int(selectedPhotoIds().size());
    auto* menu = new QMenu(this);
    menu->addAction(tr("Open"), this, [this, id] { openPhoto(id); });
    menu->addAction(tr("Show in folder"), this, [this, id] { showInFolder(id); });
    menu->addAction(tr("Find similar"), this, [this, id] { findSimilar(id); });
    menu->addSeparator();
    menu->addAction(count > 1 ? tr("Add caption to %n photo(s)…", nullptr, count) : tr("Add caption…"), this,
                    &MainWindow::askCaption);
    menu->addSeparator();
    const int current = marks_.contains(id) ? (marks_.value(id).relevant ? 1 : -1) : 0;
    QAction* rel = menu->addAction(tr("Relevant"), this, [this, id, current] {
        if (current > 0) clearMark(id);
        else mark(id, true);
    });
    QAction* notRel = menu->addAction(tr("Not relevant"), this, [this, id, current] {
        if (current < 0) clearMark(id);
        else mark(id, false);
    });
    rel->setCheckable(true);
    rel->setChecked(current > 0);
    notRel->setCheckable(true);
    notRel->setChecked(current < 0);
    rel->setEnabled(mode_ == Mode::Text);
    notRel->setEnabled(mode_ == Mode::Text);
    if (const int stack = results_->stackSizeOf(id); stack > 1) {
        menu->addSeparator();
        const bool open = results_->isStackExpanded(id);
        QAction* toggle = menu->addAction(open ? tr("Close the stack") : tr("Show the %n near-identical photo(s)", nullptr, stack - 1),
                                          this, [this, id, open] { toggleStack(id, !open); });
        toggle->setObjectName(QStringLiteral("toggleStack"));
    }
    return menu;
}

void MainWindow::toggleStack(qint64 id, bool open) {
    if (!results_->setStackExpanded(id, open)) return;
    // The keyboard stays on the photo, or on its stack's leader when the photo went into the stack.
    int row = results_->rowOfPhoto(id);
    if (row < 0) row = results_->rowOfPhoto(results_->stackLeaderOf(id));
    if (row >= 0) {
        view_->setCurrentIndex(results_->index(row));
        view_->scrollTo(results_->index(row));
    }
}

DuplicatesDialog* MainWindow::openDuplicates() {
    if (!duplicates_) {
        duplicates_ = new DuplicatesDialog(backend_, settings_->nearIdenticalSimilarity(), this);
        duplicates_->setAttribute(Qt::WA_DeleteOnClose);
        connect(duplicates_, &DuplicatesDialog::openPhotoRequested, this, &MainWindow::openPhoto);
        connect(duplicates_, &DuplicatesDialog::showInFolderRequested, this, &MainWindow::showInFolder);
        connect(duplicates_, &DuplicatesDialog::showGroupRequested, this, &MainWindow::showPhotoGroup);
        connect(duplicates_, &DuplicatesDialog::similarityChosen, this,
                [this](double s) { settings_->setNearIdenticalSimilarity(s); });
    }
    duplicates_->show();
    duplicates_->raise();
    duplicates_->activateWindow();
    if (!duplicates_->running() && duplicates_->groupCount() == 0) duplicates_->find();
    return duplicates_;
}

void MainWindow::showPhotoGroup(const std::vector<Photo>& photos) {
    ++searchGeneration_;  // a search still running must not replace the group
    search_->clear();
    unknownWords_->hide();
    SearchResult r;
    r.hits = photos;
    r.relevant = photos.size();
    showResults(r, Mode::Group, {});
}

void MainWindow::showContextMenu(const QPoint& pos) {
    const QModelIndex index = view_->indexAt(pos);
    if (!index.isValid()) return;
    if (!view_->selectionModel()->isSelected(index)) view_->setCurrentIndex(index);
    QMenu* menu = contextMenuFor(index.data(ResultsModel::PhotoIdRole).toLongLong());
    menu->exec(view_->viewport()->mapToGlobal(pos));
    menu->deleteLater();
}

void MainWindow::showContextMenuForCurrent() {
    const QModelIndex index = view_->currentIndex();
    if (!index.isValid()) return;
    if (!view_->selectionModel()->isSelected(index)) view_->setCurrentIndex(index);
    view_->scrollTo(index);
    QMenu* menu = contextMenuFor(index.data(ResultsModel::PhotoIdRole).toLongLong());
    menu->exec(view_->viewport()->mapToGlobal(view_->visualRect(index).center()));
    menu->deleteLater();
}

namespace {
// False only when the desktop says for certain that no program opens this kind of file
// (xdg-mime knows of no default); when it cannot tell, the desktop is left to try.
bool desktopHasViewerFor(const QString& path) {
    const QString xdgMime = QStandardPaths::findExecutable(QStringLiteral("xdg-mime"));
    if (xdgMime.isEmpty()) return true;
    const QString type = QMimeDatabase().mimeTypeForFile(path).name();
    QProcess p;
    p.start(xdgMime, {QStringLiteral("query"), QStringLiteral("default"), type});
    if (!p.waitForFinished(3000)) {
        p.kill();
        p.waitForFinished(1000);
        return true;
    }
    return p.exitStatus() != QProcess::NormalExit || !p.readAllStandardOutput().left(4096).trimmed().isEmpty();
}
}  // namespace

void MainWindow::openPhoto(qint64 id) {
    const int row = results_->rowOfPhoto(id);
    if (row < 0) return;
    const QString path = toQ(results_->photoAt(row).path);
    // Without a viewer on this computer the photo opens in LowCLIP's own quick look.
    auto fallback = [this, id] {
        const int r = results_->rowOfPhoto(id);
        if (r < 0) return;
        view_->setCurrentIndex(results_->index(r));
        quickLook();
        statusBar()->showMessage(tr("No photo viewer could be started: the photo is shown here instead."), 6000);
    };
    backend_->run(
        this, [path]() { return desktopHasViewerFor(path); },
        [this, path, fallback](bool viewer) {
            if (!viewer || !openUrl(QUrl::fromLocalFile(path))) fallback();
        },
        [fallback](const QString&) { fallback(); });
}

void MainWindow::showInFolder(qint64 id) {
    const int row = results_->rowOfPhoto(id);
    if (row < 0) return;
    revealFile(toQ(results_->photoAt(row).path));
}

void MainWindow::revealInFileManager(const QString& file) {
    showInFileManager(this, file, [this](const QUrl& folder) { return openUrl(folder); });
}

void MainWindow::askCaption() {
    const QList<qint64> ids = selectedPhotoIds();
    if (ids.isEmpty()) return;
    CaptionDialog dialog(int(ids.size()), this);
    if (dialog.exec() != QDialog::Accepted || dialog.text().isEmpty()) return;
    addCaptionToSelection(dialog.text());
}

void MainWindow::addCaptionToSelection(const QString& text) {
    const QList<qint64> ids = selectedPhotoIds();
    if (ids.isEmpty() || text.trimmed().isEmpty()) return;
    std::vector<std::int64_t> list(ids.begin(), ids.end());
    backend_->run(
        this, [engine = backend_->enginePtr(), list, t = toStd(text.trimmed())]() { engine->addCaption(list, t); },
        [this, n = ids.size()]() {
            statusBar()->showMessage(tr("Caption added to %n photo(s).", nullptr, int(n)), 4000);
            preview_->reloadCaptions();
            if (captions_) captions_->reload();
            Q_EMIT captionsChanged();
        },
        [this](const QString& m) { showError(tr("The caption could not be saved: %1").arg(m)); });
}

void MainWindow::mark(qint64 id, bool relevant) {
    if (mode_ != Mode::Text || lastQuery_.isEmpty() || id == 0) return;
    std::optional<FeedbackMark> previous;
    if (marks_.contains(id)) previous = marks_.value(id);
    const QString query = lastQuery_;
    backend_->run(
        this, [engine = backend_->enginePtr(), q = toStd(query), id, relevant]() { return engine->feedback(q, id, relevant); },
        [this, id, relevant, query, previous](std::int64_t markId) {
            undo_ = UndoStep{query, id, markId, previous};
            preview_->setUndo(tr("Undo the mark"));
            statusBar()->showMessage(relevant ? tr("Marked as relevant to “%1”.").arg(query)
                                              : tr("Marked as not relevant to “%1”.").arg(query),
                                     6000);
            reloadMarks();
        },
        [this](const QString& m) {
            showError(tr("The mark could not be saved: %1").arg(m));
            reloadMarks();
        });
}

void MainWindow::clearMark(qint64 id) {
    if (!marks_.contains(id)) return;
    const FeedbackMark previous = marks_.value(id);
    const QString query = lastQuery_;
    backend_->run(
        this, [engine = backend_->enginePtr(), markId = previous.id]() { engine->removeFeedback(markId); },
        [this, id, query, previous]() {
            undo_ = UndoStep{query, id, 0, previous};
            preview_->setUndo(tr("Put the mark back"));
            statusBar()->showMessage(tr("Mark removed."), 6000);
            reloadMarks();
        },
        [this](const QString& m) {
            showError(tr("The mark could not be removed: %1").arg(m));
            reloadMarks();
        });
}

void MainWindow::undoMark() {
    if (!undo_) return;
    const UndoStep step = *undo_;
    undo_.reset();
    preview_->setUndo({});
    backend_->run(
        this,
        [engine = backend_->enginePtr(), step]() {
            if (step.newMark != 0) engine->removeFeedback(step.newMark);
            if (step.previous) engine->feedback(toStd(step.query), step.photoId, step.previous->relevant);
        },
        [this]() {
            statusBar()->showMessage(tr("Mark undone."), 4000);
            reloadMarks();
        },
        [this](const QString& m) {
            showError(tr("The mark could not be undone: %1").arg(m));
            reloadMarks();
        });
}

void MainWindow::reloadMarks() {
    const int gen = ++marksGeneration_;
    if (mode_ != Mode::Text || lastQuery_.isEmpty()) {
        marks_.clear();
        results_->setMarks({});
        showMarkOfPreview();
        return;
    }
    backend_->run(
        this, [engine = backend_->enginePtr()]() { return engine->feedbackMarks(); },
        [this, gen, query = lastQuery_](std::vector<FeedbackMark> all) {
            if (gen != marksGeneration_ || query != lastQuery_) return;
            marks_.clear();
            QHash<qint64, int> shown;
            for (const auto& m : all) {
                if (toQ(m.query).trimmed() != query) continue;
                marks_.insert(m.photoId, m);  // oldest first: the latest mark wins
                shown.insert(m.photoId, m.relevant ? ResultsModel::MarkedRelevant : ResultsModel::MarkedNotRelevant);
            }
            results_->setMarks(shown);
            showMarkOfPreview();
            if (marksDialog_) marksDialog_->reload();
            Q_EMIT marksChanged();
        });
}

void MainWindow::showMarkOfPreview() {
    const qint64 id = preview_->photoId();
    preview_->setMark(id != 0 && marks_.contains(id) ? (marks_.value(id).relevant ? 1 : -1) : 0);
}

FeedbackDialog* MainWindow::openMarks() {
    if (!marksDialog_) {
        marksDialog_ = new FeedbackDialog(backend_, this);
        connect(marksDialog_, &FeedbackDialog::marksChanged, this, [this] {
            undo_.reset();
            preview_->setUndo({});
            reloadMarks();
        });
    } else {
        marksDialog_->reload();
    }
    marksDialog_->show();
    marksDialog_->raise();
    return marksDialog_;
}

void MainWindow::quickLook() {
    const QModelIndex current = view_->currentIndex();
    if (!current.isValid()) return;
    if (!quickLook_) {
        quickLook_ = new QuickLook(backend_, this);
        connect(quickLook_, &QuickLook::step, this, [this](int delta) {
            const int row = view_->currentIndex().row() + delta;
            if (row < 0 || row >= results_->rowCount()) return;
            view_->setCurrentIndex(results_->index(row));
            quickLook_->showPhoto(toQ(results_->photoAt(row).path));
        });
    }
    quickLook_->showPhoto(toQ(results_->photoAt(current.row()).path));
    quickLook_->show();
    quickLook_->raise();
    quickLook_->activateWindow();
}

bool MainWindow::eventFilter(QObject* watched, QEvent* event) {
    if (watched == view_ && event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Space) {
            quickLook();
            return true;
        }
        // Shift+F10 and the Menu key open the current photo's menu, as in every desktop app.
        if (key->key() == Qt::Key_Menu || (key->key() == Qt::Key_F10 && key->modifiers() == Qt::ShiftModifier)) {
            showContextMenuForCurrent();
            return true;
        }
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            const QModelIndex current = view_->currentIndex();
            if (current.isValid()) openPhoto(current.data(ResultsModel::PhotoIdRole).toLongLong());
            return true;
        }
        // + opens the current photo's stack of near-identical photos, − closes it.
        if (key->key() == Qt::Key_Plus || key->key() == Qt::Key_Minus) {
            const QModelIndex current = view_->currentIndex();
            if (current.isValid()) toggleStack(current.data(ResultsModel::PhotoIdRole).toLongLong(), key->key() == Qt::Key_Plus);
            return true;
        }
    }
    if ((watched == indexBox_ || watched == indexText_ || watched == indexBar_) && event->type() == QEvent::MouseButtonRelease) {
        openIndexing();
        return true;
    }
    return QMainWindow::eventFilter(watched, event);
}

// ---- library -----------------------------------------------------------------------------------

void MainWindow::addFolder(const QString& folder) {
    QString dir = folder;
    if (dir.isEmpty())
        dir = QFileDialog::getExistingDirectory(this, tr("Add folder"), QDir::homePath());
    if (dir.isEmpty()) return;
    backend_->run(
        this, [engine = backend_->enginePtr(), d = toStd(dir)]() { engine->addRoot(d); },
        [this]() {
            refreshState();
            indexer_->start();
        },
        [this](const QString& m) { showError(tr("The folder could not be added: %1").arg(m)); });
}

void MainWindow::removeSelectedFolder() {
    auto* item = folders_->currentItem();
    if (!item) return;
    const QString path = item->data(Qt::UserRole).toString();
    if (QMessageBox::question(this, tr("Remove folder"),
                              tr("Remove “%1” from the library? The files stay where they are; LowCLIP forgets their "
                                 "index and captions.")
                                  .arg(path)) != QMessageBox::Yes)
        return;
    backend_->run(
        this, [engine = backend_->enginePtr(), p = toStd(path)]() { engine->removeRoot(p); },
        [this]() {
            results_->clear();
            mode_ = Mode::None;
            preview_->clear();
            refreshState();
        },
        [this](const QString& m) { showError(tr("The folder could not be removed: %1").arg(m)); });
}

void MainWindow::startIndexing() { indexer_->start(); }

void MainWindow::onIndexProgress() {
    const IndexProgressInfo& p = indexer_->progress();
    indexBox_->show();
    if (p.total > 0) {
        indexBar_->setRange(0, 1000);
        indexBar_->setValue(int(1000.0 * double(p.done) / double(p.total)));
        const int percent = int(100.0 * double(p.done) / double(p.total));
        QString text = p.stage == QLatin1String("scan") ? tr("scanning %1%").arg(percent) : tr("indexing %1%").arg(percent);
        if (p.etaSeconds >= 0) text += QStringLiteral(" · ") + formatDuration(p.etaSeconds);
        indexText_->setText(text);
    } else {
        indexBar_->setRange(0, 0);
        indexText_->setText(p.stage == QLatin1String("scan") ? tr("scanning…") : tr("indexing…"));
    }
}

void MainWindow::onIndexFinished(const IndexSummary& summary, const QString& error) {
    indexBox_->hide();
    if (!error.isEmpty()) {
        statusBar()->showMessage(tr("Indexing stopped: %1").arg(error), 10000);
    } else if (indexer_->lastCancelled()) {
        statusBar()->showMessage(tr("Indexing cancelled."), 5000);
    } else if (summary.embedded + summary.added + summary.removed + summary.failed > 0) {
        QString text = tr("Library updated: %1 new, %2 removed, %3 indexed.")
                           .arg(summary.added)
                           .arg(summary.removed)
                           .arg(summary.embedded);
        if (summary.failed > 0) text += QLatin1Char(' ') + tr("%n file(s) could not be read (Library ▸ Indexing details).", nullptr, int(summary.failed));
        statusBar()->showMessage(text, summary.failed > 0 ? 15000 : 6000);
    }
    refreshState();
    prepareSearch();  // the searching model may have changed
}

void MainWindow::prepareSearch() {
    backend_->run(
        this, [engine = backend_->enginePtr()]() { engine->prepareSearch(); }, []() {}, [](const QString&) {});
}

void MainWindow::runDemo() {
    if (QMessageBox::question(this, tr("Try the demo"),
                              tr("The demo draws a few thousand pictures of shapes with Azerbaijani captions, trains a "
                                 "small model on them (a few minutes on this computer) and adds the pictures it did not "
                                 "train on to your library as a demo folder. Start?")) != QMessageBox::Yes)
        return;
    auto* dialog = new QProgressDialog(tr("Preparing the demo…"), tr("Cancel"), 0, 0, this);
    dialog->setWindowTitle(tr("Demo library"));
    dialog->setMinimumDuration(0);
    dialog->setMinimumWidth(420);
    auto cancel = std::make_shared<std::atomic<bool>>(false);
    connect(dialog, &QProgressDialog::canceled, this, [cancel] { cancel->store(true); });
    QPointer<QProgressDialog> guard(dialog);
    DemoProgressFn progress = [guard](const DemoProgress& p) {
        QMetaObject::invokeMethod(guard.data(), [guard, p] {
            if (!guard) return;
            guard->setLabelText(demoProgressText(p));
            const int total = int(std::min<std::size_t>(p.total, 1u << 30));
            guard->setMaximum(total > 0 ? total : 0);
            if (total > 0) guard->setValue(int(std::min<std::size_t>(p.done, std::size_t(total))));
        }, Qt::QueuedConnection);
    };
    auto finish = [this, guard]() {
        if (guard) guard->deleteLater();
        refreshState();
    };
    backend_->run(
        this, [engine = backend_->enginePtr(), progress, cancel]() { engine->runDemo(DemoRequest{}, progress, cancel.get()); },
        [this, finish]() {
            finish();
            search_->setText(QStringLiteral("qırmızı dairə"));
            runSearch();
        },
        [this, finish](const QString& m) {
            finish();
            showError(tr("The demo could not be built: %1").arg(m));
        },
        [this, finish]() {
            finish();
            statusBar()->showMessage(tr("The demo was cancelled."), 5000);
        });
}

QString MainWindow::demoProgressText(const DemoProgress& p) {
    QString stage;
    switch (p.stage) {
    case DemoProgress::Stage::Preparing: stage = tr("Drawing the pictures and building the vocabulary"); break;
    case DemoProgress::Stage::Training:
        stage = p.total > 0 ? tr("Training the demo model: step %1 of %2").arg(p.done).arg(p.total)
                            : tr("Training the demo model");
        break;
    case DemoProgress::Stage::Evaluating: stage = tr("Measuring the model on pictures it has not seen"); break;
    case DemoProgress::Stage::Saving: stage = tr("Saving the model"); break;
    case DemoProgress::Stage::WritingPhotos: stage = tr("Writing the demo photos"); break;
    case DemoProgress::Stage::Indexing:
        stage = p.total > 0 ? tr("Indexing the demo photos: %1 of %2").arg(p.done).arg(p.total)
                            : tr("Indexing the demo photos");
        break;
    case DemoProgress::Stage::Querying: stage = tr("Trying a few searches"); break;
    }
    QString time = tr("elapsed %1").arg(formatDuration(p.elapsedSeconds));
    if (p.etaSeconds >= 0) time += QStringLiteral(" · ") + tr("about %1 left in this stage").arg(formatDuration(p.etaSeconds));
    return stage + QStringLiteral("\n") + time;
}

// ---- windows -----------------------------------------------------------------------------------

CaptionsWindow* MainWindow::openCaptions() {
    if (!captions_) {
        captions_ = new CaptionsWindow(backend_, this);
        connect(captions_, &CaptionsWindow::captionsChanged, this, [this] {
            preview_->reloadCaptions();
            Q_EMIT captionsChanged();
        });
    } else {
        captions_->reload();
    }
    captions_->show();
    captions_->raise();
    return captions_;
}

FineTuneWizard* MainWindow::openFineTune() {
    if (wizard_) {
        wizard_->raise();
        return wizard_;
    }
    wizard_ = new FineTuneWizard(backend_, this);
    wizard_->setAttribute(Qt::WA_DeleteOnClose);
    connect(wizard_, &FineTuneWizard::modelActivated, this, [this] {
        refreshState();
        indexer_->start();  // re-embed the library with the new model
    });
    connect(wizard_, &FineTuneWizard::modelTrained, this, [this] {
        if (models_) models_->reload();
    });
    wizard_->show();
    return wizard_;
}

ModelManager* MainWindow::openModels() {
    if (!models_) {
        models_ = new ModelManager(backend_, this);
        connect(models_, &ModelManager::modelActivated, this, [this] {
            refreshState();
            indexer_->start();
        });
        connect(models_, &ModelManager::modelsChanged, this, &MainWindow::refreshState);
    } else {
        models_->reload();
    }
    models_->show();
    models_->raise();
    return models_;
}

IndexingDialog* MainWindow::openIndexing() {
    if (!indexing_) {
        indexing_ = new IndexingDialog(backend_, indexer_, this);
        connect(indexing_, &IndexingDialog::libraryChanged, this, &MainWindow::refreshState);
    } else {
        indexing_->reloadFailures();
    }
    indexing_->show();
    indexing_->raise();
    return indexing_;
}

void MainWindow::openSettings() {
    const EngineOptions current = settings_->engineOptions();
    QStringList devices;
    try {
        for (const auto& d : backend_->engine().devices()) devices << toQ(d);
    } catch (const std::exception&) {
        devices << QStringLiteral("cpu");
    }
    SettingsDialog dialog(current, settings_->language(), devices, this);
    if (dialog.exec() != QDialog::Accepted) return;
    const EngineOptions o = dialog.options();
    settings_->setEngineOptions(o);
    settings_->setLanguage(dialog.language());
    settings_->sync();
    applyThumbnailSize(o.thumbnailSize);
    backend_->run(this, [engine = backend_->enginePtr(), o]() { engine->configure(o); }, [] {},
                  [this](const QString& m) { showError(tr("The settings could not be applied: %1").arg(m)); });
}

void MainWindow::applyThumbnailSize(int size) {
    thumbs_->setSize(size);
    delegate_->setThumbnailSize(size);
    const int text = view_->fontMetrics().height();
    view_->setGridSize(QSize(size + 16, size + text + 20));
    results_->refreshThumbnails();
}

void MainWindow::importCaptions() {
    importCaptionsInteractive(this, backend_, [this] {
        if (captions_) captions_->reload();
        preview_->reloadCaptions();
    });
}

void MainWindow::exportCaptions() { exportCaptionsInteractive(this, backend_); }

void MainWindow::showAbout() {
    QMessageBox about(this);
    about.setWindowTitle(tr("About LowCLIP"));
    about.setIconPixmap(QIcon(QStringLiteral(":/icons/io.lowclip.Desktop.svg")).pixmap(96, 96));
    about.setText(tr("<h3>LowCLIP %1</h3><p>Finds photos from sentences in Azerbaijani with a CLIP-style dual encoder "
                     "(LowCLIP, arXiv 2408.13909), and learns from your captions.</p><p>Everything runs on this "
                     "computer. LowCLIP never changes or deletes your photos.</p><p>Data folder: %2</p>")
                      .arg(QStringLiteral(LOWCLIP_VERSION), settings_->dataDir().toHtmlEscaped()));
    about.exec();
}

void MainWindow::showImportHelp() {
    QMessageBox::information(
        this, tr("How to get a model"),
        tr("<p>LowCLIP needs a model that links Azerbaijani sentences and pictures.</p>"
           "<ul><li><b>Try the demo</b> (Model menu): trains a small model on generated pictures of shapes in a few "
           "minutes. It understands sentences such as “qırmızı dairə” or “mavi fonda sarı ulduz”, not real photos.</li>"
           "<li><b>A LowCLIP model folder</b> (lowclip.json, model.safetensors, vocab.txt): Model ▸ Models ▸ Import.</li>"
           "<li><b>A Simple-CLIP / LowCLIP state dict</b> saved with torch.save: Import ▸ Simple-CLIP state dict, or "
           "<tt>lowclip-cli import simpleclip STATE_DICT --vocab vocab.txt --out FOLDER</tt>.</li>"
           "<li><b>A multilingual BERT and image backbone weights</b>: Import ▸ Hugging Face BERT + image backbone, "
           "then teach it with your captions (Model ▸ Teach the model).</li></ul>"));
}

void MainWindow::showError(const QString& message) {
    lastError_ = message;
    // Not exec(): the window keeps working (and indexing keeps reporting) while the message is up.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Error"), message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    settings_->setWindowGeometry(saveGeometry());
    settings_->sync();
    indexer_->cancel();
    if (wizard_ && wizard_->isRunning()) wizard_->close();
    event->accept();
}

}  // namespace ui
}  // namespace lowclip
