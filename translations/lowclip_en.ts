<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>lowclip::ui::Application</name>
    <message>
        <source>Find photos by describing them in Azerbaijani.</source>
        <translation>Find photos by describing them in Azerbaijani.</translation>
    </message>
    <message>
        <source>Keep the library, models and settings in &lt;folder&gt;.</source>
        <translation>Keep the library, models and settings in &lt;folder&gt;.</translation>
    </message>
    <message>
        <source>User interface language: az or en.</source>
        <translation>User interface language: az or en.</translation>
    </message>
    <message>
        <source>The data folder %1 cannot be created. Check that the disk is writable, or start LowCLIP with --data-dir FOLDER.</source>
        <translation>The data folder %1 cannot be created. Check that the disk is writable, or start LowCLIP with --data-dir FOLDER.</translation>
    </message>
    <message>
        <source>The photo library in %1 cannot be opened: %2</source>
        <translation>The photo library in %1 cannot be opened: %2</translation>
    </message>
    <message>
        <source>Search for &lt;text&gt; (in the window already open, if any).</source>
        <translation>Search for &lt;text&gt; (in the window already open, if any).</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::CaptionDialog</name>
    <message>
        <source>Add caption</source>
        <translation>Add caption</translation>
    </message>
    <message numerus="yes">
        <source>Describe what is in the photo, in Azerbaijani. The caption is added to %n selected photo(s).</source>
        <translation>
            <numerusform>Describe what is in the photo, in Azerbaijani. The caption is added to %n selected photo.</numerusform>
            <numerusform>Describe what is in the photo, in Azerbaijani. The caption is added to %n selected photos.</numerusform>
        </translation>
    </message>
    <message>
        <source>For example: sahildə oynayan uşaqlar</source>
        <translation>For example: sahildə oynayan uşaqlar</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::CaptionTransfer</name>
    <message numerus="yes">
        <source>%n caption(s) imported.</source>
        <translation>
            <numerusform>%n caption imported.</numerusform>
            <numerusform>%n captions imported.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n were there already.</source>
        <translation>
            <numerusform>%n was there already.</numerusform>
            <numerusform>%n were there already.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n line(s) name a photo that is not in the library and were skipped:</source>
        <translation>
            <numerusform>%n line names a photo that is not in the library and was skipped:</numerusform>
            <numerusform>%n lines name a photo that is not in the library and were skipped:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation>
            <numerusform>… and %n more</numerusform>
            <numerusform>… and %n more</numerusform>
        </translation>
    </message>
    <message>
        <source>Import captions</source>
        <translation>Import captions</translation>
    </message>
    <message>
        <source>Caption files (*.tsv *.txt);;All files (*)</source>
        <translation>Caption files (*.tsv *.txt);;All files (*)</translation>
    </message>
    <message>
        <source>The captions could not be imported: %1</source>
        <translation>The captions could not be imported: %1</translation>
    </message>
    <message>
        <source>Export captions</source>
        <translation>Export captions</translation>
    </message>
    <message>
        <source>Caption files (*.tsv)</source>
        <translation>Caption files (*.tsv)</translation>
    </message>
    <message numerus="yes">
        <source>%n caption(s) written.</source>
        <translation>
            <numerusform>%n caption written.</numerusform>
            <numerusform>%n captions written.</numerusform>
        </translation>
    </message>
    <message>
        <source>The captions could not be exported: %1</source>
        <translation>The captions could not be exported: %1</translation>
    </message>
    <message>
        <source>no TAB between the photo&apos;s path and the caption</source>
        <translation>no TAB between the photo&apos;s path and the caption</translation>
    </message>
    <message>
        <source>the caption is empty</source>
        <translation>the caption is empty</translation>
    </message>
    <message>
        <source>the line is too long</source>
        <translation>the line is too long</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message numerus="yes">
        <source>%n line(s) could not be used and were skipped:</source>
        <translation>
            <numerusform>%n line could not be used and was skipped:</numerusform>
            <numerusform>%n lines could not be used and were skipped:</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>lowclip::ui::CaptionsModel</name>
    <message>
        <source>typed</source>
        <translation>typed</translation>
    </message>
    <message>
        <source>imported</source>
        <translation>imported</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Photo</translation>
    </message>
    <message>
        <source>Caption</source>
        <translation>Caption</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Source</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::CaptionsWindow</name>
    <message>
        <source>Captions</source>
        <translation>Captions</translation>
    </message>
    <message>
        <source>Filter by file name or caption</source>
        <translation>Filter by file name or caption</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>Import…</translation>
    </message>
    <message>
        <source>Read captions from a TSV file: one “path&lt;TAB&gt;caption” per line</source>
        <translation>Read captions from a TSV file: one “path&lt;TAB&gt;caption” per line</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <source>Write every caption to a TSV file</source>
        <translation>Write every caption to a TSV file</translation>
    </message>
    <message numerus="yes">
        <source>%n caption(s) on %1 photo(s).</source>
        <translation>
            <numerusform>%n caption on %1 photo.</numerusform>
            <numerusform>%n captions on %1 photos.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n pair(s) ready for teaching the model (captions and photos marked relevant).</source>
        <translation>
            <numerusform>%n pair ready for teaching the model (captions and photos marked relevant).</numerusform>
            <numerusform>%n pairs ready for teaching the model (captions and photos marked relevant).</numerusform>
        </translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>The captions could not be changed: %1</source>
        <translation>The captions could not be changed: %1</translation>
    </message>
    <message>
        <source>Delete the caption “%1”? The photo itself is not affected.</source>
        <translation>Delete the caption “%1”? The photo itself is not affected.</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n caption(s)? The photos themselves are not affected.</source>
        <translation>
            <numerusform>Delete %n caption? The photos themselves are not affected.</numerusform>
            <numerusform>Delete %n captions? The photos themselves are not affected.</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete captions</source>
        <translation>Delete captions</translation>
    </message>
    <message>
        <source>Undo delete</source>
        <translation>Undo delete</translation>
    </message>
    <message>
        <source>Put back the captions just deleted (Ctrl+Z)</source>
        <translation>Put back the captions just deleted (Ctrl+Z)</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::DesktopSearch</name>
    <message>
        <source>Show in folder</source>
        <translation>Show in folder</translation>
    </message>
    <message>
        <source>Search in LowCLIP</source>
        <translation>Search in LowCLIP</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::DuplicatesDialog</name>
    <message>
        <source>Near-identical photos</source>
        <translation>Near-identical photos</translation>
    </message>
    <message>
        <source>Photos that look nearly the same: bursts, copies and small edits. They are found from what the model saw in each photo. Nothing is changed or deleted here.</source>
        <translation>Photos that look nearly the same: bursts, copies and small edits. They are found from what the model saw in each photo. Nothing is changed or deleted here.</translation>
    </message>
    <message>
        <source>&amp;Similarity from:</source>
        <translation>&amp;Similarity from:</translation>
    </message>
    <message>
        <source>Higher: only photos that are almost the same. Lower: also photos of the same scene.</source>
        <translation>Higher: only photos that are almost the same. Lower: also photos of the same scene.</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>&amp;Find</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Photo</translation>
    </message>
    <message>
        <source>Similarity</source>
        <translation>Similarity</translation>
    </message>
    <message>
        <source>Pixels</source>
        <translation>Pixels</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>&amp;Open</translation>
    </message>
    <message>
        <source>Show in f&amp;older</source>
        <translation>Show in f&amp;older</translation>
    </message>
    <message>
        <source>Show the &amp;group in the results</source>
        <translation>Show the &amp;group in the results</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>&amp;Cancel</translation>
    </message>
    <message>
        <source>Comparing the photos…</source>
        <translation>Comparing the photos…</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Cancelled.</translation>
    </message>
    <message>
        <source>No photo has been indexed with the model yet.</source>
        <translation>No photo has been indexed with the model yet.</translation>
    </message>
    <message numerus="yes">
        <source>No near-identical photos at this similarity among %n photo(s).</source>
        <translation>
            <numerusform>No near-identical photos at this similarity among %n photo.</numerusform>
            <numerusform>No near-identical photos at this similarity among %n photos.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n group(s) of near-identical photos</source>
        <translation>
            <numerusform>%n group of near-identical photos</numerusform>
            <numerusform>%n groups of near-identical photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) in them</source>
        <translation>
            <numerusform>%n photo in them</numerusform>
            <numerusform>%n photos in them</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) compared</source>
        <translation>
            <numerusform>%n photo compared</numerusform>
            <numerusform>%n photos compared</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>the largest %n shown</source>
        <translation>
            <numerusform>the largest %n shown</numerusform>
            <numerusform>the largest %n shown</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Group %1 · %n photo(s)</source>
        <translation>
            <numerusform>Group %1 · %n photo</numerusform>
            <numerusform>Group %1 · %n photos</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (the largest)</source>
        <translation>%1 (the largest)</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::ErrorText</name>
    <message>
        <source>Details: %1</source>
        <translation>Details: %1</translation>
    </message>
    <message>
        <source>The work was cancelled.</source>
        <translation>The work was cancelled.</translation>
    </message>
    <message>
        <source>There is no photo library in %1 yet.</source>
        <translation>There is no photo library in %1 yet.</translation>
    </message>
    <message>
        <source>The photo library is in use by another program (process %1). Close it and try again.</source>
        <translation>The photo library is in use by another program (process %1). Close it and try again.</translation>
    </message>
    <message>
        <source>The photo library is open for reading only, so it cannot be changed now.</source>
        <translation>The photo library is open for reading only, so it cannot be changed now.</translation>
    </message>
    <message>
        <source>The folder “%1” is not in the library.</source>
        <translation>The folder “%1” is not in the library.</translation>
    </message>
    <message>
        <source>“%1” is not a folder.</source>
        <translation>“%1” is not a folder.</translation>
    </message>
    <message>
        <source>“%1” is already in the library as part of “%2”.</source>
        <translation>“%1” is already in the library as part of “%2”.</translation>
    </message>
    <message>
        <source>The photo is no longer in the library.</source>
        <translation>The photo is no longer in the library.</translation>
    </message>
    <message>
        <source>The caption is no longer there.</source>
        <translation>The caption is no longer there.</translation>
    </message>
    <message>
        <source>A caption cannot be empty.</source>
        <translation>A caption cannot be empty.</translation>
    </message>
    <message>
        <source>There is no model yet. Try the demo, or import a model (Model menu).</source>
        <translation>There is no model yet. Try the demo, or import a model (Model menu).</translation>
    </message>
    <message>
        <source>There is no model named “%1”.</source>
        <translation>There is no model named “%1”.</translation>
    </message>
    <message>
        <source>A model named “%1” already exists. Choose another name.</source>
        <translation>A model named “%1” already exists. Choose another name.</translation>
    </message>
    <message>
        <source>“%1” cannot be a model name. Use letters, digits, spaces, “-” or “_”.</source>
        <translation>“%1” cannot be a model name. Use letters, digits, spaces, “-” or “_”.</translation>
    </message>
    <message>
        <source>“%1” is the model in use. Switch to another model before deleting it.</source>
        <translation>“%1” is the model in use. Switch to another model before deleting it.</translation>
    </message>
    <message>
        <source>This photo has not been indexed with the model in use yet.</source>
        <translation>This photo has not been indexed with the model in use yet.</translation>
    </message>
    <message>
        <source>Teaching needs captions on at least %1 photos that can be read (there are %2).</source>
        <translation>Teaching needs captions on at least %1 photos that can be read (there are %2).</translation>
    </message>
    <message>
        <source>“%1” already exists.</source>
        <translation>“%1” already exists.</translation>
    </message>
    <message>
        <source>“%1” was not found.</source>
        <translation>“%1” was not found.</translation>
    </message>
    <message>
        <source>The file “%1” cannot be used.</source>
        <translation>The file “%1” cannot be used.</translation>
    </message>
    <message>
        <source>Reading or writing “%1” failed.</source>
        <translation>Reading or writing “%1” failed.</translation>
    </message>
    <message>
        <source>This is not supported.</source>
        <translation>This is not supported.</translation>
    </message>
    <message>
        <source>A value is not valid.</source>
        <translation>A value is not valid.</translation>
    </message>
    <message>
        <source>The operation failed.</source>
        <translation>The operation failed.</translation>
    </message>
    <message>
        <source>An unexpected error occurred.</source>
        <translation>An unexpected error occurred.</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::FeedbackDialog</name>
    <message>
        <source>Relevance marks</source>
        <translation>Relevance marks</translation>
    </message>
    <message>
        <source>Query</source>
        <translation>Query</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Photo</translation>
    </message>
    <message>
        <source>Mark</source>
        <translation>Mark</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Remove mark</source>
        <translation>Remove mark</translation>
    </message>
    <message>
        <source>Relevant</source>
        <translation>Relevant</translation>
    </message>
    <message>
        <source>Not relevant</source>
        <translation>Not relevant</translation>
    </message>
    <message>
        <source>No marks yet. Mark search results as relevant or not relevant in the preview.</source>
        <translation>No marks yet. Mark search results as relevant or not relevant in the preview.</translation>
    </message>
    <message numerus="yes">
        <source>%n mark(s); those marked relevant are used to teach the model.</source>
        <translation>
            <numerusform>%n mark; those marked relevant are used to teach the model.</numerusform>
            <numerusform>%n marks; those marked relevant are used to teach the model.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>lowclip::ui::FineTuneWizard</name>
    <message>
        <source>Teach the model</source>
        <translation>Teach the model</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>Next &gt;</translation>
    </message>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; Back</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>%1 (in use)</source>
        <translation>%1 (in use)</translation>
    </message>
    <message>
        <source>What should the model learn from?</source>
        <translation>What should the model learn from?</translation>
    </message>
    <message>
        <source>Your captions and the photos you marked as relevant become pairs of a photo and a sentence.</source>
        <translation>Your captions and the photos you marked as relevant become pairs of a photo and a sentence.</translation>
    </message>
    <message>
        <source>Start from model:</source>
        <translation>Start from model:</translation>
    </message>
    <message>
        <source>Captions you wrote or imported</source>
        <translation>Captions you wrote or imported</translation>
    </message>
    <message>
        <source>Search results you marked as relevant</source>
        <translation>Search results you marked as relevant</translation>
    </message>
    <message>
        <source>Counting pairs…</source>
        <translation>Counting pairs…</translation>
    </message>
    <message>
        <source>A part of the pairs (by photo) is held out to measure the model before and after.</source>
        <translation>A part of the pairs (by photo) is held out to measure the model before and after.</translation>
    </message>
    <message>
        <source>How thoroughly?</source>
        <translation>How thoroughly?</translation>
    </message>
    <message>
        <source>Quick adapts the model in minutes; Thorough trains longer and changes more of it.</source>
        <translation>Quick adapts the model in minutes; Thorough trains longer and changes more of it.</translation>
    </message>
    <message>
        <source>Quick — a few passes over your pairs; the towers stay mostly frozen</source>
        <translation>Quick — a few passes over your pairs; the towers stay mostly frozen</translation>
    </message>
    <message>
        <source>Thorough — more passes; the whole model learns (slower, needs more pairs)</source>
        <translation>Thorough — more passes; the whole model learns (slower, needs more pairs)</translation>
    </message>
    <message>
        <source>Epochs:</source>
        <translation>Epochs:</translation>
    </message>
    <message>
        <source>Learning rate, projection heads:</source>
        <translation>Learning rate, projection heads:</translation>
    </message>
    <message>
        <source>Learning rate, image tower:</source>
        <translation>Learning rate, image tower:</translation>
    </message>
    <message>
        <source>Learning rate, text tower:</source>
        <translation>Learning rate, text tower:</translation>
    </message>
    <message>
        <source>Nothing frozen</source>
        <translation>Nothing frozen</translation>
    </message>
    <message>
        <source>Text tower: attention only</source>
        <translation>Text tower: attention only</translation>
    </message>
    <message>
        <source>Towers: last layers only</source>
        <translation>Towers: last layers only</translation>
    </message>
    <message>
        <source>Towers frozen (heads only)</source>
        <translation>Towers frozen (heads only)</translation>
    </message>
    <message>
        <source>Freezing:</source>
        <translation>Freezing:</translation>
    </message>
    <message>
        <source>Batch size:</source>
        <translation>Batch size:</translation>
    </message>
    <message>
        <source>Teaching the model</source>
        <translation>Teaching the model</translation>
    </message>
    <message>
        <source>Loss and validation Recall@K</source>
        <translation>Loss and validation Recall@K</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>Loss</translation>
    </message>
    <message>
        <source>Recall@K (validation)</source>
        <translation>Recall@K (validation)</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>Step</translation>
    </message>
    <message>
        <source>Recall@K</source>
        <translation>Recall@K</translation>
    </message>
    <message>
        <source>Held-out captions</source>
        <translation>Held-out captions</translation>
    </message>
    <message>
        <source>Before</source>
        <translation>Before</translation>
    </message>
    <message>
        <source>After</source>
        <translation>After</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>Use this model</translation>
    </message>
    <message>
        <source>Preparing the photos and the model…</source>
        <translation>Preparing the photos and the model…</translation>
    </message>
    <message>
        <source>Epoch %1 of %2 · step %3 · loss %4 · learning rate %5</source>
        <translation>Epoch %1 of %2 · step %3 · loss %4 · learning rate %5</translation>
    </message>
    <message>
        <source>Recall@%1 (validation)</source>
        <translation>Recall@%1 (validation)</translation>
    </message>
    <message>
        <source>elapsed %1, left %2</source>
        <translation>elapsed %1, left %2</translation>
    </message>
    <message>
        <source>Teaching was cancelled. The model in use has not changed.</source>
        <translation>Teaching was cancelled. The model in use has not changed.</translation>
    </message>
    <message numerus="yes">
        <source>Done: the new model “%1” learned from %n pair(s).</source>
        <translation>
            <numerusform>Done: the new model “%1” learned from %n pair.</numerusform>
            <numerusform>Done: the new model “%1” learned from %n pairs.</numerusform>
        </translation>
    </message>
    <message>
        <source>Held-out captions (%1)</source>
        <translation>Held-out captions (%1)</translation>
    </message>
    <message>
        <source>Teaching stopped: %1</source>
        <translation>Teaching stopped: %1</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Cancelling…</translation>
    </message>
    <message>
        <source>In use: the library is re-indexed in the background</source>
        <translation>In use: the library is re-indexed in the background</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>The new model cannot be used: %1</source>
        <translation>The new model cannot be used: %1</translation>
    </message>
    <message>
        <source>Stop teaching the model? What it learned so far is lost.</source>
        <translation>Stop teaching the model? What it learned so far is lost.</translation>
    </message>
    <message>
        <source>took %1</source>
        <translation>took %1</translation>
    </message>
    <message numerus="yes">
        <source>%n pair(s) ready for teaching</source>
        <translation>
            <numerusform>%n pair ready for teaching</numerusform>
            <numerusform>%n pairs ready for teaching</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n to learn from</source>
        <translation>
            <numerusform>%n to learn from</numerusform>
            <numerusform>%n to learn from</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n held out to measure the model.</source>
        <translation>
            <numerusform>%n held out to measure the model.</numerusform>
            <numerusform>%n held out to measure the model.</numerusform>
        </translation>
    </message>
    <message>
        <source>Captions on a few more photos are needed. Add captions to photos (right click ▸ Add caption) or mark search results as relevant.</source>
        <translation>Captions on a few more photos are needed. Add captions to photos (right click ▸ Add caption) or mark search results as relevant.</translation>
    </message>
    <message>
        <source>With fewer than %1 held-out captions the before/after figures are too few to measure.</source>
        <translation>With fewer than %1 held-out captions the before/after figures are too few to measure.</translation>
    </message>
    <message>
        <source>Too few held-out captions to measure the change (%1; at least %2 are needed).</source>
        <translation>Too few held-out captions to measure the change (%1; at least %2 are needed).</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>Loading the model…</translation>
    </message>
    <message>
        <source>Measuring the model before teaching…</source>
        <translation>Measuring the model before teaching…</translation>
    </message>
    <message>
        <source>Teaching…</source>
        <translation>Teaching…</translation>
    </message>
    <message>
        <source>Measuring the new model…</source>
        <translation>Measuring the new model…</translation>
    </message>
    <message>
        <source>Saving the new model…</source>
        <translation>Saving the new model…</translation>
    </message>
    <message>
        <source>Choose the settings myself (advanced)</source>
        <translation>Choose the settings myself (advanced)</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::Format</name>
    <message>
        <source>unknown</source>
        <translation>unknown</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>Text→photo Recall@%1</source>
        <translation>Text→photo Recall@%1</translation>
    </message>
    <message>
        <source>Photo→text Recall@%1</source>
        <translation>Photo→text Recall@%1</translation>
    </message>
    <message>
        <source>Text→photo MAP</source>
        <translation>Text→photo MAP</translation>
    </message>
    <message>
        <source>Photo→text MAP</source>
        <translation>Photo→text MAP</translation>
    </message>
    <message>
        <source>Text→photo median rank</source>
        <translation>Text→photo median rank</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::ImportModelDialog</name>
    <message>
        <source>for example: lowclip-effnet-b0</source>
        <translation>for example: lowclip-effnet-b0</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Name:</translation>
    </message>
    <message>
        <source>Import a LowCLIP model</source>
        <translation>Import a LowCLIP model</translation>
    </message>
    <message>
        <source>Choose a LowCLIP model folder: it holds lowclip.json, model.safetensors and vocab.txt.</source>
        <translation>Choose a LowCLIP model folder: it holds lowclip.json, model.safetensors and vocab.txt.</translation>
    </message>
    <message>
        <source>Model folder:</source>
        <translation>Model folder:</translation>
    </message>
    <message>
        <source>Import a Simple-CLIP model</source>
        <translation>Import a Simple-CLIP model</translation>
    </message>
    <message>
        <source>Choose a whole Simple-CLIP or LowCLIP state dict saved with torch.save (.pt, .bin or .safetensors), the vocab.txt of its text encoder and, if you have it, the BERT config.json.</source>
        <translation>Choose a whole Simple-CLIP or LowCLIP state dict saved with torch.save (.pt, .bin or .safetensors), the vocab.txt of its text encoder and, if you have it, the BERT config.json.</translation>
    </message>
    <message>
        <source>State dict:</source>
        <translation>State dict:</translation>
    </message>
    <message>
        <source>Weights (*.pt *.pth *.bin *.safetensors)</source>
        <translation>Weights (*.pt *.pth *.bin *.safetensors)</translation>
    </message>
    <message>
        <source>vocab.txt:</source>
        <translation>vocab.txt:</translation>
    </message>
    <message>
        <source>Vocabulary (*.txt)</source>
        <translation>Vocabulary (*.txt)</translation>
    </message>
    <message>
        <source>config.json (optional):</source>
        <translation>config.json (optional):</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Build a model from a BERT and an image backbone</source>
        <translation>Build a model from a BERT and an image backbone</translation>
    </message>
    <message>
        <source>Choose a Hugging Face BERT folder (config.json, vocab.txt, model.safetensors or pytorch_model.bin) and the weights of an image backbone (torchvision or timm). The new model still needs teaching: its projection heads start untrained.</source>
        <translation>Choose a Hugging Face BERT folder (config.json, vocab.txt, model.safetensors or pytorch_model.bin) and the weights of an image backbone (torchvision or timm). The new model still needs teaching: its projection heads start untrained.</translation>
    </message>
    <message>
        <source>BERT folder:</source>
        <translation>BERT folder:</translation>
    </message>
    <message>
        <source>Image weights:</source>
        <translation>Image weights:</translation>
    </message>
    <message>
        <source>Weights (*.pth *.pt *.bin *.safetensors)</source>
        <translation>Weights (*.pth *.pt *.bin *.safetensors)</translation>
    </message>
    <message>
        <source>Guess from the weights</source>
        <translation>Guess from the weights</translation>
    </message>
    <message>
        <source>Architecture:</source>
        <translation>Architecture:</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Browse…</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::IndexingDialog</name>
    <message>
        <source>Indexing</source>
        <translation>Indexing</translation>
    </message>
    <message>
        <source>Index now</source>
        <translation>Index now</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Files that could not be read</source>
        <translation>Files that could not be read</translation>
    </message>
    <message>
        <source>File</source>
        <translation>File</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>Looking for new and changed photos…</source>
        <translation>Looking for new and changed photos…</translation>
    </message>
    <message>
        <source>Indexing photos…</source>
        <translation>Indexing photos…</translation>
    </message>
    <message>
        <source>Training…</source>
        <translation>Training…</translation>
    </message>
    <message>
        <source>Working: %1</source>
        <translation>Working: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) so far</source>
        <translation>
            <numerusform>%n photo so far</numerusform>
            <numerusform>%n photos so far</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 of %2 photos, %3 photos/s, %4 left</source>
        <translation>%1 of %2 photos, %3 photos/s, %4 left</translation>
    </message>
    <message>
        <source>Indexing stopped</source>
        <translation>Indexing stopped</translation>
    </message>
    <message>
        <source>Indexing was cancelled</source>
        <translation>Indexing was cancelled</translation>
    </message>
    <message>
        <source>Photos indexed so far are kept; the rest are indexed next time.</source>
        <translation>Photos indexed so far are kept; the rest are indexed next time.</translation>
    </message>
    <message>
        <source>The library is up to date</source>
        <translation>The library is up to date</translation>
    </message>
    <message>
        <source>Every file could be read.</source>
        <translation>Every file could be read.</translation>
    </message>
    <message>
        <source>Files that could not be read (%1)</source>
        <translation>Files that could not be read (%1)</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Try again</translation>
    </message>
    <message>
        <source>Look at the library folders again and index what can be read now</source>
        <translation>Look at the library folders again and index what can be read now</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>Show in folder</translation>
    </message>
    <message>
        <source>Last run: %1 new, %2 changed, %3 removed, %4 indexed.</source>
        <translation>Last run: %1 new, %2 changed, %3 removed, %4 indexed.</translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) could not be read.</source>
        <translation>
            <numerusform>%n file could not be read.</numerusform>
            <numerusform>%n files could not be read.</numerusform>
        </translation>
    </message>
    <message>
        <source>The file is empty.</source>
        <translation>The file is empty.</translation>
    </message>
    <message>
        <source>The photo is too large to open on this computer.</source>
        <translation>The photo is too large to open on this computer.</translation>
    </message>
    <message>
        <source>The file cannot be opened (no permission, or the disk is not there).</source>
        <translation>The file cannot be opened (no permission, or the disk is not there).</translation>
    </message>
    <message>
        <source>The file is incomplete: it was cut off while being copied or saved.</source>
        <translation>The file is incomplete: it was cut off while being copied or saved.</translation>
    </message>
    <message>
        <source>This is not a photo in a supported format (JPEG, PNG, WebP, TIFF, BMP, HEIF).</source>
        <translation>This is not a photo in a supported format (JPEG, PNG, WebP, TIFF, BMP, HEIF).</translation>
    </message>
    <message>
        <source>This kind of image is not supported.</source>
        <translation>This kind of image is not supported.</translation>
    </message>
    <message>
        <source>The file is damaged.</source>
        <translation>The file is damaged.</translation>
    </message>
    <message>
        <source>The file could not be read as a photo.</source>
        <translation>The file could not be read as a photo.</translation>
    </message>
    <message>
        <source>The file is in %1</source>
        <translation>The file is in %1</translation>
    </message>
    <message>
        <source>Technical details: %1</source>
        <translation>Technical details: %1</translation>
    </message>
    <message>
        <source>This is a folder or a special file, not a photo.</source>
        <translation>This is a folder or a special file, not a photo.</translation>
    </message>
    <message>
        <source>There was not enough memory to open the photo; try again later.</source>
        <translation>There was not enough memory to open the photo; try again later.</translation>
    </message>
    <message>
        <source>Remove from library</source>
        <translation>Remove from library</translation>
    </message>
    <message>
        <source>Stop listing these files: the library passes them by from now on; the files stay on disk</source>
        <translation>Stop listing these files: the library passes them by from now on; the files stay on disk</translation>
    </message>
    <message>
        <source>Remove “%1” from the library? The file stays on the disk; its captions and marks are removed, and the library passes it by from now on.</source>
        <translation>Remove “%1” from the library? The file stays on the disk; its captions and marks are removed, and the library passes it by from now on.</translation>
    </message>
    <message numerus="yes">
        <source>Remove %n file(s) from the library? The files stay on the disk; their captions and marks are removed, and the library passes them by from now on.</source>
        <translation>
            <numerusform>Remove %n file from the library? The file stays on the disk; its captions and marks are removed, and the library passes it by from now on.</numerusform>
            <numerusform>Remove %n files from the library? The files stay on the disk; their captions and marks are removed, and the library passes them by from now on.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>lowclip::ui::MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>&amp;Add folder…</source>
        <translation>&amp;Add folder…</translation>
    </message>
    <message>
        <source>&amp;Import captions…</source>
        <translation>&amp;Import captions…</translation>
    </message>
    <message>
        <source>&amp;Export captions…</source>
        <translation>&amp;Export captions…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Settings…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quit</translation>
    </message>
    <message>
        <source>&amp;Library</source>
        <translation>&amp;Library</translation>
    </message>
    <message>
        <source>&amp;Index now</source>
        <translation>&amp;Index now</translation>
    </message>
    <message>
        <source>Indexing &amp;details…</source>
        <translation>Indexing &amp;details…</translation>
    </message>
    <message>
        <source>&amp;Captions…</source>
        <translation>&amp;Captions…</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>&amp;Model</translation>
    </message>
    <message>
        <source>&amp;Models…</source>
        <translation>&amp;Models…</translation>
    </message>
    <message>
        <source>&amp;Teach the model…</source>
        <translation>&amp;Teach the model…</translation>
    </message>
    <message>
        <source>Try the &amp;demo…</source>
        <translation>Try the &amp;demo…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>How to get a &amp;model</source>
        <translation>How to get a &amp;model</translation>
    </message>
    <message>
        <source>&amp;About LowCLIP</source>
        <translation>&amp;About LowCLIP</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>About &amp;Qt</translation>
    </message>
    <message>
        <source>Folders</source>
        <translation>Folders</translation>
    </message>
    <message>
        <source>Photo folders in the library. Choose one to search only there.</source>
        <translation>Photo folders in the library. Choose one to search only there.</translation>
    </message>
    <message>
        <source>+ Folder</source>
        <translation>+ Folder</translation>
    </message>
    <message>
        <source>Add folder</source>
        <translation>Add folder</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>Remove folder from library (files stay)</source>
        <translation>Remove folder from library (files stay)</translation>
    </message>
    <message>
        <source>Captions</source>
        <translation>Captions</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>Models</translation>
    </message>
    <message>
        <source>Teach the model</source>
        <translation>Teach the model</translation>
    </message>
    <message>
        <source>What are you looking for? For example: dənizdə gün batımı</source>
        <translation>What are you looking for? For example: dənizdə gün batımı</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>all</source>
        <translation>all</translation>
    </message>
    <message>
        <source>last 30 days</source>
        <translation>last 30 days</translation>
    </message>
    <message>
        <source>this year</source>
        <translation>this year</translation>
    </message>
    <message>
        <source>last year</source>
        <translation>last year</translation>
    </message>
    <message>
        <source>between…</source>
        <translation>between…</translation>
    </message>
    <message>
        <source>Welcome to LowCLIP</source>
        <translation>Welcome to LowCLIP</translation>
    </message>
    <message>
        <source>Find your photos by describing them in Azerbaijani. Everything runs on this computer; your photos are never changed or sent anywhere.</source>
        <translation>Find your photos by describing them in Azerbaijani. Everything runs on this computer; your photos are never changed or sent anywhere.</translation>
    </message>
    <message>
        <source>Add a photo folder…</source>
        <translation>Add a photo folder…</translation>
    </message>
    <message>
        <source>Try the demo</source>
        <translation>Try the demo</translation>
    </message>
    <message>
        <source>Trains a small model on generated pictures and opens a demo library (a few minutes)</source>
        <translation>Trains a small model on generated pictures and opens a demo library (a few minutes)</translation>
    </message>
    <message>
        <source>Import a model…</source>
        <translation>Import a model…</translation>
    </message>
    <message>
        <source>Click for details</source>
        <translation>Click for details</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s)</source>
        <translation>
            <numerusform>%n photo</numerusform>
            <numerusform>%n photos</numerusform>
        </translation>
    </message>
    <message>
        <source>model: %1</source>
        <translation>model: %1</translation>
    </message>
    <message>
        <source>no model</source>
        <translation>no model</translation>
    </message>
    <message numerus="yes">
        <source>%n not indexed yet</source>
        <translation>
            <numerusform>%n not indexed yet</numerusform>
            <numerusform>%n not indexed yet</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n could not be read</source>
        <translation>
            <numerusform>%n could not be read</numerusform>
            <numerusform>%n could not be read</numerusform>
        </translation>
    </message>
    <message>
        <source>1. Add the folders where your photos are.</source>
        <translation>1. Add the folders where your photos are.</translation>
    </message>
    <message numerus="yes">
        <source>1. ✓ %n folder(s) in the library.</source>
        <translation>
            <numerusform>1. ✓ %n folder in the library.</numerusform>
            <numerusform>1. ✓ %n folders in the library.</numerusform>
        </translation>
    </message>
    <message>
        <source>2. ✓ Model: %1</source>
        <translation>2. ✓ Model: %1</translation>
    </message>
    <message>
        <source>2. Get a model that understands Azerbaijani. &lt;b&gt;Try the demo&lt;/b&gt; to see LowCLIP work in a few minutes on generated pictures, or import a pretrained LowCLIP model (Model ▸ Models ▸ Import). See Help ▸ How to get a model.</source>
        <translation>2. Get a model that understands Azerbaijani. &lt;b&gt;Try the demo&lt;/b&gt; to see LowCLIP work in a few minutes on generated pictures, or import a pretrained LowCLIP model (Model ▸ Models ▸ Import). See Help ▸ How to get a model.</translation>
    </message>
    <message>
        <source>No photos yet: the library folders are being scanned.</source>
        <translation>No photos yet: the library folders are being scanned.</translation>
    </message>
    <message>
        <source>Type what you are looking for, in Azerbaijani, and press Enter.</source>
        <translation>Type what you are looking for, in Azerbaijani, and press Enter.</translation>
    </message>
    <message>
        <source>Nothing found. Try other words, or clear the filters.</source>
        <translation>Nothing found. Try other words, or clear the filters.</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Searching…</translation>
    </message>
    <message numerus="yes">
        <source>%n result(s), %1 ms</source>
        <translation>
            <numerusform>%n result, %1 ms</numerusform>
            <numerusform>%n results, %1 ms</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Similar to %1: %n photo(s)</source>
        <translation>
            <numerusform>Similar to %1: %n photo</numerusform>
            <numerusform>Similar to %1: %n photos</numerusform>
        </translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>Show in folder</translation>
    </message>
    <message>
        <source>Find similar</source>
        <translation>Find similar</translation>
    </message>
    <message numerus="yes">
        <source>Add caption to %n photo(s)…</source>
        <translation>
            <numerusform>Add caption to %n photo…</numerusform>
            <numerusform>Add caption to %n photos…</numerusform>
        </translation>
    </message>
    <message>
        <source>Add caption…</source>
        <translation>Add caption…</translation>
    </message>
    <message>
        <source>Relevant</source>
        <translation>Relevant</translation>
    </message>
    <message>
        <source>Not relevant</source>
        <translation>Not relevant</translation>
    </message>
    <message numerus="yes">
        <source>Caption added to %n photo(s).</source>
        <translation>
            <numerusform>Caption added to %n photo.</numerusform>
            <numerusform>Caption added to %n photos.</numerusform>
        </translation>
    </message>
    <message>
        <source>The caption could not be saved: %1</source>
        <translation>The caption could not be saved: %1</translation>
    </message>
    <message>
        <source>Marked as relevant to “%1”.</source>
        <translation>Marked as relevant to “%1”.</translation>
    </message>
    <message>
        <source>Marked as not relevant to “%1”.</source>
        <translation>Marked as not relevant to “%1”.</translation>
    </message>
    <message>
        <source>The folder could not be added: %1</source>
        <translation>The folder could not be added: %1</translation>
    </message>
    <message>
        <source>Remove folder</source>
        <translation>Remove folder</translation>
    </message>
    <message>
        <source>Remove “%1” from the library? The files stay where they are; LowCLIP forgets their index and captions.</source>
        <translation>Remove “%1” from the library? The files stay where they are; LowCLIP forgets their index and captions.</translation>
    </message>
    <message>
        <source>The folder could not be removed: %1</source>
        <translation>The folder could not be removed: %1</translation>
    </message>
    <message>
        <source>scanning %1%</source>
        <translation>scanning %1%</translation>
    </message>
    <message>
        <source>indexing %1%</source>
        <translation>indexing %1%</translation>
    </message>
    <message>
        <source>scanning…</source>
        <translation>scanning…</translation>
    </message>
    <message>
        <source>indexing…</source>
        <translation>indexing…</translation>
    </message>
    <message>
        <source>Indexing stopped: %1</source>
        <translation>Indexing stopped: %1</translation>
    </message>
    <message>
        <source>Indexing cancelled.</source>
        <translation>Indexing cancelled.</translation>
    </message>
    <message>
        <source>Library updated: %1 new, %2 removed, %3 indexed.</source>
        <translation>Library updated: %1 new, %2 removed, %3 indexed.</translation>
    </message>
    <message>
        <source>The demo draws a few thousand pictures of shapes with Azerbaijani captions, trains a small model on them (a few minutes on this computer) and adds the pictures it did not train on to your library as a demo folder. Start?</source>
        <translation>The demo draws a few thousand pictures of shapes with Azerbaijani captions, trains a small model on them (a few minutes on this computer) and adds the pictures it did not train on to your library as a demo folder. Start?</translation>
    </message>
    <message>
        <source>Preparing the demo…</source>
        <translation>Preparing the demo…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Demo library</source>
        <translation>Demo library</translation>
    </message>
    <message>
        <source>The demo could not be built: %1</source>
        <translation>The demo could not be built: %1</translation>
    </message>
    <message>
        <source>The settings could not be applied: %1</source>
        <translation>The settings could not be applied: %1</translation>
    </message>
    <message>
        <source>About LowCLIP</source>
        <translation>About LowCLIP</translation>
    </message>
    <message>
        <source>&lt;h3&gt;LowCLIP %1&lt;/h3&gt;&lt;p&gt;Finds photos from sentences in Azerbaijani with a CLIP-style dual encoder (LowCLIP, arXiv 2408.13909), and learns from your captions.&lt;/p&gt;&lt;p&gt;Everything runs on this computer. LowCLIP never changes or deletes your photos.&lt;/p&gt;&lt;p&gt;Data folder: %2&lt;/p&gt;</source>
        <translation>&lt;h3&gt;LowCLIP %1&lt;/h3&gt;&lt;p&gt;Finds photos from sentences in Azerbaijani with a CLIP-style dual encoder (LowCLIP, arXiv 2408.13909), and learns from your captions.&lt;/p&gt;&lt;p&gt;Everything runs on this computer. LowCLIP never changes or deletes your photos.&lt;/p&gt;&lt;p&gt;Data folder: %2&lt;/p&gt;</translation>
    </message>
    <message>
        <source>How to get a model</source>
        <translation>How to get a model</translation>
    </message>
    <message>
        <source>&lt;p&gt;LowCLIP needs a model that links Azerbaijani sentences and pictures.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Try the demo&lt;/b&gt; (Model menu): trains a small model on generated pictures of shapes in a few minutes. It understands sentences such as “qırmızı dairə” or “mavi fonda sarı ulduz”, not real photos.&lt;/li&gt;&lt;li&gt;&lt;b&gt;A LowCLIP model folder&lt;/b&gt; (lowclip.json, model.safetensors, vocab.txt): Model ▸ Models ▸ Import.&lt;/li&gt;&lt;li&gt;&lt;b&gt;A Simple-CLIP / LowCLIP state dict&lt;/b&gt; saved with torch.save: Import ▸ Simple-CLIP state dict, or &lt;tt&gt;lowclip-cli import simpleclip STATE_DICT --vocab vocab.txt --out FOLDER&lt;/tt&gt;.&lt;/li&gt;&lt;li&gt;&lt;b&gt;A multilingual BERT and image backbone weights&lt;/b&gt;: Import ▸ Hugging Face BERT + image backbone, then teach it with your captions (Model ▸ Teach the model).&lt;/li&gt;&lt;/ul&gt;</source>
        <translation>&lt;p&gt;LowCLIP needs a model that links Azerbaijani sentences and pictures.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Try the demo&lt;/b&gt; (Model menu): trains a small model on generated pictures of shapes in a few minutes. It understands sentences such as “qırmızı dairə” or “mavi fonda sarı ulduz”, not real photos.&lt;/li&gt;&lt;li&gt;&lt;b&gt;A LowCLIP model folder&lt;/b&gt; (lowclip.json, model.safetensors, vocab.txt): Model ▸ Models ▸ Import.&lt;/li&gt;&lt;li&gt;&lt;b&gt;A Simple-CLIP / LowCLIP state dict&lt;/b&gt; saved with torch.save: Import ▸ Simple-CLIP state dict, or &lt;tt&gt;lowclip-cli import simpleclip STATE_DICT --vocab vocab.txt --out FOLDER&lt;/tt&gt;.&lt;/li&gt;&lt;li&gt;&lt;b&gt;A multilingual BERT and image backbone weights&lt;/b&gt;: Import ▸ Hugging Face BERT + image backbone, then teach it with your captions (Model ▸ Teach the model).&lt;/li&gt;&lt;/ul&gt;</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>The demo was cancelled.</source>
        <translation>The demo was cancelled.</translation>
    </message>
    <message>
        <source>Drawing the pictures and building the vocabulary</source>
        <translation>Drawing the pictures and building the vocabulary</translation>
    </message>
    <message>
        <source>Training the demo model: step %1 of %2</source>
        <translation>Training the demo model: step %1 of %2</translation>
    </message>
    <message>
        <source>Training the demo model</source>
        <translation>Training the demo model</translation>
    </message>
    <message>
        <source>Measuring the model on pictures it has not seen</source>
        <translation>Measuring the model on pictures it has not seen</translation>
    </message>
    <message>
        <source>Saving the model</source>
        <translation>Saving the model</translation>
    </message>
    <message>
        <source>Writing the demo photos</source>
        <translation>Writing the demo photos</translation>
    </message>
    <message>
        <source>Indexing the demo photos: %1 of %2</source>
        <translation>Indexing the demo photos: %1 of %2</translation>
    </message>
    <message>
        <source>Indexing the demo photos</source>
        <translation>Indexing the demo photos</translation>
    </message>
    <message>
        <source>Trying a few searches</source>
        <translation>Trying a few searches</translation>
    </message>
    <message>
        <source>elapsed %1</source>
        <translation>elapsed %1</translation>
    </message>
    <message>
        <source>about %1 left in this stage</source>
        <translation>about %1 left in this stage</translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) could not be read (Library ▸ Indexing details).</source>
        <translation>
            <numerusform>%n file could not be read (Library ▸ Indexing details).</numerusform>
            <numerusform>%n files could not be read (Library ▸ Indexing details).</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Relevance marks…</source>
        <translation>&amp;Relevance marks…</translation>
    </message>
    <message>
        <source>&amp;Undo the last mark</source>
        <translation>&amp;Undo the last mark</translation>
    </message>
    <message>
        <source>&amp;Date:</source>
        <translation>&amp;Date:</translation>
    </message>
    <message>
        <source>with photos without a date</source>
        <translation>with photos without a date</translation>
    </message>
    <message>
        <source>Photos whose files do not say when they were taken</source>
        <translation>Photos whose files do not say when they were taken</translation>
    </message>
    <message>
        <source>F&amp;older:</source>
        <translation>F&amp;older:</translation>
    </message>
    <message>
        <source>relevance</source>
        <translation>relevance</translation>
    </message>
    <message>
        <source>newest first</source>
        <translation>newest first</translation>
    </message>
    <message>
        <source>oldest first</source>
        <translation>oldest first</translation>
    </message>
    <message>
        <source>S&amp;ort:</source>
        <translation>S&amp;ort:</translation>
    </message>
    <message>
        <source>No photos match the filters.</source>
        <translation>No photos match the filters.</translation>
    </message>
    <message numerus="yes">
        <source>The model does not know the word(s) %1: the results do not take them into account. Try other words, or teach the model with captions that use them.</source>
        <translation>
            <numerusform>The model does not know the word %1: the results do not take it into account. Try other words, or teach the model with captions that use it.</numerusform>
            <numerusform>The model does not know the words %1: the results do not take them into account. Try other words, or teach the model with captions that use them.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s), newest first</source>
        <translation>
            <numerusform>%n photo, newest first</numerusform>
            <numerusform>%n photos, newest first</numerusform>
        </translation>
    </message>
    <message>
        <source>There is no model yet, so these are all your photos, newest first. Try the demo or import a model (Model menu) to find photos by describing them.</source>
        <translation>There is no model yet, so these are all your photos, newest first. Try the demo or import a model (Model menu) to find photos by describing them.</translation>
    </message>
    <message>
        <source>No photo viewer could be started: the photo is shown here instead.</source>
        <translation>No photo viewer could be started: the photo is shown here instead.</translation>
    </message>
    <message>
        <source>Undo the mark</source>
        <translation>Undo the mark</translation>
    </message>
    <message>
        <source>The mark could not be saved: %1</source>
        <translation>The mark could not be saved: %1</translation>
    </message>
    <message>
        <source>Put the mark back</source>
        <translation>Put the mark back</translation>
    </message>
    <message>
        <source>Mark removed.</source>
        <translation>Mark removed.</translation>
    </message>
    <message>
        <source>The mark could not be removed: %1</source>
        <translation>The mark could not be removed: %1</translation>
    </message>
    <message>
        <source>Mark undone.</source>
        <translation>Mark undone.</translation>
    </message>
    <message>
        <source>The mark could not be undone: %1</source>
        <translation>The mark could not be undone: %1</translation>
    </message>
    <message>
        <source>Find &amp;near-identical photos…</source>
        <translation>Find &amp;near-identical photos…</translation>
    </message>
    <message>
        <source>&amp;Group near-identical photos in results</source>
        <translation>&amp;Group near-identical photos in results</translation>
    </message>
    <message numerus="yes">
        <source>%n clearly relevant, the rest faded</source>
        <translation>
            <numerusform>%n clearly relevant, the rest faded</numerusform>
            <numerusform>%n clearly relevant, the rest faded</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n stack(s) of near-identical photos</source>
        <translation>
            <numerusform>%n stack of near-identical photos</numerusform>
            <numerusform>%n stacks of near-identical photos</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n near-identical photo(s)</source>
        <translation>
            <numerusform>%n near-identical photo</numerusform>
            <numerusform>%n near-identical photos</numerusform>
        </translation>
    </message>
    <message>
        <source>Close the stack</source>
        <translation>Close the stack</translation>
    </message>
    <message numerus="yes">
        <source>Show the %n near-identical photo(s)</source>
        <translation>
            <numerusform>Show the %n near-identical photo</numerusform>
            <numerusform>Show the %n near-identical photos</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>lowclip::ui::ModelManager</name>
    <message>
        <source>Model manager</source>
        <translation>Model manager</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>Architecture</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>Quality</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Created</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>LowCLIP model folder…</source>
        <translation>LowCLIP model folder…</translation>
    </message>
    <message>
        <source>Simple-CLIP state dict…</source>
        <translation>Simple-CLIP state dict…</translation>
    </message>
    <message>
        <source>Hugging Face BERT + image backbone…</source>
        <translation>Hugging Face BERT + image backbone…</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>Use this model</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>not measured</source>
        <translation>not measured</translation>
    </message>
    <message>
        <source>%1 (in use)</source>
        <translation>%1 (in use)</translation>
    </message>
    <message>
        <source>There is no model yet. Try the demo (Model ▸ Try the demo), or import a pretrained LowCLIP model: Import ▸ LowCLIP model folder, or from the command line: lowclip-cli import simpleclip STATE_DICT --vocab vocab.txt --out MODEL_FOLDER.</source>
        <translation>There is no model yet. Try the demo (Model ▸ Try the demo), or import a pretrained LowCLIP model: Import ▸ LowCLIP model folder, or from the command line: lowclip-cli import simpleclip STATE_DICT --vocab vocab.txt --out MODEL_FOLDER.</translation>
    </message>
    <message>
        <source>The model in use is shown in bold. A new model re-indexes the library in the background; searches keep using the old one until it is done.</source>
        <translation>The model in use is shown in bold. A new model re-indexes the library in the background; searches keep using the old one until it is done.</translation>
    </message>
    <message>
        <source>Importing the model…</source>
        <translation>Importing the model…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>The model could not be imported: %1</source>
        <translation>The model could not be imported: %1</translation>
    </message>
    <message>
        <source>This model cannot be used: %1</source>
        <translation>This model cannot be used: %1</translation>
    </message>
    <message>
        <source>Export the model into folder</source>
        <translation>Export the model into folder</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Export</translation>
    </message>
    <message>
        <source>The model “%1” was copied to %2.</source>
        <translation>The model “%1” was copied to %2.</translation>
    </message>
    <message>
        <source>The model could not be exported: %1</source>
        <translation>The model could not be exported: %1</translation>
    </message>
    <message>
        <source>Delete model</source>
        <translation>Delete model</translation>
    </message>
    <message>
        <source>Delete the model “%1” and its search index? Your photos and captions are not affected.</source>
        <translation>Delete the model “%1” and its search index? Your photos and captions are not affected.</translation>
    </message>
    <message>
        <source>The model could not be deleted: %1</source>
        <translation>The model could not be deleted: %1</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>Recall@5 %1 (on an unknown number of captions)</source>
        <translation>Recall@5 %1 (on an unknown number of captions)</translation>
    </message>
    <message>
        <source>too few captions to measure (%1; at least %2 are needed)</source>
        <translation>too few captions to measure (%1; at least %2 are needed)</translation>
    </message>
    <message numerus="yes">
        <source>Recall@5 %1 (95 %: %2–%3, %n caption(s))</source>
        <translation>
            <numerusform>Recall@5 %1 (95 %: %2–%3, %n caption)</numerusform>
            <numerusform>Recall@5 %1 (95 %: %2–%3, %n captions)</numerusform>
        </translation>
    </message>
    <message>
        <source>Measured on the captions held out when this model was taught.</source>
        <translation>Measured on the captions held out when this model was taught.</translation>
    </message>
    <message>
        <source>Measured on the demo&apos;s pictures that the model did not see in training.</source>
        <translation>Measured on the demo&apos;s pictures that the model did not see in training.</translation>
    </message>
    <message>
        <source>Measured on a set that came with the model.</source>
        <translation>Measured on a set that came with the model.</translation>
    </message>
    <message>
        <source>On your captions</source>
        <translation>On your captions</translation>
    </message>
    <message>
        <source>As measured when the model was made, on its own test set</source>
        <translation>As measured when the model was made, on its own test set</translation>
    </message>
    <message>
        <source>Every model on the same captions of this library (held out from teaching)</source>
        <translation>Every model on the same captions of this library (held out from teaching)</translation>
    </message>
    <message>
        <source>Measure on your captions</source>
        <translation>Measure on your captions</translation>
    </message>
    <message>
        <source>Measure every model on the same held-out captions of this library, so their figures compare</source>
        <translation>Measure every model on the same held-out captions of this library, so their figures compare</translation>
    </message>
    <message>
        <source>measuring…</source>
        <translation>measuring…</translation>
    </message>
    <message>
        <source>could not be measured</source>
        <translation>could not be measured</translation>
    </message>
    <message>
        <source>Technical details: %1</source>
        <translation>Technical details: %1</translation>
    </message>
    <message>
        <source>%1 captions on %2 photos of this library, held out from teaching; Recall@1 %3</source>
        <translation>%1 captions on %2 photos of this library, held out from teaching; Recall@1 %3</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::PreviewPane</name>
    <message>
        <source>Select a photo to see it here.</source>
        <translation>Select a photo to see it here.</translation>
    </message>
    <message>
        <source>Captions:</source>
        <translation>Captions:</translation>
    </message>
    <message>
        <source>Relevant</source>
        <translation>Relevant</translation>
    </message>
    <message>
        <source>This photo matches the query: use it to teach the model</source>
        <translation>This photo matches the query: use it to teach the model</translation>
    </message>
    <message>
        <source>Not relevant</source>
        <translation>Not relevant</translation>
    </message>
    <message>
        <source>This photo does not match the query</source>
        <translation>This photo does not match the query</translation>
    </message>
    <message>
        <source>Find similar</source>
        <translation>Find similar</translation>
    </message>
    <message>
        <source>Add caption…</source>
        <translation>Add caption…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>Show in folder</translation>
    </message>
    <message numerus="yes">
        <source>%n photos selected. Use “Add caption” in the context menu to caption them all.</source>
        <translation>
            <numerusform>%n photo selected. Use “Add caption” in the context menu to caption it.</numerusform>
            <numerusform>%n photos selected. Use “Add caption” in the context menu to caption them all.</numerusform>
        </translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Folder</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>Location</translation>
    </message>
    <message>
        <source>Relevance score</source>
        <translation>Relevance score</translation>
    </message>
    <message>
        <source>Search with a sentence first to mark results.</source>
        <translation>Search with a sentence first to mark results.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>This photo cannot be shown.</source>
        <translation>This photo cannot be shown.</translation>
    </message>
    <message>
        <source>No captions yet.</source>
        <translation>No captions yet.</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Undo</translation>
    </message>
    <message>
        <source>Marked as relevant. Press again to remove the mark.</source>
        <translation>Marked as relevant. Press again to remove the mark.</translation>
    </message>
    <message>
        <source>Marked as not relevant. Press again to remove the mark.</source>
        <translation>Marked as not relevant. Press again to remove the mark.</translation>
    </message>
    <message>
        <source>Not marked.</source>
        <translation>Not marked.</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::QuickLook</name>
    <message>
        <source>Preview</source>
        <translation>Preview</translation>
    </message>
    <message>
        <source>Space or Esc closes, arrows move</source>
        <translation>Space or Esc closes, arrows move</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Loading…</translation>
    </message>
    <message>
        <source>This photo cannot be shown.</source>
        <translation>This photo cannot be shown.</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::ResultsModel</name>
    <message>
        <source>%1
