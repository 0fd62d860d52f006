// GUI tests of the desktop application (QtTest, offscreen). A tiny demo model and demo library are
// built once through the engine facade (the same code path as Model ▸ Try the demo), then the
// window is driven as a person would: typing a query, captioning, teaching, indexing and cancelling.
// Screenshots of the main states go to $LOWCLIP_BUILD_DIR (or the current folder) as ui_*.png.
#include <QApplication>
#include <QTimer>
#include <QMessageBox>
#include <QCheckBox>
#include <QChartView>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QGroupBox>
#include <QImage>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QListView>
#include <QListWidget>
#include <QPainter>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>
#include <memory>

#include "ui/app_settings.h"
#include "ui/application.h"
#include "ui/backend.h"
#include "ui/captions_window.h"
#include "ui/engine/engine.h"
#include "ui/finetune_wizard.h"
#include "ui/index_controller.h"
#include "ui/indexing_dialog.h"
#include "ui/main_window.h"
#include "ui/model_manager.h"
#include "ui/preview_pane.h"
#include "ui/results_model.h"

using namespace lowclip::ui;

namespace {

QString screenshotDir() {
    const QByteArray env = qgetenv("LOWCLIP_BUILD_DIR");
    return env.isEmpty() ? QDir::currentPath() : QString::fromLocal8Bit(env);
}

void screenshot(QWidget* w, const QString& name) {
    QApplication::processEvents();
    const QString path = screenshotDir() + QLatin1Char('/') + name;
    QVERIFY2(w->grab().save(path), qPrintable(QStringLiteral("cannot write ") + path));
    qInfo("screenshot: %s", qPrintable(path));
}

// Everything one open data folder needs: settings, engine, backend (destroyed in that order reversed).
struct Session {
    std::unique_ptr<AppSettings> settings;
    std::unique_ptr<Backend> backend;
    std::unique_ptr<MainWindow> window;

    explicit Session(const QString& dataDir, bool withWindow = true) {
        settings = std::make_unique<AppSettings>(dataDir);
        EngineOptions o = settings->engineOptions();
        o.device = "cpu";
        o.threads = 2;
        backend = std::make_unique<Backend>(std::shared_ptr<Engine>(openEngine(dataDir.toStdString(), o)));
        if (withWindow) {
            window = std::make_unique<MainWindow>(backend.get(), settings.get());
            window->resize(1280, 800);
            window->show();
        }
    }
    ~Session() {
        if (window) {
            window->indexController()->cancel();
            QTRY_VERIFY_WITH_TIMEOUT(!window->indexController()->isRunning(), 60000);
        }
        window.reset();
        backend->waitForIdle();
        QApplication::processEvents();
        backend.reset();
    }
    Engine& engine() { return backend->engine(); }
};

// Writes `count` small distinct PNG photos into `folder`.
void writePhotos(const QString& folder, int count) {
    QDir().mkpath(folder);
    for (int i = 0; i < count; ++i) {
        QImage img(96, 72, QImage::Format_RGB32);
        img.fill(QColor::fromHsv((i * 37) % 360, 200, 220));
        QPainter p(&img);
        p.setBrush(QColor::fromHsv((i * 91 + 120) % 360, 255, 160));
        p.drawEllipse(QPoint(20 + (i * 7) % 56, 20 + (i * 5) % 32), 10 + i % 12, 10 + i % 9);
        p.end();
        QVERIFY(img.save(QStringLiteral("%1/photo_%2.png").arg(folder).arg(i, 4, 10, QLatin1Char('0'))));
    }
}

// Types text as key events, one character at a time (QTest::keyClicks handles ASCII only).
void typeText(QWidget* w, const QString& text) {
    for (const QChar ch : text) {
        QKeyEvent press(QEvent::KeyPress, 0, Qt::NoModifier, QString(ch));
        QKeyEvent release(QEvent::KeyRelease, 0, Qt::NoModifier, QString(ch));
        QApplication::sendEvent(w, &press);
        QApplication::sendEvent(w, &release);
    }
}

}  // namespace

