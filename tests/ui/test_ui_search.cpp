// The main window's search as a person meets it (QtTest, offscreen, fake engine): words the model
// does not know, browsing a library without a model, relevance marks with state, undo and a list,
// find similar starting afresh, photos without a date under a date filter, sorting by date,
// four-digit years, a 640×480 window with nothing cut, the keyboard (focus in the grid, Tab
// through the folders, Shift+F10 and the Menu key), one instance per data folder, opening photos
// without a viewer, show in folder, and names sorted by the UI language's collation.
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QPainter>
#include <QPushButton>
#include <QScopeGuard>
#include <QScrollArea>
#include <QLocalSocket>
#include <QSignalSpy>
#include <QStatusBar>
#include <QStyleOptionViewItem>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>
#include <memory>

#include "tests/ui/fake_engine.h"
#include "ui/app_settings.h"
#include "ui/application.h"
#include "ui/backend.h"
#include "ui/desktop_search.h"
#include "ui/duplicates_dialog.h"
#include "ui/feedback_dialog.h"
#include "ui/thumbnail_loader.h"
#include "ui/main_window.h"
#include "ui/preview_pane.h"
#include "ui/quick_look.h"
#include "ui/result_delegate.h"
#include "ui/results_model.h"
#include "ui/single_instance.h"
#include "ui/ui_util.h"

using namespace lowclip::ui;
using lowclip::ui::testing::FakeEngine;

namespace {

struct Session {
    std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
    std::unique_ptr<AppSettings> settings;
    std::unique_ptr<Backend> backend;
    std::unique_ptr<MainWindow> window;

    explicit Session(const QString& dataDir) { settings = std::make_unique<AppSettings>(dataDir); }
    void open(QSize size = QSize(1280, 800)) {
        backend = std::make_unique<Backend>(engine);
        window = std::make_unique<MainWindow>(backend.get(), settings.get());
        window->resize(size);
        window->show();
        QSignalSpy refreshed(window.get(), &MainWindow::stateRefreshed);
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() > 0, 10000);
    }
    // Runs a text search and waits for its results.
    int search(const QString& query) {
        QSignalSpy found(window.get(), &MainWindow::searchFinished);
        QSignalSpy marks(window.get(), &MainWindow::marksChanged);
        window->searchField()->setText(query);
        window->runSearch();
        if (!found.wait(10000) && found.isEmpty()) return -2;
        if (found.first().at(0).toInt() > 0) marks.wait(5000);
        return found.first().at(0).toInt();
    }
    void idle() {
        backend->waitForIdle();
        QApplication::processEvents();
        backend->waitForIdle();
        QApplication::processEvents();
    }
    ~Session() {
        window.reset();
        if (backend) backend->waitForIdle();
        QApplication::processEvents();
    }
};

// A library of photos with words and dates: "qırmızı" on three of them.
void addPhotos(FakeEngine& e) {
    e.setRoot("/photos");
    e.addPhoto("/photos/a.png", {"qırmızı", "dairə"}, "2021-05-01T10:00:00");
    e.addPhoto("/photos/b.png", {"qırmızı"}, "2023-08-02T11:00:00");
    e.addPhoto("/photos/c.png", {"qırmızı", "ulduz"}, "");
    e.addPhoto("/photos/d.png", {"mavi"}, "2022-01-03T12:00:00");
}

QStringList paths(ResultsModel* m) {
    QStringList out;
    for (int i = 0; i < m->rowCount(); ++i) out << QString::fromStdString(m->photoAt(i).path);
    return out;
}

QString shotsDir() {
    const QByteArray env = qgetenv("LOWCLIP_SHOTS");
    return env.isEmpty() ? QDir::currentPath() : QString::fromLocal8Bit(env);
}

void screenshot(QWidget* w, const QString& name) {
    QApplication::processEvents();
    const QString path = shotsDir() + QLatin1Char('/') + name;
    QVERIFY2(w->grab().save(path), qPrintable(QStringLiteral("cannot write ") + path));
}

// Every visible widget of these kinds is as wide as its contents need and lies inside the window.
void checkNothingCut(QWidget* window) {
    for (QWidget* w : window->findChildren<QWidget*>()) {
        if (!w->isVisible()) continue;
        if (!qobject_cast<QComboBox*>(w) && !qobject_cast<QPushButton*>(w) && !qobject_cast<QCheckBox*>(w)) continue;
        QString what = w->objectName().isEmpty() ? QString::fromLatin1(w->metaObject()->className()) : w->objectName();
        if (auto* b = qobject_cast<QAbstractButton*>(w)) what += QStringLiteral(" “%1”").arg(b->text());
        QVERIFY2(w->width() >= w->minimumSizeHint().width(),
                 qPrintable(QStringLiteral("%1 is %2 px wide, needs %3").arg(what).arg(w->width()).arg(w->minimumSizeHint().width())));
        // Inside the window; in a scroll area (scrolled vertically), inside its width.
        QScrollArea* scroll = nullptr;
        for (QWidget* p = w->parentWidget(); p && p != window && !scroll; p = p->parentWidget()) scroll = qobject_cast<QScrollArea*>(p);
        if (scroll) {
            const QRect inView(w->mapTo(scroll->viewport(), QPoint(0, 0)), w->size());
            QVERIFY2(inView.left() >= 0 && inView.right() < scroll->viewport()->width(),
                     qPrintable(what + QStringLiteral(" is cut at the side of its pane")));
        } else {
            const QRect inWindow(w->mapTo(window, QPoint(0, 0)), w->size());
            QVERIFY2(window->rect().contains(inWindow), qPrintable(what + QStringLiteral(" lies outside the window")));
        }
    }
}

}  // namespace