Relevance: %2</source>
        <translation>%1
Relevance: %2</translation>
    </message>
    <message>
        <source>Less relevant: after a clear drop in relevance.</source>
        <translation>Less relevant: after a clear drop in relevance.</translation>
    </message>
    <message numerus="yes">
        <source>%n near-identical photo(s) in this stack.</source>
        <translation>
            <numerusform>%n near-identical photo in this stack.</numerusform>
            <numerusform>%n near-identical photos in this stack.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>lowclip::ui::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Computation</source>
        <translation>Computation</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>Automatic</translation>
    </message>
    <message>
        <source>Processor (CPU)</source>
        <translation>Processor (CPU)</translation>
    </message>
    <message>
        <source>Graphics card (CUDA)</source>
        <translation>Graphics card (CUDA)</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>Device:</translation>
    </message>
    <message>
        <source>Automatic (%1)</source>
        <translation>Automatic (%1)</translation>
    </message>
    <message>
        <source>Threads:</source>
        <translation>Threads:</translation>
    </message>
    <message>
        <source>How widely a search looks: more is more accurate and slower.</source>
        <translation>How widely a search looks: more is more accurate and slower.</translation>
    </message>
    <message>
        <source>Search breadth (ef):</source>
        <translation>Search breadth (ef):</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>Appearance</translation>
    </message>
    <message>
        <source> px</source>
        <translation> px</translation>
    </message>
    <message>
        <source>Thumbnail size:</source>
        <translation>Thumbnail size:</translation>
    </message>
    <message>
        <source>Same as the system</source>
        <translation>Same as the system</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Language:</translation>
    </message>
    <message>
        <source>A new language takes effect when LowCLIP starts again.</source>
        <translation>A new language takes effect when LowCLIP starts again.</translation>
    </message>
    <message>
        <source>Show expert settings</source>
        <translation>Show expert settings</translation>
    </message>
    <message>
        <source>Search index (expert)</source>
        <translation>Search index (expert)</translation>
    </message>
    <message>
        <source>Fastest (int8 where this processor is quicker with it)</source>
        <translation>Fastest (int8 where this processor is quicker with it)</translation>
    </message>
    <message>
        <source>Exact (float32)</source>
        <translation>Exact (float32)</translation>
    </message>
    <message>
        <source>How typed searches are computed. The fastest way gives nearly the same results.</source>
        <translation>How typed searches are computed. The fastest way gives nearly the same results.</translation>
    </message>
    <message>
        <source>Search text:</source>
        <translation>Search text:</translation>
    </message>
</context>
</TS>
