// GUI tests that need no trained model (QtTest, offscreen), against tests/ui/fake_engine.h: the
// window's first steps, results, core errors rendered in the user's language from their codes
// (never core's English or a library's internals), a cancelled demo that leaves the window
// refreshed, the caption import report, and the teaching wizard counting what the engine counts.
#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QDialogButtonBox>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QTableView>
#include <QTreeWidget>
#include <QWizard>
#include <set>
#include <QDir>
#include <QFile>
#include <QKeyEvent>
#include <QLineEdit>
#include <QMenu>
#include <QListView>
#include <QMessageBox>
#include <QProgressDialog>
#include <QPushButton>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <cmath>
#include <functional>
#include <memory>

#include "tests/ui/fake_engine.h"
#include "ui/app_settings.h"
#include "ui/application.h"
#include "ui/backend.h"
#include "ui/caption_transfer.h"
#include "ui/captions_window.h"
#include "ui/index_controller.h"
#include "ui/indexing_dialog.h"
#include "ui/model_manager.h"
#include "ui/settings_dialog.h"
#include "ui/error_text.h"
#include "ui/finetune_wizard.h"
#include "ui/main_window.h"
#include "ui/results_model.h"
#include "ui/ui_util.h"

using namespace lowclip::ui;
using lowclip::ui::testing::FakeEngine;

namespace {

struct FakeSession {
    std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
    std::unique_ptr<AppSettings> settings;
    std::unique_ptr<Backend> backend;
    std::unique_ptr<MainWindow> window;

    explicit FakeSession(const QString& dataDir) {
        settings = std::make_unique<AppSettings>(dataDir);
    }
    void open() {
        backend = std::make_unique<Backend>(engine);
        window = std::make_unique<MainWindow>(backend.get(), settings.get());
        window->resize(1280, 800);
        window->show();
    }
    ~FakeSession() {
        window.reset();
        if (backend) backend->waitForIdle();
        QApplication::processEvents();
    }
};

void screenshot(QWidget* w, const QString& name) {
    QApplication::processEvents();
    const QByteArray env = qgetenv("LOWCLIP_BUILD_DIR");
    const QString path = (env.isEmpty() ? QDir::currentPath() : QString::fromLocal8Bit(env)) + QLatin1Char('/') + name;
    QVERIFY2(w->grab().save(path), qPrintable(QStringLiteral("cannot write ") + path));
}

QString translated(const char* context, const char* text) { return QCoreApplication::translate(context, text); }

// Clicks `button` of the next modal message box, from the event loop.
void answerNextMessageBox(QMessageBox::StandardButton button) {
    QTimer::singleShot(0, [button] {
        auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
        if (box && box->button(button)) box->button(button)->click();
    });
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

// Every text a person sees in `root` and its visible children: window titles, labels, buttons,
// group titles, tree headers and items, placeholders.
QStringList visibleTexts(QWidget* root) {
    QStringList out;
    auto add = [&out](const QString& t) {
        QString s = t;
        s.remove(QLatin1Char('&'));
        s = s.trimmed();
        if (!s.isEmpty()) out << s;
    };
    add(root->windowTitle());
    QList<QWidget*> all = root->findChildren<QWidget*>();
    all.prepend(root);
    for (QWidget* w : all) {
        if (!w->isVisibleTo(root) && w != root) continue;
        if (auto* l = qobject_cast<QLabel*>(w)) add(l->text());
        if (auto* b = qobject_cast<QAbstractButton*>(w)) add(b->text());
        if (auto* g = qobject_cast<QGroupBox*>(w)) add(g->title());
        if (auto* e = qobject_cast<QLineEdit*>(w)) add(e->placeholderText());
        if (auto* t = qobject_cast<QTreeWidget*>(w)) {
            for (int c = 0; c < t->columnCount(); ++c) add(t->headerItem()->text(c));
            for (int i = 0; i < t->topLevelItemCount(); ++i)
                for (int c = 0; c < t->columnCount(); ++c) add(t->topLevelItem(i)->text(c));
        }
        if (auto* v = qobject_cast<QTableView*>(w))
            for (int c = 0; c < v->model()->columnCount(); ++c) add(v->model()->headerData(c, Qt::Horizontal).toString());
    }
    return out;
}

// Waits for the next modal dialog of type T, hands it to `check` and closes it with `close`.
template <class T>
void onNextModal(std::function<void(T*)> check, std::function<void(T*)> close, bool* seen) {
    auto* timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, [timer, check, close, seen] {
        auto* d = qobject_cast<T*>(QApplication::activeModalWidget());
        if (!d) return;
        timer->stop();
        timer->deleteLater();
        if (check) check(d);
        *seen = true;
        close(d);
    });
    timer->start();
}

}  // namespace