class TestUiSearch : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;
    int n_ = 0;
    QString dir() { return tmp_.filePath(QString::number(++n_)); }

private Q_SLOTS:
    void unknownWordsAreNamedAndResultsStillShown() {
        Session s(dir());
        s.engine->addModel("demo", true);
        addPhotos(*s.engine);
        s.engine->vocabulary = {"qırmızı", "dairə", "ulduz", "mavi"};
        s.open();
        QSignalSpy said(s.window.get(), &MainWindow::unknownWordsShown);
        QCOMPARE(s.search(QStringLiteral("qırmızı göl")), 3);
        QTRY_VERIFY_WITH_TIMEOUT(said.count() > 0, 10000);
        QLabel* label = s.window->unknownWordsLabel();
        QVERIFY(label->isVisible());
        QVERIFY2(label->text().contains(QStringLiteral("“göl”")), qPrintable(label->text()));
        QVERIFY2(!label->text().contains(QStringLiteral("qırmızı")), qPrintable(label->text()));
        QVERIFY(s.window->resultsView()->isVisible());  // the results are shown all the same
        said.clear();
        QCOMPARE(s.search(QStringLiteral("qırmızı dairə")), 3);
        QTRY_VERIFY_WITH_TIMEOUT(said.count() > 0, 10000);
        QVERIFY(!label->isVisible());
    }

    void libraryWithoutModelIsBrowsedNewestFirst() {
        Session s(dir());
        addPhotos(*s.engine);
        s.open();
        QTRY_VERIFY_WITH_TIMEOUT(s.window->mode() == MainWindow::Mode::Browse && s.window->resultsModel()->rowCount() == 4,
                                 10000);
        QCOMPARE(paths(s.window->resultsModel()), (QStringList{"/photos/b.png", "/photos/d.png", "/photos/a.png",
                                                                "/photos/c.png"}));
        QVERIFY(s.window->resultsView()->isVisible());
        QVERIFY(s.window->unknownWordsLabel()->isVisible());  // says why there is no search
    }

    void findSimilarStartsAfresh() {
        Session s(dir());
        s.engine->addModel("demo", true);
        addPhotos(*s.engine);
        s.open();
        QCOMPARE(s.search(QStringLiteral("qırmızı")), 3);
        QComboBox* folder = s.window->folderChoice();
        QCOMPARE(folder->count(), 2);
        QSignalSpy found(s.window.get(), &MainWindow::searchFinished);
        folder->setCurrentIndex(1);  // searches again, in /photos only
        QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 10000);
        QCOMPARE(s.engine->lastOptions().root, std::string("/photos"));
        found.clear();
        s.window->findSimilar(s.window->resultsModel()->photoAt(0).id);
        QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 10000);
        QCOMPARE(s.window->mode(), MainWindow::Mode::Similar);
        QVERIFY(s.window->searchField()->text().isEmpty());
        QCOMPARE(folder->currentIndex(), 0);
        QCOMPARE(s.engine->lastOptions().root, std::string());
    }

    void photosWithoutDateStayUnderADateFilterUnlessLeftOut() {
        Session s(dir());
        addPhotos(*s.engine);
        s.open();
        QTRY_COMPARE_WITH_TIMEOUT(s.window->resultsModel()->rowCount(), 4, 10000);
        QCheckBox* keep = s.window->keepUndatedChoice();
        QVERIFY(!keep->isVisible());  // no date filter: nothing to keep
        QComboBox* date = s.window->dateChoice();
        QSignalSpy found(s.window.get(), &MainWindow::searchFinished);
        date->setCurrentIndex(4);  // between…: a year ago until today by default; our photos are older
        QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 10000);
        QVERIFY(keep->isVisible());
        QVERIFY(keep->isChecked());
        QVERIFY(s.window->searchOptions().keepUndated);
        QCOMPARE(paths(s.window->resultsModel()), QStringList{"/photos/c.png"});  // only the undated one
        found.clear();
        keep->setChecked(false);
        QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 10000);
        QVERIFY(!s.engine->lastOptions().keepUndated);
        QCOMPARE(s.window->resultsModel()->rowCount(), 0);
    }

    void resultsCanBeSortedByDate() {
        Session s(dir());
        s.engine->addModel("demo", true);
        addPhotos(*s.engine);
        s.open();
        QCOMPARE(s.search(QStringLiteral("qırmızı")), 3);
        const QStringList byRelevance = paths(s.window->resultsModel());
        QCOMPARE(byRelevance, (QStringList{"/photos/a.png", "/photos/b.png", "/photos/c.png"}));
        QComboBox* sort = s.window->sortChoice();
        sort->setCurrentIndex(sort->findData(int(ResultsModel::Order::NewestFirst)));
        QCOMPARE(paths(s.window->resultsModel()), (QStringList{"/photos/b.png", "/photos/a.png", "/photos/c.png"}));
        sort->setCurrentIndex(sort->findData(int(ResultsModel::Order::OldestFirst)));
        QCOMPARE(paths(s.window->resultsModel()), (QStringList{"/photos/a.png", "/photos/b.png", "/photos/c.png"}));
        sort->setCurrentIndex(sort->findData(int(ResultsModel::Order::Relevance)));
        QCOMPARE(paths(s.window->resultsModel()), byRelevance);
        // The preview follows the row, not the old position.
        QCOMPARE(s.window->preview()->photoId(), s.window->resultsModel()->photoAt(0).id);
    }

    void lessRelevantResultsAreFadedAndDateSortKeepsThemLast() {
        Session s(dir());
        s.engine->addModel("demo", true);
        addPhotos(*s.engine);
        s.engine->relevantHits = 1;  // a.png stands out; b and c come after a clear drop
        s.open();
        QCOMPARE(s.search(QStringLiteral("qırmızı")), 3);
        ResultsModel* m = s.window->resultsModel();
        QCOMPARE(m->relevantCount(), std::size_t(1));
        QVERIFY(!m->index(0).data(ResultsModel::LessRelevantRole).toBool());
        QVERIFY(m->index(1).data(ResultsModel::LessRelevantRole).toBool());
        QVERIFY(m->index(2).data(ResultsModel::LessRelevantRole).toBool());
        QVERIFY2(s.window->resultInfo()->text().contains(QStringLiteral("relevant")), qPrintable(s.window->resultInfo()->text()));
        QVERIFY(m->index(1).data(Qt::ToolTipRole).toString().contains(QStringLiteral("Less relevant")));
        // Newest first sorts within each group: the relevant photo (2021) stays before b (2023).
        QComboBox* sort = s.window->sortChoice();
        sort->setCurrentIndex(sort->findData(int(ResultsModel::Order::NewestFirst)));
        QCOMPARE(paths(m), (QStringList{"/photos/a.png", "/photos/b.png", "/photos/c.png"}));
        sort->setCurrentIndex(sort->findData(int(ResultsModel::Order::OldestFirst)));
        QCOMPARE(paths(m), (QStringList{"/photos/a.png", "/photos/b.png", "/photos/c.png"}));
        // Without a cut every photo is relevant and sorting by date mixes them as before.
        s.engine->relevantHits = -1;
        QCOMPARE(s.search(QStringLiteral("qırmızı")), 3);
        sort->setCurrentIndex(sort->findData(int(ResultsModel::Order::NewestFirst)));
        QCOMPARE(paths(m), (QStringList{"/photos/b.png", "/photos/a.png", "/photos/c.png"}));
        QVERIFY(!s.window->resultInfo()->text().contains(QStringLiteral("relevant")));
    }

    void nearIdenticalPhotosStackAndOpen() {
        Session s(dir());
        s.engine->addModel("demo", true);
        addPhotos(*s.engine);
        s.engine->nearIdentical = {{2, 1}};  // b.png looks like a.png
        s.open();
        QVERIFY(s.window->groupNearIdenticalAction()->isChecked());  // on by default
        QCOMPARE(s.search(QStringLiteral("qırmızı")), 3);
        QVERIFY(s.engine->lastOptions().stackSimilarity > 0.8);
        ResultsModel* m = s.window->resultsModel();
        QCOMPARE(m->rowCount(), 2);  // a (with b in its stack) and c
        QCOMPARE(m->photoCount(), std::size_t(3));
        QCOMPARE(paths(m), (QStringList{"/photos/a.png", "/photos/c.png"}));
        QCOMPARE(m->index(0).data(ResultsModel::StackSizeRole).toInt(), 2);
        QCOMPARE(m->index(1).data(ResultsModel::StackSizeRole).toInt(), 1);
        QVERIFY2(s.window->resultInfo()->text().contains(QStringLiteral("stack")), qPrintable(s.window->resultInfo()->text()));
        // The photo's menu opens the stack; the member follows its leader, marked as in the stack.
        QMenu* menu = s.window->contextMenuFor(m->photoAt(0).id);
        QAction* toggle = menu->findChild<QAction*>(QStringLiteral("toggleStack"));
        QVERIFY(toggle);
        toggle->trigger();
        delete menu;
        QCOMPARE(paths(m), (QStringList{"/photos/a.png", "/photos/b.png", "/photos/c.png"}));
        QVERIFY(m->index(1).data(ResultsModel::InStackRole).toBool());
        QVERIFY(m->index(0).data(ResultsModel::StackExpandedRole).toBool());
        // The keyboard closes it again (− on the member closes its stack).
        s.window->resultsView()->setFocus();
        s.window->resultsView()->setCurrentIndex(m->index(1));
        QTest::keyClick(s.window->resultsView(), Qt::Key_Minus);
        QCOMPARE(m->rowCount(), 2);
        QCOMPARE(s.window->resultsView()->currentIndex().row(), 0);  // the keyboard is on the stack's leader
        QTest::keyClick(s.window->resultsView(), Qt::Key_Plus);
        QCOMPARE(m->rowCount(), 3);
        screenshot(s.window.get(), QStringLiteral("search-stack-open.png"));
        // Grouping can be turned off: the search runs again and asks for no stacks.
        QSignalSpy found(s.window.get(), &MainWindow::searchFinished);
        s.window->groupNearIdenticalAction()->setChecked(false);
        QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 10000);
        QCOMPARE(s.engine->lastOptions().stackSimilarity, 0.0);
        QCOMPARE(m->rowCount(), 3);
        QCOMPARE(m->stackCount(), 0);
        QVERIFY(!s.settings->groupNearIdentical());
    }

    void stacksNeverSpanTheRelevanceGapAndBadLeadersStandAlone() {
        ThumbnailLoader loader(std::make_shared<FakeEngine>(), 64);
        ResultsModel m(&loader);
        std::vector<Photo> hits(4);
        for (int i = 0; i < 4; ++i) {
            hits[std::size_t(i)].id = i + 1;
            hits[std::size_t(i)].path = "/p/" + std::to_string(i) + ".png";
        }
        // 2 joins 0 across the gap after 1: it stands alone; 3 names a later leader: alone.
        m.setResults(hits, 2, {0, 0, 0, 3});
        QCOMPARE(m.rowCount(), 3);
        QCOMPARE(m.stackSizeOf(1), 2);
        QCOMPARE(m.stackSizeOf(3), 1);
        m.setResults(hits, 4, {0, 5, 9, 3});  // out of range or later: alone
        QCOMPARE(m.rowCount(), 4);
        QCOMPARE(m.stackCount(), 0);
        QVERIFY(!m.setStackExpanded(1, true));
    }

    void nearIdenticalWindowListsGroupsAndShowsOne() {
        Session s(dir());
        s.engine->addModel("demo", true);
        addPhotos(*s.engine);
        DuplicateScan scan;
        scan.photosChecked = 4;
        scan.photosInGroups = 5;
        DuplicateGroup g1;
        for (const char* path : {"/photos/a.png", "/photos/b.png", "/photos/c.png"}) {
            Photo p;
            p.path = path;
            p.id = path[8] - 'a' + 1;
            p.width = 4000;
            p.height = 3000;
            p.bytes = 2400000;
            g1.photos.push_back(p);
        }
        g1.similarity = {1.0f, 0.99f, 0.985f};
        DuplicateGroup g2;
        g2.photos = {g1.photos[0], g1.photos[1]};
        g2.photos[0].id = 4;
        g2.photos[0].path = "/photos/d.png";
        g2.similarity = {1.0f, 0.97f};
        scan.groups = {g1, g2};
        s.engine->nextDuplicates = scan;
        s.open();
        DuplicatesDialog* d = s.window->openDuplicates();
        QSignalSpy done(d, &DuplicatesDialog::scanFinished);
        QTRY_VERIFY_WITH_TIMEOUT(!d->running(), 10000);
        auto* tree = d->findChild<QTreeWidget*>(QStringLiteral("groups"));
        QVERIFY(tree);
        QCOMPARE(tree->topLevelItemCount(), 2);  // at the default 95 %
        QCOMPARE(tree->topLevelItem(0)->childCount(), 3);
        QVERIFY(tree->topLevelItem(0)->child(0)->text(0).contains(QStringLiteral("a.png")));
        QVERIFY(tree->topLevelItem(0)->child(1)->text(1).contains(QStringLiteral("99")));
        auto* summary = d->findChild<QLabel*>(QStringLiteral("summary"));
        QVERIFY2(summary->text().contains(QStringLiteral("2 group")), qPrintable(summary->text()));
        screenshot(d, QStringLiteral("near-identical-1280.png"));
        // A stricter similarity: the group at 97 % is gone; the setting keeps the choice.
        auto* spin = d->findChild<QDoubleSpinBox*>(QStringLiteral("similarity"));
        spin->setValue(98.0);
        done.clear();
        d->find();
        QTRY_VERIFY_WITH_TIMEOUT(done.count() > 0, 10000);
        QCOMPARE(tree->topLevelItemCount(), 1);
        QCOMPARE(s.settings->nearIdenticalSimilarity(), 0.98);
        // The group goes to the grid.
        QSignalSpy found(s.window.get(), &MainWindow::searchFinished);
        tree->setCurrentItem(tree->topLevelItem(0)->child(1));
        d->findChild<QPushButton*>(QStringLiteral("showGroup"))->click();
        QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 10000);
        QCOMPARE(s.window->mode(), MainWindow::Mode::Group);
        QCOMPARE(paths(s.window->resultsModel()), (QStringList{"/photos/a.png", "/photos/b.png", "/photos/c.png"}));
        // An engine error is said in the window, not thrown.
        s.engine->failWith("duplicates", lowclip::Error(lowclip::ErrorCode::NoModel, "no model (core's English)"));
        done.clear();
        d->find();
        QTRY_VERIFY_WITH_TIMEOUT(done.count() > 0, 10000);
        QCOMPARE(done.first().at(0).toInt(), -1);
        QVERIFY(!summary->text().contains(QStringLiteral("core's English")));
        QCOMPARE(tree->topLevelItemCount(), 0);
    }

    void previewShowsFourDigitYears() {
        const QLocale before;
        for (const QLocale& l : {QLocale(QLocale::English, QLocale::UnitedStates), QLocale(QLocale::Azerbaijani, QLocale::Azerbaijan),
                                 QLocale(QLocale::German, QLocale::Germany)}) {
            QLocale::setDefault(l);
            const QString d = formatPhotoDate(QStringLiteral("2024-07-12"));
            const QString dt = formatPhotoDate(QStringLiteral("2024-07-12T18:03:00"));
            QVERIFY2(d.contains(QStringLiteral("2024")) && d.contains(QStringLiteral("12")), qPrintable(d));
            QVERIFY2(dt.contains(QStringLiteral("2024")) && dt.contains(QStringLiteral("03")), qPrintable(dt));
        }
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
        {
            Session s(dir());
            s.engine->addModel("demo", true);
            addPhotos(*s.engine);
            s.open();
            QCOMPARE(s.search(QStringLiteral("qırmızı dairə")), 3);
            bool found = false;
            for (QLabel* l : s.window->preview()->findChildren<QLabel*>())
                if (l->text().contains(QStringLiteral("2021"))) found = true;
            QVERIFY2(found, "the preview does not show the year 2021 of a.png");
        }
        QLocale::setDefault(before);
    }

    void relevanceMarksShowStateUndoAndCanBeRemoved() {
        Session s(dir());
        s.engine->addModel("demo", true);
        addPhotos(*s.engine);
        s.open();
        QCOMPARE(s.search(QStringLiteral("qırmızı")), 3);
        PreviewPane* p = s.window->preview();
        const qint64 a = s.window->resultsModel()->photoAt(0).id;
        QCOMPARE(p->photoId(), a);
        QVERIFY(!p->relevantButton()->isChecked());
        QVERIFY(!p->undoButton()->isVisible());
        QSignalSpy marks(s.window.get(), &MainWindow::marksChanged);

        p->relevantButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(marks.count() > 0, 10000);
        QCOMPARE(s.engine->feedbackMarks().size(), std::size_t(1));
        QVERIFY(s.engine->feedbackMarks()[0].relevant);
        QVERIFY(p->relevantButton()->isChecked());
        QVERIFY(!p->notRelevantButton()->isChecked());
        QVERIFY(p->undoButton()->isVisible());
        QVERIFY(!p->markLabel()->text().isEmpty());
        QCOMPARE(s.window->resultsModel()->index(0).data(ResultsModel::MarkRole).toInt(), int(ResultsModel::MarkedRelevant));
        QCOMPARE(s.window->resultsModel()->index(1).data(ResultsModel::MarkRole).toInt(), int(ResultsModel::NoMark));

        // A misclick corrected: one mark, now "not relevant".
        marks.clear();
        p->notRelevantButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(marks.count() > 0, 10000);
        QCOMPARE(s.engine->feedbackMarks().size(), std::size_t(1));
        QVERIFY(!s.engine->feedbackMarks()[0].relevant);
        QVERIFY(p->notRelevantButton()->isChecked());
        QVERIFY(!p->relevantButton()->isChecked());

        // Undo puts the "relevant" mark back.
        marks.clear();
        p->undoButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(marks.count() > 0, 10000);
        QCOMPARE(s.engine->feedbackMarks().size(), std::size_t(1));
        QVERIFY(s.engine->feedbackMarks()[0].relevant);
        QVERIFY(p->relevantButton()->isChecked());
        QVERIFY(!p->undoButton()->isVisible());

        // Pressing the marked button again removes the mark; undo brings it back.
        marks.clear();
        p->relevantButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(marks.count() > 0, 10000);
        QVERIFY(s.engine->feedbackMarks().empty());
        QVERIFY(!p->relevantButton()->isChecked());
        QCOMPARE(s.window->resultsModel()->index(0).data(ResultsModel::MarkRole).toInt(), int(ResultsModel::NoMark));
        marks.clear();
        s.window->undoMark();
        QTRY_VERIFY_WITH_TIMEOUT(marks.count() > 0, 10000);
        QCOMPARE(s.engine->feedbackMarks().size(), std::size_t(1));

        // Marks belong to their query: another search shows none.
        QCOMPARE(s.search(QStringLiteral("qırmızı ulduz")), 3);
        s.idle();
        QVERIFY(!p->relevantButton()->isChecked());
        for (int i = 0; i < s.window->resultsModel()->rowCount(); ++i)
            QCOMPARE(s.window->resultsModel()->index(i).data(ResultsModel::MarkRole).toInt(), int(ResultsModel::NoMark));
    }

    void markButtonsStayWhereTheyAre() {
        Session s(dir());
        s.engine->addModel("demo", true);
        s.engine->setRoot("/photos");
        const auto a = s.engine->addPhoto("/photos/a.png", {"x"}, "2021-05-01");
        s.engine->addPhoto("/photos/with a much longer name that wraps over several lines in the preview pane.png", {"x"});
        s.engine->addCaption({a}, std::string(600, 'q'));
        s.open();
        QCOMPARE(s.search(QStringLiteral("x")), 2);
        PreviewPane* p = s.window->preview();
        s.idle();
        const QPoint first = p->relevantButton()->mapTo(p, QPoint(0, 0));
        s.window->resultsView()->setCurrentIndex(s.window->resultsModel()->index(1));
        s.idle();
        QVERIFY(p->photoId() != a);
        QCOMPARE(p->relevantButton()->mapTo(p, QPoint(0, 0)), first);
    }

    void marksAreListedAndRemoved() {
        Session s(dir());
        s.engine->addModel("demo", true);
        addPhotos(*s.engine);
        s.open();
        QCOMPARE(s.search(QStringLiteral("qırmızı")), 3);
        s.engine->feedback("qırmızı", s.window->resultsModel()->photoAt(1).id, true);
        s.engine->feedback("mavi", s.window->resultsModel()->photoAt(2).id, false);
        FeedbackDialog* d = s.window->openMarks();
        QTRY_COMPARE_WITH_TIMEOUT(d->list()->topLevelItemCount(), 2, 10000);
        QStringList queries;
        for (int i = 0; i < 2; ++i) queries << d->list()->topLevelItem(i)->text(0);
        queries.sort();
        QCOMPARE(queries, (QStringList{"mavi", "qırmızı"}));
        QTreeWidgetItem* item = d->list()->findItems(QStringLiteral("qırmızı"), Qt::MatchExactly, 0).value(0);
        QVERIFY(item);
        QCOMPARE(item->text(1), QStringLiteral("b.png"));
        item->setSelected(true);
        QSignalSpy marks(s.window.get(), &MainWindow::marksChanged);
        d->removeSelected();
        QTRY_VERIFY_WITH_TIMEOUT(marks.count() > 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(d->list()->topLevelItemCount(), 1, 10000);
        QCOMPARE(s.engine->feedbackMarks().size(), std::size_t(1));
        QCOMPARE(s.engine->feedbackMarks()[0].query, std::string("mavi"));
    }

    void smallWindowCutsNothing() {
        auto english = qScopeGuard(
            [] { installTranslations(*qobject_cast<QApplication*>(QCoreApplication::instance()), QStringLiteral("en")); });
        for (const QString& lang : {QStringLiteral("en"), QStringLiteral("az")}) {
            installTranslations(*qobject_cast<QApplication*>(QCoreApplication::instance()), lang);
            {
                Session s(dir());
                s.engine->addModel("demo", true);
                addPhotos(*s.engine);
                s.open(QSize(640, 480));
                QVERIFY(s.window->minimumSize().width() <= 640 && s.window->minimumSize().height() <= 480);
                QVERIFY(s.window->minimumSize().width() >= 400);
                s.window->resize(320, 200);  // the minimum holds
                QVERIFY(s.window->width() >= 400);
                s.window->resize(640, 480);
                QCOMPARE(s.search(QStringLiteral("qırmızı")), 3);
                s.idle();
                QCOMPARE(s.window->size(), QSize(640, 480));
                checkNothingCut(s.window.get());
                screenshot(s.window.get(), QStringLiteral("ui_search_640_%1.png").arg(lang));
                s.window->resize(1280, 800);
                s.idle();
                checkNothingCut(s.window.get());
                screenshot(s.window.get(), QStringLiteral("ui_search_1280_%1.png").arg(lang));
            }
            {
                Session s(dir());  // the welcome page
                s.open(QSize(640, 480));
                s.idle();
                checkNothingCut(s.window.get());
                screenshot(s.window.get(), QStringLiteral("ui_welcome_640_%1.png").arg(lang));
            }
            {
                Session s(dir());  // browsing without a model
                addPhotos(*s.engine);
                s.open(QSize(640, 480));
                QTRY_COMPARE_WITH_TIMEOUT(s.window->resultsModel()->rowCount(), 4, 10000);
                s.idle();
                checkNothingCut(s.window.get());
                screenshot(s.window.get(), QStringLiteral("ui_browse_640_%1.png").arg(lang));
            }
        }
    }

    void gridShowsWhereTheKeyboardIs() {
        // The current cell is nearly always the selected one too: its focus frame must show on a
        // selected cell, not only on others.
        ResultDelegate delegate(64);
        QListView view;
        QStyleOptionViewItem option;
        option.initFrom(&view);
        option.rect = QRect(0, 0, 100, 110);
        option.state = QStyle::State_Enabled | QStyle::State_Selected;
        QImage plain(120, 120, QImage::Format_ARGB32), focused(120, 120, QImage::Format_ARGB32);
        for (QImage* img : {&plain, &focused}) {
            img->fill(Qt::white);
            QPainter painter(img);
            QStyleOptionViewItem o = option;
            if (img == &focused) o.state |= QStyle::State_HasFocus;
            delegate.paint(&painter, o, QModelIndex());
        }
        int differing = 0;
        for (int y = 0; y < plain.height(); ++y)
            for (int x = 0; x < plain.width(); ++x)
                if (plain.pixel(x, y) != focused.pixel(x, y)) ++differing;
        // A solid frame around the cell (about 800 pixels), not dots half hidden under the
        // selection (the old dotted frame changed 133).
        QVERIFY2(differing > 400, qPrintable(QString::number(differing)));
    }

    void tabThroughFoldersKeepsTheFilter() {
        Session s(dir());
        s.engine->addModel("demo", true);
        addPhotos(*s.engine);
        s.open();
        QListWidget* folders = s.window->folderList();
        QTRY_COMPARE_WITH_TIMEOUT(folders->count(), 1, 10000);
        folders->setFocus(Qt::TabFocusReason);
        QTest::keyClick(folders, Qt::Key_Down);
        QTest::keyClick(folders, Qt::Key_Home);
        QCOMPARE(folders->currentRow(), 0);
        QCOMPARE(s.window->folderChoice()->currentIndex(), 0);  // moving is not choosing
        QTest::keyClick(folders, Qt::Key_Return);
        QCOMPARE(s.window->folderChoice()->currentIndex(), 1);
    }

    void shiftF10AndMenuKeyOpenTheContextMenu() {
        Session s(dir());
        s.engine->addModel("demo", true);
        addPhotos(*s.engine);
        s.open();
        QCOMPARE(s.search(QStringLiteral("qırmızı")), 3);
        QListView* view = s.window->resultsView();
        view->setFocus();
        view->setCurrentIndex(s.window->resultsModel()->index(1));
        for (const auto& key : {std::make_pair(Qt::Key_F10, Qt::KeyboardModifiers(Qt::ShiftModifier)),
                                std::make_pair(Qt::Key_Menu, Qt::KeyboardModifiers(Qt::NoModifier))}) {
            QStringList seen;
            QTimer::singleShot(200, [&seen] {
                if (auto* menu = qobject_cast<QMenu*>(QApplication::activePopupWidget())) {
                    for (QAction* a : menu->actions())
                        if (!a->isSeparator()) seen << a->text();
                    menu->close();
                }
            });
            QTest::keyClick(view, key.first, key.second);
            QTRY_VERIFY_WITH_TIMEOUT(!seen.isEmpty(), 5000);
            QVERIFY2(seen.contains(QStringLiteral("Find similar")), qPrintable(seen.join(QLatin1Char('|'))));
        }
    }

    void theDesktopSearchAnswersOnlyWhatItShould() {
        auto engine = std::make_shared<FakeEngine>();
        engine->addModel("demo", true);
        addPhotos(*engine);
        engine->vocabulary = {"qırmızı", "dairə", "ulduz", "mavi"};
        DesktopSearch::Options o;
        o.maxResults = 2;
        o.guiProgram = QStringLiteral("/opt/lowclip/lowclip");
        DesktopSearch search(engine, o);
        QStringList started;
        search.startDetached = [&started](const QString& program, const QStringList& args) {
            started << program + QLatin1Char('|') + args.join(QLatin1Char('|'));
            return true;
        };
        QSignalSpy used(&search, &DesktopSearch::used);
        // Best first, bounded by maxResults, each search looking for the window's changes first.
        QCOMPARE(search.search({QStringLiteral("qırmızı"), QStringLiteral("dairə")}),
                 (QStringList{QStringLiteral("photo:1"), QStringLiteral("photo:2")}));
        QCOMPARE(engine->refreshCalls.load(), 1);
        QVERIFY(used.count() >= 1);
        // Only the relevant part of the list.
        engine->relevantHits = 1;
        QCOMPARE(search.search({QStringLiteral("qırmızı")}), QStringList{QStringLiteral("photo:1")});
        engine->relevantHits = -1;
        // Too short; every word unknown (one known word is enough to answer).
        QVERIFY(search.search({QStringLiteral("ab")}).isEmpty());
        QVERIFY(search.search({QStringLiteral("göl"), QStringLiteral("dəniz")}).isEmpty());
        QCOMPARE(search.lastUnknownWords(), (QStringList{QStringLiteral("göl"), QStringLiteral("dəniz")}));
        QCOMPARE(search.search({QStringLiteral("göl"), QStringLiteral("mavi")}), QStringList{QStringLiteral("photo:4")});
        // An engine error is an empty answer with a sentence of our own, never a crash.
        engine->failWith("search", lowclip::Error(lowclip::ErrorCode::NoModel, "core-side text: no embedder loaded"));
        QVERIFY(search.search({QStringLiteral("qırmızı")}).isEmpty());
        QVERIFY(!search.lastError().isEmpty());
        QVERIFY2(!search.lastError().contains(QLatin1String("core-side")), qPrintable(search.lastError()));
        engine->clearFailures();
        // Metas: names, dates and folders; foreign and gone ids are left out. No thumbnail cache
        // configured: the icon is the photo.
        const auto metas = search.metas({QStringLiteral("photo:1"), QStringLiteral("photo:99"), QStringLiteral("x:1"),
                                         QStringLiteral("photo:"), QStringLiteral("photo:99999999999999999999999"),
                                         QStringLiteral("photo:3")});
        QCOMPARE(metas.size(), 2);
        QCOMPARE(metas[0].name, QStringLiteral("a.png"));
        QVERIFY2(metas[0].description.contains(QLatin1String("2021")), qPrintable(metas[0].description));
        QVERIFY(metas[0].description.contains(QLatin1String("/photos")));
        QCOMPARE(metas[0].icon, QStringLiteral("/photos/a.png"));
        QCOMPARE(metas[1].description, QStringLiteral("/photos"));  // no date taken
        // KRunner's match carries the scores, best first.
        const auto matched = search.match({QStringLiteral("qırmızı"), QStringLiteral("dairə")});
        QCOMPARE(matched.size(), 2);
        QVERIFY(matched[0].score > matched[1].score);
        // Opening and launching go to the desktop's opener and the window; unknown ids do nothing.
        QVERIFY(search.activate(QStringLiteral("photo:2")));
        QVERIFY(!search.activate(QStringLiteral("photo:99")));
        QVERIFY(!search.activate(QStringLiteral("../photo:2")));
        QVERIFY(search.launchSearch({QStringLiteral("qırmızı"), QStringLiteral("  dairə")}));
        QCOMPARE(started, (QStringList{QStringLiteral("xdg-open|/photos/b.png"),
                                       QStringLiteral("/opt/lowclip/lowclip|--search|qırmızı dairə")}));
        QCOMPARE(search.actions().size(), 2);
    }

    void aSecondStartRaisesTheFirst() {
        const QString key = tmp_.filePath(QStringLiteral("instance-data"));
        SingleInstance first(key);
        QVERIFY(!first.forwardToRunning(300));  // nobody there yet
        QVERIFY(first.listen());
        QSignalSpy raised(&first, &SingleInstance::activationRequested);
        SingleInstance second(key);
        QCOMPARE(second.serverName(), first.serverName());
        QVERIFY(second.forwardToRunning());
        QTRY_COMPARE_WITH_TIMEOUT(raised.count(), 1, 5000);
        QCOMPARE(raised.at(0).at(0).toString(), QString());
        // --search in a second start: the running window is asked to search (the desktop's
        // "search in LowCLIP"), Azerbaijani letters intact, spaces tidied, length bounded.
        QVERIFY(second.forwardToRunning(1500, QStringLiteral("  qırmızı   DAİRƏ ")));
        QTRY_COMPARE_WITH_TIMEOUT(raised.count(), 2, 5000);
        QCOMPARE(raised.at(1).at(0).toString(), QStringLiteral("qırmızı DAİRƏ"));
        QVERIFY(second.forwardToRunning(1500, QString(5000, QLatin1Char('a'))));
        QTRY_COMPARE_WITH_TIMEOUT(raised.count(), 3, 5000);
        QCOMPARE(raised.at(2).at(0).toString().size(), 512);
        // A peer sending garbage or an endless line raises nothing and is let go.
        for (const QByteArray& junk : {QByteArray("search !!!notbase64\n"), QByteArray("hello\n"), QByteArray(10000, 'x')}) {
            QLocalSocket peer;
            peer.connectToServer(first.serverName());
            QVERIFY(peer.waitForConnected(2000));
            peer.write(junk);
            QVERIFY(peer.waitForBytesWritten(2000));
            QTRY_VERIFY_WITH_TIMEOUT(peer.state() == QLocalSocket::UnconnectedState, 5000);
        }
        QCOMPARE(raised.count(), 3);
        SingleInstance other(key + QStringLiteral("-other"));
        QVERIFY(other.serverName() != first.serverName());
        QVERIFY(!other.forwardToRunning(300));
    }

    void openingWithoutAViewerShowsThePhotoHere() {
        Session s(dir());
        s.engine->addModel("demo", true);
        addPhotos(*s.engine);
        s.open();
        QStringList asked;
        s.window->openUrl = [&asked](const QUrl& u) {
            asked << u.toLocalFile();
            return false;  // no viewer installed
        };
        QString revealed;
        s.window->revealFile = [&revealed](const QString& f) { revealed = f; };
        QCOMPARE(s.search(QStringLiteral("qırmızı")), 3);
        QListView* view = s.window->resultsView();
        view->setFocus();
        view->setCurrentIndex(s.window->resultsModel()->index(1));
        QTest::keyClick(view, Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(s.window->quickLookWindow() && s.window->quickLookWindow()->isVisible(), 10000);
        QCOMPARE(view->currentIndex().row(), 1);
        s.window->quickLookWindow()->close();
        auto* showInFolder = s.window->preview()->findChild<QPushButton*>(QStringLiteral("showInFolder"));
        QVERIFY(showInFolder);
        showInFolder->click();
        QCOMPARE(revealed, QStringLiteral("/photos/b.png"));
    }

    void namesSortByTheLanguage() {
        const QLocale before;
        QLocale::setDefault(QLocale(QLocale::Azerbaijani, QLocale::Azerbaijan));
        QStringList names{"scene_10", "Çiçək", "scene_2", "Cəmilə", "dəniz", "ağac", "Ədalət", "ev"};
        sortForDisplay(names);
        QCOMPARE(names, (QStringList{"ağac", "Cəmilə", "Çiçək", "dəniz", "ev", "Ədalət", "scene_2", "scene_10"}));
        QVERIFY(lessForDisplay(QStringLiteral("Çiçək"), QStringLiteral("scene_1")));
        QLocale::setDefault(before);
    }
};

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? QByteArray("offscreen") : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    setApplicationIdentity();
    installTranslations(app, QStringLiteral("en"));
    TestUiSearch test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_ui_search.moc"