class TestUi : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;
    QString demoDir_;  // data folder with the tiny demo model and its library

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        demoDir_ = tmp_.filePath(QStringLiteral("demo-data"));
        QVERIFY(QDir().mkpath(demoDir_));
        Session s(demoDir_, false);
        DemoRequest r;
        r.steps = 20;
        r.batchSize = 16;
        r.evalImages = 16;
        r.tinyModel = true;
        QElapsedTimer t;
        t.start();
        s.engine().runDemo(r, {}, nullptr);
        qInfo("tiny demo built in %.1f s", t.elapsed() / 1000.0);
        const LibraryState st = s.engine().state();
        QVERIFY(st.hasModel);
        QCOMPARE(st.roots.size(), std::size_t(1));
        QVERIFY2(st.photos >= 16, qPrintable(QString::number(st.photos)));
        QCOMPARE(st.embedded, st.photos);
    }

    void dataFolderMatchesTheCli() {
        setApplicationIdentity();
        const QByteArray old = qgetenv("XDG_DATA_HOME");
        qputenv("XDG_DATA_HOME", tmp_.filePath(QStringLiteral("xdg")).toLocal8Bit());
        QCOMPARE(defaultDataDir(), tmp_.filePath(QStringLiteral("xdg")) + QStringLiteral("/lowclip"));
        if (old.isEmpty()) qunsetenv("XDG_DATA_HOME");
        else qputenv("XDG_DATA_HOME", old);
        QCOMPARE(QCoreApplication::applicationName(), QStringLiteral("lowclip"));
        QVERIFY(QCoreApplication::organizationName().isEmpty());
    }

    void translationsAreEmbedded() {
        auto& app = *qobject_cast<QApplication*>(QCoreApplication::instance());
        QCOMPARE(installTranslations(app, QStringLiteral("az")), QStringLiteral("az"));
        QCOMPARE(QCoreApplication::translate("lowclip::ui::MainWindow", "Search"), QStringLiteral("Axtar"));
        QCOMPARE(QCoreApplication::translate("lowclip::ui::PreviewPane", "Find similar"), QStringLiteral("Oxşarlarını tap"));
        installTranslations(app, QStringLiteral("en"));
        QCOMPARE(QCoreApplication::translate("lowclip::ui::MainWindow", "Search"), QStringLiteral("Search"));
    }

    void typingAQueryShowsResults() {
        Session s(demoDir_);
        QSignalSpy refreshed(s.window.get(), &MainWindow::stateRefreshed);
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() > 0, 20000);
        QVERIFY(s.window->libraryState().hasModel);
        QSignalSpy found(s.window.get(), &MainWindow::searchFinished);
        s.window->searchField()->setFocus();
        typeText(s.window->searchField(), QStringLiteral("qırmızı dairə"));
        QCOMPARE(s.window->searchField()->text(), QStringLiteral("qırmızı dairə"));
        QTest::keyClick(s.window->searchField(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 60000);
        const int n = found.takeFirst().at(0).toInt();
        QVERIFY2(n > 0, qPrintable(s.window->lastError()));
        QCOMPARE(s.window->resultsModel()->rowCount(), n);
        QVERIFY(s.window->resultsView()->isVisible());
        // Scores come sorted, best first.
        for (int i = 1; i < n; ++i)
            QVERIFY(s.window->resultsModel()->photoAt(i - 1).score >= s.window->resultsModel()->photoAt(i).score);
        // The first result is selected and previewed; its thumbnail arrives from a worker thread.
        QTRY_COMPARE_WITH_TIMEOUT(s.window->preview()->photoId(), s.window->resultsModel()->photoAt(0).id, 10000);
        const QModelIndex first = s.window->resultsModel()->index(0);
        QTRY_VERIFY_WITH_TIMEOUT(!first.data(Qt::DecorationRole).value<QPixmap>().isNull(), 20000);
        QVERIFY(s.window->resultInfo()->text().contains(QString::number(n)));
        // Arrow keys move through the results.
        s.window->resultsView()->setFocus();
        QTest::keyClick(s.window->resultsView(), Qt::Key_Right);
        QTRY_COMPARE(s.window->resultsView()->currentIndex().row(), 1);
        QTest::qWait(300);  // let the thumbnails of the visible cells land
        screenshot(s.window.get(), QStringLiteral("ui_main_results.png"));

        // Find similar on the selected photo.
        const qint64 id = s.window->resultsModel()->photoAt(1).id;
        found.clear();
        s.window->findSimilar(id);
        QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 30000);
        QVERIFY(found.takeFirst().at(0).toInt() > 0);
        QCOMPARE(s.window->mode(), MainWindow::Mode::Similar);
        for (int i = 0; i < s.window->resultsModel()->rowCount(); ++i) QVERIFY(s.window->resultsModel()->photoAt(i).id != id);
    }

    void azerbaijaniWindow() {
        auto& app = *qobject_cast<QApplication*>(QCoreApplication::instance());
        installTranslations(app, QStringLiteral("az"));
        {
            Session s(demoDir_);
            QCOMPARE(s.window->searchField()->placeholderText(),
                     QStringLiteral("Nə axtarırsınız? Məsələn: dənizdə gün batımı"));
            QSignalSpy found(s.window.get(), &MainWindow::searchFinished);
            s.window->searchField()->setText(QStringLiteral("sarı ulduz"));
            s.window->runSearch();
            QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 60000);
            QVERIFY(found.first().at(0).toInt() > 0);
            QVERIFY2(s.window->resultInfo()->text().contains(QStringLiteral("nəticə")), qPrintable(s.window->resultInfo()->text()));
            QTest::qWait(300);
            screenshot(s.window.get(), QStringLiteral("ui_main_results_az.png"));
        }
        installTranslations(app, QStringLiteral("en"));
    }

    void captionsEditedInTheUiPersist() {
        QString edited;
        {
            Session s(demoDir_);
            QSignalSpy found(s.window.get(), &MainWindow::searchFinished);
            s.window->searchField()->setText(QStringLiteral("mavi ulduz"));
            s.window->runSearch();
            QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 60000);
            QVERIFY(s.window->resultsModel()->rowCount() >= 2);
            // Two photos selected, one caption for both.
            auto* sel = s.window->resultsView()->selectionModel();
            sel->clearSelection();
            sel->select(s.window->resultsModel()->index(0), QItemSelectionModel::Select);
            sel->select(s.window->resultsModel()->index(1), QItemSelectionModel::Select);
            QSignalSpy changed(s.window.get(), &MainWindow::captionsChanged);
            s.window->addCaptionToSelection(QStringLiteral("sahildə İki mavi ulduz"));
            QTRY_VERIFY_WITH_TIMEOUT(changed.count() > 0, 20000);

            CaptionsWindow* w = s.window->openCaptions();
            QTRY_VERIFY_WITH_TIMEOUT(!w->isLoading() && w->model()->rowCount() >= 2, 20000);
            // Filtering follows Azerbaijani case rules: "iki" matches "İki".
            auto* filter = w->findChild<QLineEdit*>();
            QVERIFY(filter);
            filter->setText(QStringLiteral("iki"));
            QTRY_COMPARE(w->table()->model()->rowCount(), 2);
            filter->setText(QStringLiteral("IKI"));  // dotless I lower-cases to ı: no match
            QTRY_COMPARE(w->table()->model()->rowCount(), 0);
            filter->clear();
            // Edit the first caption in place, as a person would: F2, type, Enter.
            const QModelIndex cell = w->table()->model()->index(0, CaptionsModel::TextColumn);
            w->table()->setCurrentIndex(cell);
            w->table()->setFocus();
            QTest::keyClick(w->table(), Qt::Key_F2);
            QLineEdit* editor = nullptr;
            QTRY_VERIFY((editor = w->table()->viewport()->findChild<QLineEdit*>()) != nullptr);
            edited = QStringLiteral("qırmızı fonda mavi ulduz");
            editor->setFocus();
            QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
            typeText(editor, edited);
            QSignalSpy saved(w, &CaptionsWindow::captionsChanged);
            QTest::keyClick(editor, Qt::Key_Return);
            QTRY_VERIFY_WITH_TIMEOUT(saved.count() > 0, 20000);
            w->resize(760, 360);
            screenshot(w, QStringLiteral("ui_captions.png"));
        }
        // A new session on the same folder sees the captions as edited.
        Session again(demoDir_, false);
        const auto list = again.engine().captions();
        QCOMPARE(list.size(), std::size_t(2));
        bool foundEdited = false, foundOriginal = false;
        for (const auto& c : list) {
            foundEdited = foundEdited || QString::fromStdString(c.text) == edited;
            foundOriginal = foundOriginal || QString::fromStdString(c.text) == QStringLiteral("sahildə İki mavi ulduz");
        }
        QVERIFY(foundEdited);
        QVERIFY(foundOriginal);
    }

    void fineTuneRunsOneEpochAndShowsTheChart() {
        Session s(demoDir_);
        // Captions for a few photos: the demo photos' scenes are unknown here, any text will do.
        std::vector<Photo> photos = s.engine().search("dairə", SearchOptions{}).hits;
        QVERIFY(photos.size() >= 8);
        const char* texts[] = {"qırmızı dairə", "mavi kvadrat", "yaşıl üçbucaq", "sarı ulduz",
                               "ağ fonda qara xaç", "böyük çəhrayı ürək", "iki boz romb", "narıncı düzbucaqlı"};
        for (int i = 0; i < 8; ++i) s.engine().addCaption({photos[std::size_t(i)].id}, texts[i]);

        FineTuneWizard* wizard = s.window->openFineTune();
        QTRY_VERIFY_WITH_TIMEOUT(wizard->currentPage()->isComplete(), 20000);
        QVERIFY(wizard->pairs() >= 8);
        wizard->next();
        QCOMPARE(wizard->currentId(), int(FineTuneWizard::HowPage));
        auto* advanced = wizard->findChild<QCheckBox*>(QStringLiteral("advancedToggle"));
        QVERIFY(advanced);
        advanced->setChecked(true);
        auto spins = wizard->findChildren<QSpinBox*>();
        QVERIFY(!spins.isEmpty());
        spins.first()->setValue(1);  // epochs
        QCOMPARE(wizard->request().epochs, 1);
        QSignalSpy trained(wizard, &FineTuneWizard::modelTrained);
        wizard->next();
        QCOMPARE(wizard->currentId(), int(FineTuneWizard::RunPage));
        QTRY_VERIFY_WITH_TIMEOUT(!wizard->isRunning(), 180000);
        QVERIFY2(wizard->isFinished(), "the run did not finish");
        QCOMPARE(trained.count(), 1);
        QVERIFY(wizard->lossSeries()->count() > 0);
        QVERIFY(wizard->recallSeries()->count() > 0);
        QVERIFY(!wizard->outcome().before.empty());
        QVERIFY(!wizard->outcome().after.empty());
        QVERIFY(wizard->useButton()->isVisible());
        const QString newModel = QString::fromStdString(wizard->outcome().modelName);
        QVERIFY(QFileInfo(demoDir_ + QStringLiteral("/models/") + newModel + QStringLiteral("/lowclip.json")).exists());
        screenshot(wizard, QStringLiteral("ui_finetune.png"));

        // The model manager lists the new model with its metrics.
        ModelManager* manager = s.window->openModels();
        QTRY_VERIFY_WITH_TIMEOUT(manager->list()->topLevelItemCount() >= 2, 20000);
        screenshot(manager, QStringLiteral("ui_models.png"));
        wizard->close();
    }

    // A caption on a photo that cannot be read is the person's too: it is listed, and can be deleted.
    void captionOnAnUnreadablePhotoIsListed() {
        const QString dir = tmp_.filePath(QStringLiteral("unreadable-data"));
        const QString photos = tmp_.filePath(QStringLiteral("unreadable-photos"));
        writePhotos(photos, 3);
        {
            QFile broken(photos + QStringLiteral("/kəsik.jpg"));
            QVERIFY(broken.open(QIODevice::WriteOnly));
            broken.write(QByteArray::fromHex("ffd8ffe000104a464946"));  // a JPEG cut off in its header
        }
        {
            Session s(dir, false);
            ImportRequest r;
            r.kind = ImportRequest::Kind::Bundle;
            r.name = "demo";
            r.source = (demoDir_ + QStringLiteral("/models/demo")).toStdString();
            s.engine().importModel(r, {}, nullptr);
            s.engine().addRoot(photos.toStdString());
            const IndexSummary sum = s.engine().index({}, nullptr);
            QCOMPARE(sum.failed, std::size_t(1));
            const auto failed = s.engine().failures();
            QCOMPARE(failed.size(), std::size_t(1));
            QVERIFY(failed[0].photoId > 0);
            s.engine().addCaption({failed[0].photoId}, "kəsik şəkil");
        }
        Session s(dir);
        CaptionsWindow* w = s.window->openCaptions();
        QTRY_VERIFY_WITH_TIMEOUT(!w->isLoading() && w->model()->rowCount() == 1, 20000);
        QCOMPARE(QString::fromStdString(w->model()->captionAt(0).text), QStringLiteral("kəsik şəkil"));
        w->table()->selectRow(0);
        QTimer::singleShot(100, [] {
            if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) box->button(QMessageBox::Yes)->click();
        });
        w->deleteSelected();
        QTRY_VERIFY_WITH_TIMEOUT(s.engine().captions().empty(), 20000);
    }

    void cancellingIndexingLeavesAConsistentLibrary() {
        const QString dir = tmp_.filePath(QStringLiteral("cancel-data"));
        const QString photos = tmp_.filePath(QStringLiteral("cancel-photos"));
        const int count = 1200;  // enough that indexing is still running when the cancel lands
        writePhotos(photos, count);
        {
            Session s(dir, false);
            ImportRequest r;
            r.kind = ImportRequest::Kind::Bundle;
            r.name = "demo";
            r.source = (demoDir_ + QStringLiteral("/models/demo")).toStdString();
            s.engine().importModel(r, {}, nullptr);
        }
        Session s(dir);
        QSignalSpy refreshed(s.window.get(), &MainWindow::stateRefreshed);
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() > 0, 20000);
        IndexController* indexer = s.window->indexController();
        QSignalSpy finished(indexer, &IndexController::finished);
        s.window->addFolder(photos);  // starts indexing
        QTRY_VERIFY_WITH_TIMEOUT(indexer->isRunning(), 20000);
        IndexingDialog* details = s.window->openIndexing();
        // Cancel as soon as the first photos are embedded, as a person clicking Cancel would.
        bool shot = false;
        connect(indexer, &IndexController::progressChanged, this, [&](const IndexProgressInfo& p) {
            if (p.stage == QLatin1String("scan") || p.done == 0 || shot) return;
            shot = true;
            screenshot(details, QStringLiteral("ui_indexing.png"));
            indexer->cancel();
        });
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() > 0, 120000);
        QVERIFY(shot);
        QVERIFY2(finished.first().at(1).toString().isEmpty(), qPrintable(finished.first().at(1).toString()));
        QVERIFY2(indexer->lastCancelled(), "indexing ended before the cancel landed");

        LibraryState st = s.engine().state();
        QCOMPARE(st.photos, std::size_t(count));
        QVERIFY(st.embedded < st.photos);
        QCOMPARE(st.embedded + st.pending + st.failed, st.photos);
        const std::size_t embeddedAfterCancel = st.embedded;
        qInfo("after cancel: %zu of %zu embedded", st.embedded, st.photos);

        // Carrying on finishes the job: nothing lost, nothing twice.
        finished.clear();
        indexer->start();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() > 0, 120000);
        st = s.engine().state();
        QCOMPARE(st.embedded, st.photos);
        QCOMPARE(st.pending, std::size_t(0));
        QVERIFY(st.embedded >= embeddedAfterCancel);
        SearchOptions all;
        all.k = 2 * count;
        QCOMPARE(s.engine().search("qırmızı dairə", all).hits.size(), std::size_t(count));
    }
};

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? QByteArray("offscreen") : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    setApplicationIdentity();
    installTranslations(app, QStringLiteral("en"));
    TestUi test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_ui.moc"