class TestUiFake : public QObject {
    Q_OBJECT

private:
    QTemporaryDir tmp_;

private Q_SLOTS:
    void emptyWindowOffersFirstSteps() {
        FakeSession s(tmp_.filePath(QStringLiteral("empty")));
        s.open();
        QSignalSpy refreshed(s.window.get(), &MainWindow::stateRefreshed);
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() > 0, 10000);
        QVERIFY(!s.window->libraryState().hasModel);
        QVERIFY(!s.window->resultsView()->isVisible());  // the welcome page is shown instead
        screenshot(s.window.get(), QStringLiteral("ui_main_empty.png"));
    }

    void resultsComeSortedFromTheEngine() {
        FakeSession s(tmp_.filePath(QStringLiteral("results")));
        s.engine->addModel("demo", true);
        s.engine->setRoot("/photos");
        s.engine->addPhoto("/photos/a.png", {"qırmızı", "dairə"});
        s.engine->addPhoto("/photos/b.png", {"qırmızı"});
        s.engine->addPhoto("/photos/c.png", {"mavi"});
        s.open();
        QSignalSpy found(s.window.get(), &MainWindow::searchFinished);
        s.window->searchField()->setText(QStringLiteral("qırmızı dairə"));
        s.window->runSearch();
        QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 10000);
        QCOMPARE(found.first().at(0).toInt(), 2);
        QCOMPARE(QString::fromStdString(s.window->resultsModel()->photoAt(0).path), QStringLiteral("/photos/a.png"));
    }

    void searchingModelIsPreparedAtStartAndAfterIndexing() {
        FakeSession s(tmp_.filePath(QStringLiteral("prepare")));
        s.engine->addModel("demo", true);
        s.engine->setRoot("/photos");
        s.engine->addPhoto("/photos/a.png", {"qırmızı", "dairə"});
        s.engine->failWith("prepareSearch", lowclip::Error(lowclip::ErrorCode::Failed, "core's English"));  // a failure here is silent
        s.open();
        QTRY_VERIFY_WITH_TIMEOUT(s.engine->prepareCalls.load() >= 1, 10000);
        s.backend->waitForIdle();
        QApplication::processEvents();
        const int before = s.engine->prepareCalls.load();
        const int indexRuns = s.engine->indexCalls.load();
        s.window->startIndexing();
        QTRY_VERIFY_WITH_TIMEOUT(s.engine->indexCalls.load() > indexRuns, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(s.engine->prepareCalls.load() > before, 10000);  // after the index run
        s.backend->waitForIdle();
        QApplication::processEvents();
        QVERIFY2(s.window->lastError().isEmpty(), qPrintable(s.window->lastError()));
        QSignalSpy found(s.window.get(), &MainWindow::searchFinished);
        s.window->searchField()->setText(QStringLiteral("qırmızı dairə"));
        s.window->runSearch();
        QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 10000);
        QCOMPARE(found.first().at(0).toInt(), 1);
    }

    void coreErrorsAreShownInTheUserLanguage() {
        auto& app = *qobject_cast<QApplication*>(QCoreApplication::instance());
        installTranslations(app, QStringLiteral("az"));
        {
            FakeSession s(tmp_.filePath(QStringLiteral("errors")));
            s.engine->addModel("demo", true);
            s.engine->failWith("search", lowclip::Error(lowclip::ErrorCode::NoModel,
                                                        "there is no model to search with yet (core's English)"));
            s.open();
            QSignalSpy found(s.window.get(), &MainWindow::searchFinished);
            s.window->searchField()->setText(QStringLiteral("mavi"));
            s.window->runSearch();
            QTRY_VERIFY_WITH_TIMEOUT(found.count() > 0, 10000);
            const QString shown = s.window->lastError();
            const QString expected =
                translated("lowclip::ui::ErrorText", "There is no model yet. Try the demo, or import a model (Model menu).");
            QVERIFY2(shown.contains(expected), qPrintable(shown));
            QVERIFY2(!shown.contains(QStringLiteral("core's English")), qPrintable(shown));
            QVERIFY2(expected != QStringLiteral("There is no model yet. Try the demo, or import a model (Model menu)."),
                     "the Azerbaijani translation of the sentence is missing");

            // Details of the error fill the sentence (a model name with Azerbaijani letters).
            const QString exists = errorText(lowclip::Error(lowclip::ErrorCode::ModelExists, "x", {{"name", "mənim modelim"}}));
            QVERIFY2(exists.contains(QStringLiteral("mənim modelim")), qPrintable(exists));
        }
        installTranslations(app, QStringLiteral("en"));
    }

    void unexpectedExceptionsShowNoInternals() {
        FakeSession s(tmp_.filePath(QStringLiteral("unexpected")));
        s.open();
        QString message;
        bool done = false;
        s.backend->run(
            s.window.get(), []() -> int { throw std::bad_alloc(); }, [](int) {},
            [&](const QString& m) {
                message = m;
                done = true;
            });
        QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
        QCOMPARE(message, unexpectedErrorText());
        QVERIFY(!message.contains(QStringLiteral("bad_alloc")));
    }

    void cancelledDemoRefreshesTheWindow() {
        FakeSession s(tmp_.filePath(QStringLiteral("demo")));
        s.open();
        QSignalSpy refreshed(s.window.get(), &MainWindow::stateRefreshed);
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() > 0, 10000);
        answerNextMessageBox(QMessageBox::Yes);
        s.window->runDemo();
        QTRY_VERIFY_WITH_TIMEOUT(s.engine->demoRuns.load() == 1, 10000);
        QProgressDialog* dialog = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((dialog = s.window->findChild<QProgressDialog*>()) != nullptr, 10000);
        // The label says the stage and the time, not the engine's English.
        QTRY_VERIFY_WITH_TIMEOUT(dialog->labelText().contains(QStringLiteral("step")), 10000);
        QVERIFY2(dialog->labelText().contains(QStringLiteral("elapsed")), qPrintable(dialog->labelText()));
        QVERIFY2(dialog->labelText().contains(QStringLiteral("left")), qPrintable(dialog->labelText()));
        refreshed.clear();
        auto* cancelButton = dialog->findChild<QPushButton*>();
        QVERIFY(cancelButton);
        cancelButton->click();  // as a person cancels
        QTRY_VERIFY_WITH_TIMEOUT(refreshed.count() > 0, 10000);  // the window was refreshed after the cancel
        QTRY_VERIFY_WITH_TIMEOUT(s.window->findChild<QProgressDialog*>() == nullptr, 10000);
        QVERIFY(s.window->lastError().isEmpty());  // a cancel is not an error
        QVERIFY(s.window->statusBar()->currentMessage().contains(QStringLiteral("cancelled")));
    }

    void captionImportReportsEverySkippedLine() {
        CaptionImportReport r;
        r.imported = 2;
        r.duplicates = 1;
        r.unmatched = {"line 3: /x/a.png", "line 4: /x/b.png", "line 9: /x/ç.png"};
        const QString text = captionImportText(r);
        QVERIFY2(text.contains(QStringLiteral("2 captions imported")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("1 was there already")), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("3 lines")), qPrintable(text));
        for (const auto& u : r.unmatched) QVERIFY2(text.contains(QString::fromStdString(u)), qPrintable(text));
        CaptionImportReport many;
        for (int i = 0; i < 50; ++i) many.unmatched.push_back("line " + std::to_string(i) + ": /x.png");
        QVERIFY2(captionImportText(many).contains(QStringLiteral("30 more")), qPrintable(captionImportText(many)));

        // Lines core refused are listed apart, with the reason in a sentence.
        CaptionImportReport refused;
        refused.imported = 1;
        refused.unmatched = {"line 2: /x/a.png", "line 5: no TAB between path and caption", "line 7: empty caption",
                             "line 9: longer than 65536 bytes"};
        const QString shown = captionImportText(refused);
        QVERIFY2(shown.contains(QStringLiteral("line 2: /x/a.png")), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("3 lines could not be used")), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("line 5: no TAB between the photo's path and the caption")), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("line 7: the caption is empty")), qPrintable(shown));
        QVERIFY2(shown.contains(QStringLiteral("line 9: the line is too long")), qPrintable(shown));
        QVERIFY2(!shown.contains(QStringLiteral("empty caption")) && !shown.contains(QStringLiteral("bytes")), qPrintable(shown));
    }

    // Model manager ▸ Import with a name that exists: the error is shown with no progress dialog
    // over it (not even after the progress's show timer, ~4 s), then the form comes back as it was.
    void importErrorIsNotCoveredByProgress() {
        FakeSession s(tmp_.filePath(QStringLiteral("import-error")));
        s.engine->addModel("demo", true);
        s.engine->failWith("importModel",
                           lowclip::Error(lowclip::ErrorCode::ModelExists, "exists", {{"name", "mənim modelim"}}));
        s.open();
        ModelManager* manager = s.window->openModels();
        QVERIFY(manager);
        bool boxSeen = false, formSeen = false, progressOverBox = false;
        QString boxText, formName, formSource;
        auto* poll = new QTimer(manager);
        poll->setInterval(20);
        QElapsedTimer sinceBox;
        connect(poll, &QTimer::timeout, manager, [&] {
            QWidget* modal = QApplication::activeModalWidget();
            QMessageBox* box = nullptr;  // (looked up among all windows: a progress could be the active modal one)
            for (QWidget* w : QApplication::topLevelWidgets())
                if (auto* b = qobject_cast<QMessageBox*>(w); b && b->isVisible()) box = b;
            if (box) {
                if (!boxSeen) {
                    boxSeen = true;
                    boxText = box->text();
                    sinceBox.start();
                }
                for (auto* p : manager->findChildren<QProgressDialog*>())
                    if (p->isVisible()) progressOverBox = true;
                // Past the progress's show timer (QProgressDialog starts one of 4 s when it is
                // made; setMinimumDuration does not restart it for a busy dialog): then OK.
                if (sinceBox.elapsed() > 4500) box->button(QMessageBox::Ok)->click();
            } else if (auto* form = qobject_cast<ImportModelDialog*>(modal)) {
                formSeen = true;
                formName = form->nameField()->text();
                formSource = QString::fromStdString(form->request().source);
                form->reject();
                poll->stop();
            }
        });
        poll->start();
        ImportRequest request;
        request.kind = ImportRequest::Kind::Bundle;
        request.name = "mənim modelim";
        request.source = "/models/bundle-folder";
        // From inside an event loop, as in the application (app.exec()): a deferred delete posted
        // there does not run inside the message box's nested loop.
        QEventLoop loop;
        QTimer::singleShot(0, manager, [&] { manager->startImport(request); });
        auto* done = new QTimer(manager);
        connect(done, &QTimer::timeout, &loop, [&] {
            if (formSeen) loop.quit();
        });
        done->start(20);
        QTimer::singleShot(20000, &loop, &QEventLoop::quit);
        loop.exec();
        QVERIFY(formSeen);
        QVERIFY(boxSeen);
        QVERIFY2(!progressOverBox, "a progress dialog was shown over the error");
        QVERIFY2(boxText.contains(QStringLiteral("mənim modelim")), qPrintable(boxText));
        QCOMPARE(formName, QStringLiteral("mənim modelim"));
        QCOMPARE(formSource, QStringLiteral("/models/bundle-folder"));
        for (auto* p : manager->findChildren<QProgressDialog*>()) QVERIFY(!p->isVisible());
    }

    void modelNameAcceptsAnyLetters() {
        ImportModelDialog dialog(ImportRequest::Kind::Bundle);
        dialog.show();
        typeText(dialog.nameField(), QStringLiteral("mənim modelim"));
        QCOMPARE(dialog.nameField()->text(), QStringLiteral("mənim modelim"));
        dialog.nameField()->clear();
        typeText(dialog.nameField(), QStringLiteral("Şəkil-Çiçək_ğ.2"));
        QCOMPARE(dialog.nameField()->text(), QStringLiteral("Şəkil-Çiçək_ğ.2"));
        dialog.nameField()->clear();
        typeText(dialog.nameField(), QStringLiteral("a/b\\c"));  // no folder separators
        QCOMPARE(dialog.nameField()->text(), QStringLiteral("abc"));
        dialog.nameField()->clear();
        typeText(dialog.nameField(), QStringLiteral(" x"));  // not a leading space
        QCOMPARE(dialog.nameField()->text(), QStringLiteral("x"));
        QCOMPARE(QString::fromStdString([&] {
                     dialog.nameField()->setText(QStringLiteral("mənim modelim  "));
                     return dialog.request().name;
                 }()),
                 QStringLiteral("mənim modelim"));
    }

    // The Quality column: the set's size and a 95 % interval, "too few captions" below the
    // engine's minimum, and no "1.000" alone.
    void qualityShowsCountAndInterval() {
        const std::map<std::string, double> few{{"heldout.t2i_r5", 1.0}, {"heldout.texts", 13}};
        const QString fewText = modelQualityText(few, 20);
        QVERIFY2(fewText.contains(QStringLiteral("too few captions")), qPrintable(fewText));
        QVERIFY2(fewText.contains(QStringLiteral("13")) && fewText.contains(QStringLiteral("20")), qPrintable(fewText));

        const std::map<std::string, double> many{{"heldout.t2i_r5", 0.6}, {"heldout.texts", 120}};
        const QualityFigure q = modelQuality(many);
        QVERIFY(q.known);
        QCOMPARE(q.captions, std::size_t(120));
        QCOMPARE(q.set, QStringLiteral("heldout"));
        // Wilson 95 % interval of 72/120: 0.511 .. 0.683.
        QVERIFY2(std::abs(q.low - 0.5106) < 0.002, qPrintable(QString::number(q.low)));
        QVERIFY2(std::abs(q.high - 0.6826) < 0.002, qPrintable(QString::number(q.high)));
        const QString text = modelQualityText(many, 20);
        QVERIFY2(text.contains(QStringLiteral("120")) && text.contains(formatMetric(q.low)) && text.contains(formatMetric(q.high)),
                 qPrintable(text));

        // A perfect score on 30 captions is not certainty.
        const QualityFigure perfect = modelQuality({{"heldout.t2i_r5", 1.0}, {"heldout.texts", 30}});
        QCOMPARE(perfect.high, 1.0);
        QVERIFY2(perfect.low > 0.87 && perfect.low < 0.9, qPrintable(QString::number(perfect.low)));
        // The demo model: its own scenes' set.
        const QualityFigure demo = modelQuality({{"single.t2i_r5", 0.8}, {"single.texts", 200}, {"multi.t2i_r5", 0.5}});
        QCOMPARE(demo.set, QStringLiteral("single"));
        QCOMPARE(demo.captions, std::size_t(200));
        QCOMPARE(modelQualityText({}, 20), ModelManager::tr("not measured"));

        // In the model manager: the figure, and which set it was measured on.
        FakeSession s(tmp_.filePath(QStringLiteral("quality")));
        s.engine->addModel("taught", true, many);
        s.engine->addModel("demo", false, {{"single.t2i_r5", 0.8}, {"single.texts", 200}});
        s.open();
        ModelManager* manager = s.window->openModels();
        QTRY_VERIFY_WITH_TIMEOUT(manager->list()->topLevelItemCount() == 2, 10000);
        QTreeWidgetItem* taught = manager->list()->topLevelItem(0);
        QCOMPARE(taught->text(2), text);
        QVERIFY2(taught->toolTip(2).startsWith(ModelManager::tr("Measured on the captions held out when this model was taught.")),
                 qPrintable(taught->toolTip(2)));
        QVERIFY2(manager->list()->topLevelItem(1)->toolTip(2).startsWith(
                     ModelManager::tr("Measured on the demo's pictures that the model did not see in training.")),
                 qPrintable(manager->list()->topLevelItem(1)->toolTip(2)));

        // "On your captions": every model on the same held-out set of this library.
        QVERIFY(manager->list()->topLevelItem(0)->text(3).isEmpty());  // not measured yet
        s.engine->heldOut.captions = 10;
        s.engine->heldOut.photos = 6;
        s.engine->heldOut.measurable = false;
        manager->measureButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(manager->measureButton()->isEnabled(), 10000);
        QCOMPARE(manager->list()->topLevelItem(0)->text(3),
                 ModelManager::tr("too few captions to measure (%1; at least %2 are needed)").arg(10).arg(20));
        s.engine->heldOut.captions = 40;
        s.engine->heldOut.photos = 25;
        s.engine->heldOut.measurable = true;
        s.engine->heldOutRecall = {{"taught", 0.75}};  // "demo" cannot be loaded
        manager->measureButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(manager->measureButton()->isEnabled(), 10000);
        const QString onYours = manager->list()->topLevelItem(0)->text(3);
        QCOMPARE(onYours, modelQualityText({{"heldout.t2i_r5", 0.75}, {"heldout.texts", 40}}, 20));
        QVERIFY2(onYours.contains(QStringLiteral("40")), qPrintable(onYours));
        QCOMPARE(manager->list()->topLevelItem(1)->text(3), ModelManager::tr("could not be measured"));
        // A reload (a model imported, say) keeps the figures.
        manager->reload();
        QTRY_COMPARE_WITH_TIMEOUT(manager->list()->topLevelItem(0)->text(3), onYours, 10000);
    }

    void useThisModelIsNotClipped() {
        auto& app = *qobject_cast<QApplication*>(QCoreApplication::instance());
        for (const QString& lang : {QStringLiteral("az"), QStringLiteral("en")}) {
            installTranslations(app, lang);
            FakeSession s(tmp_.filePath(QStringLiteral("clip-") + lang));
            s.engine->addModel("demo", true);
            s.engine->addModel("mənim modelim", false);
            s.open();
            ModelManager* manager = s.window->openModels();
            QTRY_VERIFY_WITH_TIMEOUT(manager->list()->topLevelItemCount() == 2, 10000);
            for (const QSize size : {QSize(1280, 800), QSize(640, 480)}) {
                manager->resize(size);
                QApplication::processEvents();
                QPushButton* use = manager->useButton();
                const int needed = use->fontMetrics().horizontalAdvance(use->text());
                QVERIFY2(use->width() >= needed, qPrintable(QStringLiteral("%1 < %2 at %3").arg(use->width()).arg(needed).arg(size.width())));
                screenshot(manager, QStringLiteral("ui_models_%1_%2.png").arg(lang).arg(size.width()));
            }
        }
        installTranslations(app, QStringLiteral("en"));
    }

    void settingsHideIndexTuning() {
        SettingsDialog d(EngineOptions{}, QString(), {QStringLiteral("cpu")});
        d.show();
        QApplication::processEvents();
        QVERIFY(!d.expertGroup()->isVisible());
        d.expertToggle()->setChecked(true);
        QVERIFY(d.expertGroup()->isVisible());
        EngineOptions tuned;
        tuned.hnswEfSearch = 200;
        SettingsDialog t(tuned, QString(), {QStringLiteral("cpu")});
        t.show();
        QApplication::processEvents();
        QVERIFY(t.expertGroup()->isVisible());  // a value someone set stays in sight
        QCOMPARE(t.options().hnswEfSearch, 200);
        // Search text: the fastest path by default, the exact one when chosen, and kept.
        QCOMPARE(d.options().textPrecision, std::string("auto"));
        EngineOptions exact;
        exact.textPrecision = "float32";
        SettingsDialog e(exact, QString(), {QStringLiteral("cpu")});
        QCOMPARE(e.options().textPrecision, std::string("float32"));
    }

    void wizardHasNoEmptyAdvancedFrame() {
        FakeSession s(tmp_.filePath(QStringLiteral("wizard-advanced")));
        s.engine->addModel("demo", true);
        for (int i = 0; i < 10; ++i) s.engine->addCaption({s.engine->addPhoto("/p/" + std::to_string(i) + ".png", {"x"})}, "mavi dairə");
        s.open();
        FineTuneWizard* wizard = s.window->openFineTune();
        QTRY_VERIFY_WITH_TIMEOUT(wizard->currentPage()->isComplete(), 10000);
        wizard->next();
        QCOMPARE(wizard->currentId(), int(FineTuneWizard::HowPage));
        QApplication::processEvents();
        auto groups = [&] {
            int visible = 0;
            for (auto* g : wizard->currentPage()->findChildren<QGroupBox*>()) {
                if (!g->isVisible()) continue;
                ++visible;
                bool content = false;
                for (auto* c : g->findChildren<QWidget*>())
                    if (c->isVisible()) content = true;
                if (!content) return -1;  // an empty frame
            }
            return visible;
        };
        QCOMPARE(groups(), 0);
        auto* toggle = wizard->findChild<QCheckBox*>(QStringLiteral("advancedToggle"));
        QVERIFY(toggle);
        toggle->setChecked(true);
        QApplication::processEvents();
        QCOMPARE(groups(), 1);
        wizard->close();
    }

    void captionsDeleteKeyAsksFirst() {
        FakeSession s(tmp_.filePath(QStringLiteral("captions-delete")));
        s.engine->addModel("demo", true);
        s.engine->addCaption({s.engine->addPhoto("/p/a.png", {"x"})}, "qırmızı dairə");
        s.engine->addCaption({s.engine->addPhoto("/p/b.png", {"x"})}, "mavi ulduz");
        s.open();
        CaptionsWindow* w = s.window->openCaptions();
        QTRY_VERIFY_WITH_TIMEOUT(!w->isLoading() && w->model()->rowCount() == 2, 10000);
        w->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(w));
        w->table()->setFocus();
        w->table()->selectRow(0);
        QTRY_VERIFY(w->table()->hasFocus());
        bool asked = false;
        QString question;
        onNextModal<QMessageBox>([&](QMessageBox* b) { question = b->text(); }, [](QMessageBox* b) { b->button(QMessageBox::No)->click(); },
                                 &asked);
        QTest::keyClick(w->table(), Qt::Key_Delete);
        QTRY_VERIFY_WITH_TIMEOUT(asked, 5000);
        QVERIFY2(question.contains(QStringLiteral("qırmızı dairə")) || question.contains(QStringLiteral("mavi ulduz")), qPrintable(question));
        QApplication::processEvents();
        QCOMPARE(s.engine->captions().size(), std::size_t(2));  // "No": nothing deleted
        QCOMPARE(w->model()->rowCount(), 2);
        asked = false;
        onNextModal<QMessageBox>({}, [](QMessageBox* b) { b->button(QMessageBox::Yes)->click(); }, &asked);
        w->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(w));
        w->table()->setFocus();
        QTRY_VERIFY(w->table()->hasFocus());
        QTest::keyClick(w->table(), Qt::Key_Delete);
        QTRY_VERIFY_WITH_TIMEOUT(asked, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(s.engine->captions().size(), std::size_t(1), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!w->isLoading() && w->model()->rowCount() == 1, 5000);
        screenshot(w, QStringLiteral("ui_captions_en.png"));
        // Undo puts the deleted caption back on its photo, once.
        const std::string gone = s.engine->captions().front().text == "mavi ulduz" ? "qırmızı dairə" : "mavi ulduz";
        QVERIFY(w->undoButton()->isEnabled());
        w->undoButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(s.engine->captions().size(), std::size_t(2), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!w->isLoading() && w->model()->rowCount() == 2, 5000);
        bool back = false;
        for (const Caption& c : s.engine->captions()) back = back || c.text == gone;
        QVERIFY(back);
        QVERIFY(!w->undoButton()->isEnabled());
        w->undoDelete();  // nothing left to undo
        QApplication::processEvents();
        QCOMPARE(s.engine->captions().size(), std::size_t(2));
    }

    // A cancelled run does not show a full bar; failures come with readable reasons and actions.
    void indexingCancelAndFailures() {
        auto engine = std::make_shared<FakeEngine>();
        engine->addModel("demo", true);
        engine->indexWaitsForCancel = true;
        engine->nextFailures = {
            FailedFile{1, "/photos/truncated.jpg", "decode: /photos/truncated.jpg: truncated JPEG (the file ends inside its header)", "truncated"},
            FailedFile{2, "/photos/corrupt/empty.png", "decode: /photos/corrupt/empty.png: the file is empty (0 bytes)", "empty"},
        };
        Backend backend(engine);
        IndexController controller(&backend);
        IndexingDialog dialog(&backend, &controller);
        dialog.resize(1280, 800);
        dialog.show();
        QTRY_COMPARE_WITH_TIMEOUT(dialog.failures()->topLevelItemCount(), 2, 10000);
        QCOMPARE(dialog.failures()->topLevelItem(0)->text(1), IndexingDialog::tr("The file is incomplete: it was cut off while being copied or saved."));
        // The path's own words ("corrupt") do not decide the reason.
        QCOMPARE(dialog.failures()->topLevelItem(1)->text(1), IndexingDialog::tr("The file is empty."));
        QPushButton* retry = nullptr;
        QPushButton* show = nullptr;
        for (auto* b : dialog.findChildren<QPushButton*>()) {
            if (b->text() == IndexingDialog::tr("Try again")) retry = b;
            if (b->text() == IndexingDialog::tr("Show in folder")) show = b;
        }
        QVERIFY(retry && show);
        QVERIFY(retry->isEnabled());
        QVERIFY(!show->isEnabled());
        dialog.failures()->topLevelItem(0)->setSelected(true);
        QVERIFY(show->isEnabled());

        QSignalSpy finished(&controller, &IndexController::finished);
        controller.start();
        QTRY_VERIFY_WITH_TIMEOUT(controller.progress().total == 10, 10000);
        QApplication::processEvents();
        QVERIFY2(!visibleTexts(&dialog).join(QLatin1Char('\n')).contains(QStringLiteral("core's English")),
                 qPrintable(visibleTexts(&dialog).join(QLatin1Char('\n'))));
        controller.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 10000);
        QVERIFY(controller.lastCancelled());
        QApplication::processEvents();
        QVERIFY2(dialog.bar()->value() < dialog.bar()->maximum(),
                 qPrintable(QStringLiteral("%1 of %2").arg(dialog.bar()->value()).arg(dialog.bar()->maximum())));
        QCOMPARE(dialog.bar()->value(), 300);  // 3 of 10
        screenshot(&dialog, QStringLiteral("ui_indexing_cancelled_en.png"));

        // Remove from library: asked first ("No" keeps it), then the file leaves the list.
        dialog.failures()->clearSelection();
        QVERIFY(!dialog.removeButton()->isEnabled());
        dialog.failures()->topLevelItem(1)->setSelected(true);
        QVERIFY(dialog.removeButton()->isEnabled());
        bool asked = false;
        QString question;
        onNextModal<QMessageBox>([&](QMessageBox* b) { question = b->text(); },
                                 [](QMessageBox* b) { b->button(QMessageBox::No)->click(); }, &asked);
        dialog.removeButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(asked, 5000);
        QVERIFY2(question.contains(QStringLiteral("empty.png")), qPrintable(question));
        QApplication::processEvents();
        QVERIFY(engine->removedIds.empty());
        asked = false;
        onNextModal<QMessageBox>({}, [](QMessageBox* b) { b->button(QMessageBox::Yes)->click(); }, &asked);
        QSignalSpy changed(&dialog, &IndexingDialog::libraryChanged);
        dialog.removeButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(asked, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, 5000);
        QCOMPARE(engine->removedIds, (std::vector<std::int64_t>{2}));
        QTRY_COMPARE_WITH_TIMEOUT(dialog.failures()->topLevelItemCount(), 1, 5000);
        QCOMPARE(dialog.failures()->topLevelItem(0)->text(0), QStringLiteral("/photos/truncated.jpg"));
        backend.waitForIdle();
    }

    // Folder watching: a change in a library folder (or a folder made since) starts one scan after
    // the changes settle; a missing folder is not watched.
    void libraryFoldersAreWatched() {
        auto engine = std::make_shared<FakeEngine>();
        engine->addModel("demo", true);
        Backend backend(engine);
        IndexController controller(&backend);
        controller.setDebounceMs(300);
        const QString root = tmp_.filePath(QStringLiteral("watched"));
        QVERIFY(QDir().mkpath(root + QStringLiteral("/album")));
        controller.watchFolders({root, tmp_.filePath(QStringLiteral("unplugged-drive"))});
        QCOMPARE(controller.watchedDirectories(), 2);
        auto touch = [](const QString& path) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("x");
        };
        QSignalSpy finished(&controller, &IndexController::finished);
        for (int i = 0; i < 5; ++i) touch(root + QStringLiteral("/album/p%1.jpg").arg(i));  // one copy of five photos
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QTest::qWait(600);
        QCOMPARE(engine->indexCalls.load(), 1);  // one scan for the five
        QVERIFY(QDir().mkpath(root + QStringLiteral("/new-album")));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 2, 10000);
        QCOMPARE(controller.watchedDirectories(), 3);  // the new folder is watched after that scan
        touch(root + QStringLiteral("/new-album/q.jpg"));
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 3, 10000);
        QCOMPARE(engine->indexCalls.load(), 3);
        backend.waitForIdle();
    }

    void scanSummaryCountsFailures() {
        IndexSummary s;
        s.added = 7;
        s.embedded = 4;
        s.failed = 3;
        const QString text = IndexingDialog::summaryText(s);
        QVERIFY2(text.contains(QStringLiteral("3 files could not be read")), qPrintable(text));
    }

    void remainingTimeIsEstimated() {
        QCOMPARE(remainingSeconds(10.0, 25.0, 100.0, -1.0), 30.0);
        QCOMPARE(remainingSeconds(10.0, 25.0, 100.0, 5.0), 5.0);
        QVERIFY(remainingSeconds(0.0, 0.0, 100.0, -1.0) < 0);
        QVERIFY(remainingSeconds(10.0, 0.0, 0.0, -1.0) < 0);
        IndexProgressInfo info;
        info.done = 10;
        info.total = 40;
        info.perSecond = 2.0;
        QVERIFY2(IndexingDialog::progressText(info).contains(formatDuration(15.0)), qPrintable(IndexingDialog::progressText(info)));
    }

    // With Azerbaijani loaded, no text that the English UI shows appears in the dialogs, Qt's own
    // buttons included (OK/Cancel/Yes/No/Close).
    void noEnglishInTheAzerbaijaniUi() {
        auto& app = *qobject_cast<QApplication*>(QCoreApplication::instance());
        auto collect = [this](const QString& lang, QStringList& texts) {
            FakeSession s(tmp_.filePath(QStringLiteral("scan-") + lang));
            s.engine->addModel("demo", true);
            s.engine->addModel("köhnə", false);
            s.engine->nextFailures = {FailedFile{1, "/p/x.jpg", "decode: /p/x.jpg: corrupt JPEG (bad segment length)", "damaged"}};
            s.engine->addCaption({s.engine->addPhoto("/p/a.png", {"x"})}, "qırmızı dairə");
            s.open();
            ModelManager* models = s.window->openModels();
            QTRY_VERIFY_WITH_TIMEOUT(models->list()->topLevelItemCount() == 2, 10000);
            texts << visibleTexts(models);
            screenshot(models, QStringLiteral("ui_models_scan_%1.png").arg(lang));
            models->close();
            CaptionsWindow* captions = s.window->openCaptions();
            QTRY_VERIFY_WITH_TIMEOUT(!captions->isLoading() && captions->model()->rowCount() == 1, 10000);
            texts << visibleTexts(captions);
            screenshot(captions, QStringLiteral("ui_captions_%1.png").arg(lang));
            captions->close();
            IndexingDialog* indexing = s.window->openIndexing();
            QTRY_VERIFY_WITH_TIMEOUT(indexing->failures()->topLevelItemCount() == 1, 10000);
            texts << visibleTexts(indexing);
            screenshot(indexing, QStringLiteral("ui_indexing_%1.png").arg(lang));
            indexing->close();
            SettingsDialog settings(EngineOptions{}, QString(), {QStringLiteral("cpu")});
            settings.show();
            texts << visibleTexts(&settings);
            screenshot(&settings, QStringLiteral("ui_settings_%1.png").arg(lang));
            for (auto kind : {ImportRequest::Kind::Bundle, ImportRequest::Kind::SimpleClip, ImportRequest::Kind::HuggingFaceBase}) {
                ImportModelDialog form(kind);
                form.show();
                texts << visibleTexts(&form);
            }
            QMessageBox box(QMessageBox::Question, QStringLiteral("LowCLIP"), QStringLiteral("?"),
                            QMessageBox::Yes | QMessageBox::No | QMessageBox::Ok | QMessageBox::Cancel | QMessageBox::Close);
            box.show();
            texts << visibleTexts(&box);
            screenshot(&box, QStringLiteral("ui_messagebox_%1.png").arg(lang));
            QDialogButtonBox buttons(QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::Apply |
                                     QDialogButtonBox::RestoreDefaults | QDialogButtonBox::Help);
            buttons.show();
            texts << visibleTexts(&buttons);
            QLineEdit edit;
            QMenu* menu = edit.createStandardContextMenu();
            for (QAction* a : menu->actions())
                if (!a->isSeparator()) texts << a->text().remove(QLatin1Char('&')).section(QLatin1Char('\t'), 0, 0);
            delete menu;
        };
        installTranslations(app, QStringLiteral("en"));
        QStringList english, azerbaijani;
        collect(QStringLiteral("en"), english);
        installTranslations(app, QStringLiteral("az"));
        collect(QStringLiteral("az"), azerbaijani);
        installTranslations(app, QStringLiteral("en"));
        QVERIFY(english.contains(QStringLiteral("Cancel")) && english.contains(QStringLiteral("Yes")) &&
                english.contains(QStringLiteral("Select All")));
        // Texts that are the same in both languages: names, paths, formats, numbers.
        const std::set<QString> same{QStringLiteral("OK"), QStringLiteral("LowCLIP"), QStringLiteral("?"), QStringLiteral("demo"),
                                     QStringLiteral("köhnə"), QStringLiteral("a.png"), QStringLiteral("/p/x.jpg"),
                                     QStringLiteral("qırmızı dairə"), QStringLiteral("English"), QStringLiteral("Azərbaycan dili"),
                                     QStringLiteral("vocab.txt:"), QStringLiteral("Browse…"), QStringLiteral("64"),
                                     QStringLiteral("256 px"), QStringLiteral("0")};
        QStringList leaks;
        for (const QString& t : azerbaijani)
            if (english.contains(t) && !same.count(t) && !t.startsWith(QStringLiteral("bert (fake)")) && !t.startsWith(QLatin1Char('/')))
                leaks << t;
        leaks.removeDuplicates();
        QVERIFY2(leaks.isEmpty(), qPrintable(QStringLiteral("English in the Azerbaijani UI: ") + leaks.join(QStringLiteral(" | "))));
        for (const char* word : {"Cancel", "Yes", "No", "Close", "Delete", "Import", "Use this model", "not measured"})
            QVERIFY2(!azerbaijani.contains(QString::fromLatin1(word)), word);
    }

    void wizardCountsWhatTheEngineTeaches() {
        FakeSession s(tmp_.filePath(QStringLiteral("wizard")));
        s.engine->addModel("demo", true);
        std::vector<std::int64_t> ids;
        for (int i = 0; i < 10; ++i) ids.push_back(s.engine->addPhoto("/p/" + std::to_string(i) + ".png", {"x"}));
        for (auto id : ids) s.engine->addCaption({id}, "mavi dairə");
        s.open();
        FineTuneWizard* wizard = s.window->openFineTune();
        QTRY_VERIFY_WITH_TIMEOUT(wizard->currentPage()->isComplete(), 10000);
        const TeachingPlan expected = s.engine->teachingPlan(true, true);
        QCOMPARE(wizard->pairs(), expected.trainPairs + expected.heldOutPairs);
        QCOMPARE(wizard->plan().heldOutPairs, expected.heldOutPairs);
        wizard->close();
    }
};

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", qgetenv("QT_QPA_PLATFORM").isEmpty() ? QByteArray("offscreen") : qgetenv("QT_QPA_PLATFORM"));
    QApplication app(argc, argv);
    setApplicationIdentity();
    installTranslations(app, QStringLiteral("en"));
    TestUiFake test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_ui_fake.moc"
