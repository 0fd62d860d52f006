<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="az_AZ">
<context>
    <name>lowclip::ui::Application</name>
    <message>
        <source>Find photos by describing them in Azerbaijani.</source>
        <translation>Şəkilləri Azərbaycan dilində təsvir edərək tapın.</translation>
    </message>
    <message>
        <source>Keep the library, models and settings in &lt;folder&gt;.</source>
        <translation>Kitabxananı, modelləri və parametrləri &lt;folder&gt; qovluğunda saxla.</translation>
    </message>
    <message>
        <source>User interface language: az or en.</source>
        <translation>İnterfeys dili: az və ya en.</translation>
    </message>
    <message>
        <source>The data folder %1 cannot be created. Check that the disk is writable, or start LowCLIP with --data-dir FOLDER.</source>
        <translation>%1 məlumat qovluğunu yaratmaq mümkün deyil. Diskə yazmağın mümkün olduğunu yoxlayın və ya LowCLIP-i --data-dir QOVLUQ ilə başladın.</translation>
    </message>
    <message>
        <source>The photo library in %1 cannot be opened: %2</source>
        <translation>%1 qovluğundakı foto kitabxanasını açmaq mümkün deyil: %2</translation>
    </message>
    <message>
        <source>Search for &lt;text&gt; (in the window already open, if any).</source>
        <translation>&lt;text&gt; üçün axtar (açıq pəncərə varsa, orada).</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::CaptionDialog</name>
    <message>
        <source>Add caption</source>
        <translation>Təsvir əlavə et</translation>
    </message>
    <message numerus="yes">
        <source>Describe what is in the photo, in Azerbaijani. The caption is added to %n selected photo(s).</source>
        <translation>
            <numerusform>Şəkildə nə olduğunu Azərbaycan dilində təsvir edin. Təsvir seçilmiş %n şəklə əlavə olunacaq.</numerusform>
            <numerusform>Şəkildə nə olduğunu Azərbaycan dilində təsvir edin. Təsvir seçilmiş %n şəklə əlavə olunacaq.</numerusform>
        </translation>
    </message>
    <message>
        <source>For example: sahildə oynayan uşaqlar</source>
        <translation>Məsələn: sahildə oynayan uşaqlar</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::CaptionTransfer</name>
    <message numerus="yes">
        <source>%n caption(s) imported.</source>
        <translation>
            <numerusform>%n təsvir idxal edildi.</numerusform>
            <numerusform>%n təsvir idxal edildi.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n were there already.</source>
        <translation>
            <numerusform>%n təsvir artıq var idi.</numerusform>
            <numerusform>%n təsvir artıq var idi.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n line(s) name a photo that is not in the library and were skipped:</source>
        <translation>
            <numerusform>%n sətirdə kitabxanada olmayan şəkil göstərilib; bu sətirlər buraxıldı:</numerusform>
            <numerusform>%n sətirdə kitabxanada olmayan şəkil göstərilib; bu sətirlər buraxıldı:</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation>
            <numerusform>… və daha %n sətir</numerusform>
            <numerusform>… və daha %n sətir</numerusform>
        </translation>
    </message>
    <message>
        <source>Import captions</source>
        <translation>Təsvirləri idxal et</translation>
    </message>
    <message>
        <source>Caption files (*.tsv *.txt);;All files (*)</source>
        <translation>Təsvir faylları (*.tsv *.txt);;Bütün fayllar (*)</translation>
    </message>
    <message>
        <source>The captions could not be imported: %1</source>
        <translation>Təsvirləri idxal etmək alınmadı: %1</translation>
    </message>
    <message>
        <source>Export captions</source>
        <translation>Təsvirləri ixrac et</translation>
    </message>
    <message>
        <source>Caption files (*.tsv)</source>
        <translation>Təsvir faylları (*.tsv)</translation>
    </message>
    <message numerus="yes">
        <source>%n caption(s) written.</source>
        <translation>
            <numerusform>%n təsvir yazıldı.</numerusform>
            <numerusform>%n təsvir yazıldı.</numerusform>
        </translation>
    </message>
    <message>
        <source>The captions could not be exported: %1</source>
        <translation>Təsvirləri ixrac etmək alınmadı: %1</translation>
    </message>
    <message>
        <source>no TAB between the photo&apos;s path and the caption</source>
        <translation>şəklin yolu ilə təsvir arasında TAB yoxdur</translation>
    </message>
    <message>
        <source>the caption is empty</source>
        <translation>təsvir boşdur</translation>
    </message>
    <message>
        <source>the line is too long</source>
        <translation>sətir çox uzundur</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message numerus="yes">
        <source>%n line(s) could not be used and were skipped:</source>
        <translation>
            <numerusform>%n sətir istifadə edilə bilmədi və buraxıldı:</numerusform>
            <numerusform>%n sətir istifadə edilə bilmədi və buraxıldı:</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>lowclip::ui::CaptionsModel</name>
    <message>
        <source>typed</source>
        <translation>yazılıb</translation>
    </message>
    <message>
        <source>imported</source>
        <translation>idxal edilib</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Şəkil</translation>
    </message>
    <message>
        <source>Caption</source>
        <translation>Təsvir</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>Mənbə</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::CaptionsWindow</name>
    <message>
        <source>Captions</source>
        <translation>Təsvirlər</translation>
    </message>
    <message>
        <source>Filter by file name or caption</source>
        <translation>Fayl adına və ya təsvirə görə süz</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Sil</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>İdxal et…</translation>
    </message>
    <message>
        <source>Read captions from a TSV file: one “path&lt;TAB&gt;caption” per line</source>
        <translation>Təsvirləri TSV faylından oxu: hər sətirdə bir “yol&lt;TAB&gt;təsvir”</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>İxrac et…</translation>
    </message>
    <message>
        <source>Write every caption to a TSV file</source>
        <translation>Bütün təsvirləri TSV faylına yaz</translation>
    </message>
    <message numerus="yes">
        <source>%n caption(s) on %1 photo(s).</source>
        <translation>
            <numerusform>%1 şəkildə %n təsvir.</numerusform>
            <numerusform>%1 şəkildə %n təsvir.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n pair(s) ready for teaching the model (captions and photos marked relevant).</source>
        <translation>
            <numerusform>Modeli öyrətmək üçün %n cüt hazırdır (təsvirlər və uyğun kimi işarələnmiş şəkillər).</numerusform>
            <numerusform>Modeli öyrətmək üçün %n cüt hazırdır (təsvirlər və uyğun kimi işarələnmiş şəkillər).</numerusform>
        </translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Xəta</translation>
    </message>
    <message>
        <source>The captions could not be changed: %1</source>
        <translation>Təsvirləri dəyişmək alınmadı: %1</translation>
    </message>
    <message>
        <source>Delete the caption “%1”? The photo itself is not affected.</source>
        <translation>“%1” təsviri silinsin? Şəklin özünə toxunulmur.</translation>
    </message>
    <message numerus="yes">
        <source>Delete %n caption(s)? The photos themselves are not affected.</source>
        <translation>
            <numerusform>%n təsvir silinsin? Şəkillərin özlərinə toxunulmur.</numerusform>
            <numerusform>%n təsvir silinsin? Şəkillərin özlərinə toxunulmur.</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete captions</source>
        <translation>Təsvirləri sil</translation>
    </message>
    <message>
        <source>Undo delete</source>
        <translation>Silməni geri al</translation>
    </message>
    <message>
        <source>Put back the captions just deleted (Ctrl+Z)</source>
        <translation>İndicə silinən təsvirləri geri qaytar (Ctrl+Z)</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::DesktopSearch</name>
    <message>
        <source>Show in folder</source>
        <translation>Qovluqda göstər</translation>
    </message>
    <message>
        <source>Search in LowCLIP</source>
        <translation>LowCLIP-də axtar</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::DuplicatesDialog</name>
    <message>
        <source>Near-identical photos</source>
        <translation>Demək olar eyni şəkillər</translation>
    </message>
    <message>
        <source>Photos that look nearly the same: bursts, copies and small edits. They are found from what the model saw in each photo. Nothing is changed or deleted here.</source>
        <translation>Demək olar eyni görünən şəkillər: ardıcıl çəkilişlər, surətlər və kiçik düzəlişlər. Onlar modelin hər şəkildə gördüyünə əsasən tapılır. Burada heç nə dəyişdirilmir və silinmir.</translation>
    </message>
    <message>
        <source>&amp;Similarity from:</source>
        <translation>&amp;Oxşarlıq, ən azı:</translation>
    </message>
    <message>
        <source>Higher: only photos that are almost the same. Lower: also photos of the same scene.</source>
        <translation>Yüksək: yalnız demək olar eyni şəkillər. Aşağı: eyni səhnənin şəkilləri də.</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>&amp;Tap</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Şəkil</translation>
    </message>
    <message>
        <source>Similarity</source>
        <translation>Oxşarlıq</translation>
    </message>
    <message>
        <source>Pixels</source>
        <translation>Piksel</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Ölçü</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Tarix</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>&amp;Aç</translation>
    </message>
    <message>
        <source>Show in f&amp;older</source>
        <translation>&amp;Qovluqda göstər</translation>
    </message>
    <message>
        <source>Show the &amp;group in the results</source>
        <translation>&amp;Qrupu nəticələrdə göstər</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>&amp;Ləğv et</translation>
    </message>
    <message>
        <source>Comparing the photos…</source>
        <translation>Şəkillər müqayisə edilir…</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Ləğv edildi.</translation>
    </message>
    <message>
        <source>No photo has been indexed with the model yet.</source>
        <translation>Hələ heç bir şəkil bu modellə indekslənməyib.</translation>
    </message>
    <message numerus="yes">
        <source>No near-identical photos at this similarity among %n photo(s).</source>
        <translation>
            <numerusform>Bu oxşarlıqda %n şəkil arasında demək olar eyni şəkil yoxdur.</numerusform>
            <numerusform>Bu oxşarlıqda %n şəkil arasında demək olar eyni şəkil yoxdur.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n group(s) of near-identical photos</source>
        <translation>
            <numerusform>demək olar eyni şəkillərdən %n qrup</numerusform>
            <numerusform>demək olar eyni şəkillərdən %n qrup</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) in them</source>
        <translation>
            <numerusform>onlarda %n şəkil</numerusform>
            <numerusform>onlarda %n şəkil</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) compared</source>
        <translation>
            <numerusform>%n şəkil müqayisə edildi</numerusform>
            <numerusform>%n şəkil müqayisə edildi</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>the largest %n shown</source>
        <translation>
            <numerusform>ən böyük %n qrup göstərilir</numerusform>
            <numerusform>ən böyük %n qrup göstərilir</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Group %1 · %n photo(s)</source>
        <translation>
            <numerusform>Qrup %1 · %n şəkil</numerusform>
            <numerusform>Qrup %1 · %n şəkil</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (the largest)</source>
        <translation>%1 (ən böyüyü)</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::ErrorText</name>
    <message>
        <source>Details: %1</source>
        <translation>Təfərrüatlar: %1</translation>
    </message>
    <message>
        <source>The work was cancelled.</source>
        <translation>İş ləğv edildi.</translation>
    </message>
    <message>
        <source>There is no photo library in %1 yet.</source>
        <translation>%1 qovluğunda hələ foto kitabxanası yoxdur.</translation>
    </message>
    <message>
        <source>The photo library is in use by another program (process %1). Close it and try again.</source>
        <translation>Foto kitabxanasından başqa proqram istifadə edir (proses %1). Onu bağlayın və yenidən cəhd edin.</translation>
    </message>
    <message>
        <source>The photo library is open for reading only, so it cannot be changed now.</source>
        <translation>Foto kitabxanası yalnız oxumaq üçün açılıb, ona görə indi dəyişdirilə bilməz.</translation>
    </message>
    <message>
        <source>The folder “%1” is not in the library.</source>
        <translation>“%1” qovluğu kitabxanada yoxdur.</translation>
    </message>
    <message>
        <source>“%1” is not a folder.</source>
        <translation>“%1” qovluq deyil.</translation>
    </message>
    <message>
        <source>“%1” is already in the library as part of “%2”.</source>
        <translation>“%1” artıq “%2” qovluğunun bir hissəsi kimi kitabxanadadır.</translation>
    </message>
    <message>
        <source>The photo is no longer in the library.</source>
        <translation>Bu şəkil artıq kitabxanada yoxdur.</translation>
    </message>
    <message>
        <source>The caption is no longer there.</source>
        <translation>Bu təsvir artıq yoxdur.</translation>
    </message>
    <message>
        <source>A caption cannot be empty.</source>
        <translation>Təsvir boş ola bilməz.</translation>
    </message>
    <message>
        <source>There is no model yet. Try the demo, or import a model (Model menu).</source>
        <translation>Hələ model yoxdur. Nümayişi sınayın və ya model idxal edin (Model menyusu).</translation>
    </message>
    <message>
        <source>There is no model named “%1”.</source>
        <translation>“%1” adlı model yoxdur.</translation>
    </message>
    <message>
        <source>A model named “%1” already exists. Choose another name.</source>
        <translation>“%1” adlı model artıq var. Başqa ad seçin.</translation>
    </message>
    <message>
        <source>“%1” cannot be a model name. Use letters, digits, spaces, “-” or “_”.</source>
        <translation>“%1” model adı ola bilməz. Hərflərdən, rəqəmlərdən, boşluqdan, “-” və ya “_” işarəsindən istifadə edin.</translation>
    </message>
    <message>
        <source>“%1” is the model in use. Switch to another model before deleting it.</source>
        <translation>“%1” istifadə olunan modeldir. Onu silməzdən əvvəl başqa modelə keçin.</translation>
    </message>
    <message>
        <source>This photo has not been indexed with the model in use yet.</source>
        <translation>Bu şəkil hələ istifadə olunan modellə indekslənməyib.</translation>
    </message>
    <message>
        <source>Teaching needs captions on at least %1 photos that can be read (there are %2).</source>
        <translation>Öyrətmək üçün ən azı %1 oxuna bilən şəkildə təsvir olmalıdır (indi %2 var).</translation>
    </message>
    <message>
        <source>“%1” already exists.</source>
        <translation>“%1” artıq mövcuddur.</translation>
    </message>
    <message>
        <source>“%1” was not found.</source>
        <translation>“%1” tapılmadı.</translation>
    </message>
    <message>
        <source>The file “%1” cannot be used.</source>
        <translation>“%1” faylından istifadə etmək mümkün deyil.</translation>
    </message>
    <message>
        <source>Reading or writing “%1” failed.</source>
        <translation>“%1” oxunarkən və ya yazılarkən xəta baş verdi.</translation>
    </message>
    <message>
        <source>This is not supported.</source>
        <translation>Bu dəstəklənmir.</translation>
    </message>
    <message>
        <source>A value is not valid.</source>
        <translation>Dəyərlərdən biri düzgün deyil.</translation>
    </message>
    <message>
        <source>The operation failed.</source>
        <translation>Əməliyyat alınmadı.</translation>
    </message>
    <message>
        <source>An unexpected error occurred.</source>
        <translation>Gözlənilməz xəta baş verdi.</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::FeedbackDialog</name>
    <message>
        <source>Relevance marks</source>
        <translation>Uyğunluq işarələri</translation>
    </message>
    <message>
        <source>Query</source>
        <translation>Sorğu</translation>
    </message>
    <message>
        <source>Photo</source>
        <translation>Şəkil</translation>
    </message>
    <message>
        <source>Mark</source>
        <translation>İşarə</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Tarix</translation>
    </message>
    <message>
        <source>Remove mark</source>
        <translation>İşarəni sil</translation>
    </message>
    <message>
        <source>Relevant</source>
        <translation>Uyğundur</translation>
    </message>
    <message>
        <source>Not relevant</source>
        <translation>Uyğun deyil</translation>
    </message>
    <message>
        <source>No marks yet. Mark search results as relevant or not relevant in the preview.</source>
        <translation>Hələ işarə yoxdur. Axtarış nəticələrini önizləmədə uyğun və ya uyğun olmayan kimi işarələyin.</translation>
    </message>
    <message numerus="yes">
        <source>%n mark(s); those marked relevant are used to teach the model.</source>
        <translation>
            <numerusform>%n işarə; uyğun kimi işarələnənlər modeli öyrətmək üçün istifadə olunur.</numerusform>
            <numerusform>%n işarə; uyğun kimi işarələnənlər modeli öyrətmək üçün istifadə olunur.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>lowclip::ui::FineTuneWizard</name>
    <message>
        <source>Teach the model</source>
        <translation>Modeli öyrət</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>İrəli &gt;</translation>
    </message>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; Geri</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Ləğv et</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Bağla</translation>
    </message>
    <message>
        <source>%1 (in use)</source>
        <translation>%1 (istifadədədir)</translation>
    </message>
    <message>
        <source>What should the model learn from?</source>
        <translation>Model nədən öyrənsin?</translation>
    </message>
    <message>
        <source>Your captions and the photos you marked as relevant become pairs of a photo and a sentence.</source>
        <translation>Təsvirləriniz və uyğun kimi işarələdiyiniz şəkillər “şəkil – cümlə” cütlərinə çevrilir.</translation>
    </message>
    <message>
        <source>Start from model:</source>
        <translation>Başlanğıc model:</translation>
    </message>
    <message>
        <source>Captions you wrote or imported</source>
        <translation>Yazdığınız və ya idxal etdiyiniz təsvirlər</translation>
    </message>
    <message>
        <source>Search results you marked as relevant</source>
        <translation>Uyğun kimi işarələdiyiniz axtarış nəticələri</translation>
    </message>
    <message>
        <source>Counting pairs…</source>
        <translation>Cütlər sayılır…</translation>
    </message>
    <message>
        <source>A part of the pairs (by photo) is held out to measure the model before and after.</source>
        <translation>Modeli öyrətmədən əvvəl və sonra ölçmək üçün cütlərin bir hissəsi (şəkillərə görə) kənarda saxlanılır.</translation>
    </message>
    <message>
        <source>How thoroughly?</source>
        <translation>Nə qədər ətraflı?</translation>
    </message>
    <message>
        <source>Quick adapts the model in minutes; Thorough trains longer and changes more of it.</source>
        <translation>Sürətli rejim modeli bir neçə dəqiqəyə uyğunlaşdırır; Ətraflı rejim daha uzun öyrədir və modelin daha çox hissəsini dəyişir.</translation>
    </message>
    <message>
        <source>Quick — a few passes over your pairs; the towers stay mostly frozen</source>
        <translation>Sürətli — cütləriniz üzərində bir neçə keçid; kodlayıcılar əsasən dondurulmuş qalır</translation>
    </message>
    <message>
        <source>Thorough — more passes; the whole model learns (slower, needs more pairs)</source>
        <translation>Ətraflı — daha çox keçid; bütün model öyrənir (daha yavaşdır, daha çox cüt tələb edir)</translation>
    </message>
    <message>
        <source>Epochs:</source>
        <translation>Epoxalar:</translation>
    </message>
    <message>
        <source>Learning rate, projection heads:</source>
        <translation>Öyrənmə sürəti, proyeksiya başlıqları:</translation>
    </message>
    <message>
        <source>Learning rate, image tower:</source>
        <translation>Öyrənmə sürəti, şəkil kodlayıcısı:</translation>
    </message>
    <message>
        <source>Learning rate, text tower:</source>
        <translation>Öyrənmə sürəti, mətn kodlayıcısı:</translation>
    </message>
    <message>
        <source>Nothing frozen</source>
        <translation>Heç nə dondurulmur</translation>
    </message>
    <message>
        <source>Text tower: attention only</source>
        <translation>Mətn kodlayıcısı: yalnız diqqət qatları</translation>
    </message>
    <message>
        <source>Towers: last layers only</source>
        <translation>Kodlayıcılar: yalnız son qatlar</translation>
    </message>
    <message>
        <source>Towers frozen (heads only)</source>
        <translation>Kodlayıcılar dondurulub (yalnız başlıqlar)</translation>
    </message>
    <message>
        <source>Freezing:</source>
        <translation>Dondurma:</translation>
    </message>
    <message>
        <source>Batch size:</source>
        <translation>Paket ölçüsü:</translation>
    </message>
    <message>
        <source>Teaching the model</source>
        <translation>Model öyrədilir</translation>
    </message>
    <message>
        <source>Loss and validation Recall@K</source>
        <translation>İtki və yoxlama Recall@K</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>İtki</translation>
    </message>
    <message>
        <source>Recall@K (validation)</source>
        <translation>Recall@K (yoxlama)</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>Addım</translation>
    </message>
    <message>
        <source>Recall@K</source>
        <translation>Recall@K</translation>
    </message>
    <message>
        <source>Held-out captions</source>
        <translation>Kənarda saxlanılan təsvirlər</translation>
    </message>
    <message>
        <source>Before</source>
        <translation>Əvvəl</translation>
    </message>
    <message>
        <source>After</source>
        <translation>Sonra</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>Bu modeldən istifadə et</translation>
    </message>
    <message>
        <source>Preparing the photos and the model…</source>
        <translation>Şəkillər və model hazırlanır…</translation>
    </message>
    <message>
        <source>Epoch %1 of %2 · step %3 · loss %4 · learning rate %5</source>
        <translation>Epoxa %1 / %2 · addım %3 · itki %4 · öyrənmə sürəti %5</translation>
    </message>
    <message>
        <source>Recall@%1 (validation)</source>
        <translation>Recall@%1 (yoxlama)</translation>
    </message>
    <message>
        <source>elapsed %1, left %2</source>
        <translation>keçib: %1, qalıb: %2</translation>
    </message>
    <message>
        <source>Teaching was cancelled. The model in use has not changed.</source>
        <translation>Öyrətmə ləğv edildi. İstifadə olunan model dəyişməyib.</translation>
    </message>
    <message numerus="yes">
        <source>Done: the new model “%1” learned from %n pair(s).</source>
        <translation>
            <numerusform>Hazırdır: yeni “%1” modeli %n cütdən öyrəndi.</numerusform>
            <numerusform>Hazırdır: yeni “%1” modeli %n cütdən öyrəndi.</numerusform>
        </translation>
    </message>
    <message>
        <source>Held-out captions (%1)</source>
        <translation>Kənarda saxlanılan təsvirlər (%1)</translation>
    </message>
    <message>
        <source>Teaching stopped: %1</source>
        <translation>Öyrətmə dayandı: %1</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>Ləğv edilir…</translation>
    </message>
    <message>
        <source>In use: the library is re-indexed in the background</source>
        <translation>İstifadədədir: kitabxana arxa planda yenidən indekslənir</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Xəta</translation>
    </message>
    <message>
        <source>The new model cannot be used: %1</source>
        <translation>Yeni modeldən istifadə etmək mümkün deyil: %1</translation>
    </message>
    <message>
        <source>Stop teaching the model? What it learned so far is lost.</source>
        <translation>Modelin öyrədilməsi dayandırılsın? İndiyədək öyrəndikləri itəcək.</translation>
    </message>
    <message>
        <source>took %1</source>
        <translation>%1 çəkdi</translation>
    </message>
    <message numerus="yes">
        <source>%n pair(s) ready for teaching</source>
        <translation>
            <numerusform>Öyrətmək üçün %n cüt hazırdır</numerusform>
            <numerusform>Öyrətmək üçün %n cüt hazırdır</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n to learn from</source>
        <translation>
            <numerusform>%n cüt öyrənmək üçün</numerusform>
            <numerusform>%n cüt öyrənmək üçün</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n held out to measure the model.</source>
        <translation>
            <numerusform>%n cüt modeli ölçmək üçün kənarda saxlanılır.</numerusform>
            <numerusform>%n cüt modeli ölçmək üçün kənarda saxlanılır.</numerusform>
        </translation>
    </message>
    <message>
        <source>Captions on a few more photos are needed. Add captions to photos (right click ▸ Add caption) or mark search results as relevant.</source>
        <translation>Daha bir neçə şəkildə təsvir lazımdır. Şəkillərə təsvir əlavə edin (sağ klik ▸ Təsvir əlavə et) və ya axtarış nəticələrini uyğun kimi işarələyin.</translation>
    </message>
    <message>
        <source>With fewer than %1 held-out captions the before/after figures are too few to measure.</source>
        <translation>Kənarda saxlanılan təsvirlər %1 saydan az olanda “əvvəl/sonra” göstəriciləri etibarlı ölçmə sayılmır.</translation>
    </message>
    <message>
        <source>Too few held-out captions to measure the change (%1; at least %2 are needed).</source>
        <translation>Dəyişikliyi ölçmək üçün kənarda saxlanılan təsvirlər çox azdır (%1; ən azı %2 lazımdır).</translation>
    </message>
    <message>
        <source>Loading the model…</source>
        <translation>Model yüklənir…</translation>
    </message>
    <message>
        <source>Measuring the model before teaching…</source>
        <translation>Model öyrətmədən əvvəl ölçülür…</translation>
    </message>
    <message>
        <source>Teaching…</source>
        <translation>Öyrədilir…</translation>
    </message>
    <message>
        <source>Measuring the new model…</source>
        <translation>Yeni model ölçülür…</translation>
    </message>
    <message>
        <source>Saving the new model…</source>
        <translation>Yeni model saxlanılır…</translation>
    </message>
    <message>
        <source>Choose the settings myself (advanced)</source>
        <translation>Parametrləri özüm seçim (təcrübəli istifadəçilər üçün)</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::Format</name>
    <message>
        <source>unknown</source>
        <translation>məlum deyil</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 san</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 dəq</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 saat %2 dəq</translation>
    </message>
    <message>
        <source>Text→photo Recall@%1</source>
        <translation>Mətn→şəkil Recall@%1</translation>
    </message>
    <message>
        <source>Photo→text Recall@%1</source>
        <translation>Şəkil→mətn Recall@%1</translation>
    </message>
    <message>
        <source>Text→photo MAP</source>
        <translation>Mətn→şəkil MAP</translation>
    </message>
    <message>
        <source>Photo→text MAP</source>
        <translation>Şəkil→mətn MAP</translation>
    </message>
    <message>
        <source>Text→photo median rank</source>
        <translation>Mətn→şəkil median sıra</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::ImportModelDialog</name>
    <message>
        <source>for example: lowclip-effnet-b0</source>
        <translation>məsələn: lowclip-effnet-b0</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Ad:</translation>
    </message>
    <message>
        <source>Import a LowCLIP model</source>
        <translation>LowCLIP modelini idxal et</translation>
    </message>
    <message>
        <source>Choose a LowCLIP model folder: it holds lowclip.json, model.safetensors and vocab.txt.</source>
        <translation>LowCLIP model qovluğunu seçin: orada lowclip.json, model.safetensors və vocab.txt olur.</translation>
    </message>
    <message>
        <source>Model folder:</source>
        <translation>Model qovluğu:</translation>
    </message>
    <message>
        <source>Import a Simple-CLIP model</source>
        <translation>Simple-CLIP modelini idxal et</translation>
    </message>
    <message>
        <source>Choose a whole Simple-CLIP or LowCLIP state dict saved with torch.save (.pt, .bin or .safetensors), the vocab.txt of its text encoder and, if you have it, the BERT config.json.</source>
        <translation>torch.save ilə saxlanmış tam Simple-CLIP və ya LowCLIP state dict faylını (.pt, .bin və ya .safetensors), onun mətn kodlayıcısının vocab.txt faylını və əgər varsa, BERT config.json faylını seçin.</translation>
    </message>
    <message>
        <source>State dict:</source>
        <translation>Çəkilər faylı (state dict):</translation>
    </message>
    <message>
        <source>Weights (*.pt *.pth *.bin *.safetensors)</source>
        <translation>Çəkilər (*.pt *.pth *.bin *.safetensors)</translation>
    </message>
    <message>
        <source>vocab.txt:</source>
        <translation>vocab.txt:</translation>
    </message>
    <message>
        <source>Vocabulary (*.txt)</source>
        <translation>Lüğət (*.txt)</translation>
    </message>
    <message>
        <source>config.json (optional):</source>
        <translation>config.json (istəyə görə):</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Build a model from a BERT and an image backbone</source>
        <translation>BERT və şəkil modelindən yeni model qur</translation>
    </message>
    <message>
        <source>Choose a Hugging Face BERT folder (config.json, vocab.txt, model.safetensors or pytorch_model.bin) and the weights of an image backbone (torchvision or timm). The new model still needs teaching: its projection heads start untrained.</source>
        <translation>Hugging Face BERT qovluğunu (config.json, vocab.txt, model.safetensors və ya pytorch_model.bin) və şəkil modelinin (torchvision və ya timm) çəkilərini seçin. Yeni modeli sonra öyrətmək lazımdır: onun proyeksiya başlıqları öyrədilməmiş başlayır.</translation>
    </message>
    <message>
        <source>BERT folder:</source>
        <translation>BERT qovluğu:</translation>
    </message>
    <message>
        <source>Image weights:</source>
        <translation>Şəkil modelinin çəkiləri:</translation>
    </message>
    <message>
        <source>Weights (*.pth *.pt *.bin *.safetensors)</source>
        <translation>Çəkilər (*.pth *.pt *.bin *.safetensors)</translation>
    </message>
    <message>
        <source>Guess from the weights</source>
        <translation>Çəkilərə görə müəyyən et</translation>
    </message>
    <message>
        <source>Architecture:</source>
        <translation>Arxitektura:</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>İdxal et</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Seç…</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::IndexingDialog</name>
    <message>
        <source>Indexing</source>
        <translation>İndeksləmə</translation>
    </message>
    <message>
        <source>Index now</source>
        <translation>İndi indekslə</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Ləğv et</translation>
    </message>
    <message>
        <source>Files that could not be read</source>
        <translation>Oxuna bilməyən fayllar</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Fayl</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Səbəb</translation>
    </message>
    <message>
        <source>Looking for new and changed photos…</source>
        <translation>Yeni və dəyişmiş şəkillər axtarılır…</translation>
    </message>
    <message>
        <source>Indexing photos…</source>
        <translation>Şəkillər indekslənir…</translation>
    </message>
    <message>
        <source>Training…</source>
        <translation>Öyrədilir…</translation>
    </message>
    <message>
        <source>Working: %1</source>
        <translation>İcra olunur: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s) so far</source>
        <translation>
            <numerusform>İndiyədək %n şəkil</numerusform>
            <numerusform>İndiyədək %n şəkil</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 of %2 photos, %3 photos/s, %4 left</source>
        <translation>%2 şəkildən %1, saniyədə %3 şəkil, qalıb: %4</translation>
    </message>
    <message>
        <source>Indexing stopped</source>
        <translation>İndeksləmə dayandı</translation>
    </message>
    <message>
        <source>Indexing was cancelled</source>
        <translation>İndeksləmə ləğv edildi</translation>
    </message>
    <message>
        <source>Photos indexed so far are kept; the rest are indexed next time.</source>
        <translation>İndiyədək indekslənmiş şəkillər saxlanılır; qalanları növbəti dəfə indekslənəcək.</translation>
    </message>
    <message>
        <source>The library is up to date</source>
        <translation>Kitabxana aktualdır</translation>
    </message>
    <message>
        <source>Every file could be read.</source>
        <translation>Bütün fayllar oxundu.</translation>
    </message>
    <message>
        <source>Files that could not be read (%1)</source>
        <translation>Oxuna bilməyən fayllar (%1)</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Yenidən cəhd et</translation>
    </message>
    <message>
        <source>Look at the library folders again and index what can be read now</source>
        <translation>Kitabxana qovluqlarına yenidən bax və indi oxuna bilənləri indekslə</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>Qovluqda göstər</translation>
    </message>
    <message>
        <source>Last run: %1 new, %2 changed, %3 removed, %4 indexed.</source>
        <translation>Son dəfə: %1 yeni, %2 dəyişmiş, %3 silinmiş, %4 indekslənmiş.</translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) could not be read.</source>
        <translation>
            <numerusform>%n fayl oxuna bilmədi.</numerusform>
            <numerusform>%n fayl oxuna bilmədi.</numerusform>
        </translation>
    </message>
    <message>
        <source>The file is empty.</source>
        <translation>Fayl boşdur.</translation>
    </message>
    <message>
        <source>The photo is too large to open on this computer.</source>
        <translation>Şəkil bu kompüterdə açılmaq üçün çox böyükdür.</translation>
    </message>
    <message>
        <source>The file cannot be opened (no permission, or the disk is not there).</source>
        <translation>Fayl açıla bilmir (icazə yoxdur və ya disk qoşulmayıb).</translation>
    </message>
    <message>
        <source>The file is incomplete: it was cut off while being copied or saved.</source>
        <translation>Fayl natamamdır: köçürülərkən və ya saxlanarkən yarımçıq qalıb.</translation>
    </message>
    <message>
        <source>This is not a photo in a supported format (JPEG, PNG, WebP, TIFF, BMP, HEIF).</source>
        <translation>Bu, dəstəklənən formatda (JPEG, PNG, WebP, TIFF, BMP, HEIF) şəkil deyil.</translation>
    </message>
    <message>
        <source>This kind of image is not supported.</source>
        <translation>Bu növ şəkil dəstəklənmir.</translation>
    </message>
    <message>
        <source>The file is damaged.</source>
        <translation>Fayl zədələnib.</translation>
    </message>
    <message>
        <source>The file could not be read as a photo.</source>
        <translation>Fayl şəkil kimi oxuna bilmədi.</translation>
    </message>
    <message>
        <source>The file is in %1</source>
        <translation>Fayl bu qovluqdadır: %1</translation>
    </message>
    <message>
        <source>Technical details: %1</source>
        <translation>Texniki təfərrüatlar: %1</translation>
    </message>
    <message>
        <source>This is a folder or a special file, not a photo.</source>
        <translation>Bu şəkil deyil: qovluq və ya xüsusi fayldır.</translation>
    </message>
    <message>
        <source>There was not enough memory to open the photo; try again later.</source>
        <translation>Şəkli açmaq üçün yaddaş çatmadı; bir az sonra yenidən cəhd edin.</translation>
    </message>
    <message>
        <source>Remove from library</source>
        <translation>Kitabxanadan çıxar</translation>
    </message>
    <message>
        <source>Stop listing these files: the library passes them by from now on; the files stay on disk</source>
        <translation>Bu faylları siyahıdan çıxar: kitabxana bundan sonra onları keçir; fayllar diskdə qalır</translation>
    </message>
    <message>
        <source>Remove “%1” from the library? The file stays on the disk; its captions and marks are removed, and the library passes it by from now on.</source>
        <translation>“%1” kitabxanadan çıxarılsın? Fayl diskdə qalır; onun təsvirləri və işarələri silinir, kitabxana bundan sonra onu keçir.</translation>
    </message>
    <message numerus="yes">
        <source>Remove %n file(s) from the library? The files stay on the disk; their captions and marks are removed, and the library passes them by from now on.</source>
        <translation>
            <numerusform>%n fayl kitabxanadan çıxarılsın? Fayllar diskdə qalır; onların təsvirləri və işarələri silinir, kitabxana bundan sonra onları keçir.</numerusform>
            <numerusform>%n fayl kitabxanadan çıxarılsın? Fayllar diskdə qalır; onların təsvirləri və işarələri silinir, kitabxana bundan sonra onları keçir.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>lowclip::ui::MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Fayl</translation>
    </message>
    <message>
        <source>&amp;Add folder…</source>
        <translation>&amp;Qovluq əlavə et…</translation>
    </message>
    <message>
        <source>&amp;Import captions…</source>
        <translation>Təsvirləri &amp;idxal et…</translation>
    </message>
    <message>
        <source>&amp;Export captions…</source>
        <translation>Təsvirləri i&amp;xrac et…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Parametrlər…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>Çı&amp;xış</translation>
    </message>
    <message>
        <source>&amp;Library</source>
        <translation>&amp;Kitabxana</translation>
    </message>
    <message>
        <source>&amp;Index now</source>
        <translation>İndi &amp;indekslə</translation>
    </message>
    <message>
        <source>Indexing &amp;details…</source>
        <translation>İndeksləmənin &amp;təfərrüatları…</translation>
    </message>
    <message>
        <source>&amp;Captions…</source>
        <translation>Təs&amp;virlər…</translation>
    </message>
    <message>
        <source>&amp;Model</source>
        <translation>&amp;Model</translation>
    </message>
    <message>
        <source>&amp;Models…</source>
        <translation>&amp;Modellər…</translation>
    </message>
    <message>
        <source>&amp;Teach the model…</source>
        <translation>Modeli ö&amp;yrət…</translation>
    </message>
    <message>
        <source>Try the &amp;demo…</source>
        <translation>&amp;Nümayişi sına…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>Kö&amp;mək</translation>
    </message>
    <message>
        <source>How to get a &amp;model</source>
        <translation>&amp;Modeli necə əldə etmək olar</translation>
    </message>
    <message>
        <source>&amp;About LowCLIP</source>
        <translation>LowCLIP &amp;haqqında</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>&amp;Qt haqqında</translation>
    </message>
    <message>
        <source>Folders</source>
        <translation>Qovluqlar</translation>
    </message>
    <message>
        <source>Photo folders in the library. Choose one to search only there.</source>
        <translation>Kitabxanadakı şəkil qovluqları. Yalnız birində axtarmaq üçün onu seçin.</translation>
    </message>
    <message>
        <source>+ Folder</source>
        <translation>+ Qovluq</translation>
    </message>
    <message>
        <source>Add folder</source>
        <translation>Qovluq əlavə et</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Çıxar</translation>
    </message>
    <message>
        <source>Remove folder from library (files stay)</source>
        <translation>Kitabxanadan çıxar (fayllar silinmir)</translation>
    </message>
    <message>
        <source>Captions</source>
        <translation>Təsvirlər</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>Modellər</translation>
    </message>
    <message>
        <source>Teach the model</source>
        <translation>Modeli öyrət</translation>
    </message>
    <message>
        <source>What are you looking for? For example: dənizdə gün batımı</source>
        <translation>Nə axtarırsınız? Məsələn: dənizdə gün batımı</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Axtar</translation>
    </message>
    <message>
        <source>all</source>
        <translation>hamısı</translation>
    </message>
    <message>
        <source>last 30 days</source>
        <translation>son 30 gün</translation>
    </message>
    <message>
        <source>this year</source>
        <translation>bu il</translation>
    </message>
    <message>
        <source>last year</source>
        <translation>keçən il</translation>
    </message>
    <message>
        <source>between…</source>
        <translation>aralıq…</translation>
    </message>
    <message>
        <source>Welcome to LowCLIP</source>
        <translation>LowCLIP-ə xoş gəlmisiniz</translation>
    </message>
    <message>
        <source>Find your photos by describing them in Azerbaijani. Everything runs on this computer; your photos are never changed or sent anywhere.</source>
        <translation>Şəkillərinizi Azərbaycan dilində təsvir edərək tapın. Hər şey bu kompüterdə işləyir; şəkilləriniz heç vaxt dəyişdirilmir və heç yerə göndərilmir.</translation>
    </message>
    <message>
        <source>Add a photo folder…</source>
        <translation>Şəkil qovluğu əlavə et…</translation>
    </message>
    <message>
        <source>Try the demo</source>
        <translation>Nümayişi sına</translation>
    </message>
    <message>
        <source>Trains a small model on generated pictures and opens a demo library (a few minutes)</source>
        <translation>Yaradılmış şəkillər üzərində kiçik model öyrədir və nümayiş kitabxanasını açır (bir neçə dəqiqə)</translation>
    </message>
    <message>
        <source>Import a model…</source>
        <translation>Model idxal et…</translation>
    </message>
    <message>
        <source>Click for details</source>
        <translation>Təfərrüatlar üçün klikləyin</translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s)</source>
        <translation>
            <numerusform>%n şəkil</numerusform>
            <numerusform>%n şəkil</numerusform>
        </translation>
    </message>
    <message>
        <source>model: %1</source>
        <translation>model: %1</translation>
    </message>
    <message>
        <source>no model</source>
        <translation>model yoxdur</translation>
    </message>
    <message numerus="yes">
        <source>%n not indexed yet</source>
        <translation>
            <numerusform>%n hələ indekslənməyib</numerusform>
            <numerusform>%n hələ indekslənməyib</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n could not be read</source>
        <translation>
            <numerusform>%n oxuna bilmədi</numerusform>
            <numerusform>%n oxuna bilmədi</numerusform>
        </translation>
    </message>
    <message>
        <source>1. Add the folders where your photos are.</source>
        <translation>1. Şəkillərinizin olduğu qovluqları əlavə edin.</translation>
    </message>
    <message numerus="yes">
        <source>1. ✓ %n folder(s) in the library.</source>
        <translation>
            <numerusform>1. ✓ Kitabxanada %n qovluq var.</numerusform>
            <numerusform>1. ✓ Kitabxanada %n qovluq var.</numerusform>
        </translation>
    </message>
    <message>
        <source>2. ✓ Model: %1</source>
        <translation>2. ✓ Model: %1</translation>
    </message>
    <message>
        <source>2. Get a model that understands Azerbaijani. &lt;b&gt;Try the demo&lt;/b&gt; to see LowCLIP work in a few minutes on generated pictures, or import a pretrained LowCLIP model (Model ▸ Models ▸ Import). See Help ▸ How to get a model.</source>
        <translation>2. Azərbaycan dilini başa düşən model əldə edin. LowCLIP-in necə işlədiyini bir neçə dəqiqəyə yaradılmış şəkillər üzərində görmək üçün &lt;b&gt;nümayişi sınayın&lt;/b&gt;, və ya öyrədilmiş LowCLIP modelini idxal edin (Model ▸ Modellər ▸ İdxal et). Ətraflı: Kömək ▸ Modeli necə əldə etmək olar.</translation>
    </message>
    <message>
        <source>No photos yet: the library folders are being scanned.</source>
        <translation>Hələ şəkil yoxdur: kitabxana qovluqları yoxlanılır.</translation>
    </message>
    <message>
        <source>Type what you are looking for, in Azerbaijani, and press Enter.</source>
        <translation>Nə axtardığınızı Azərbaycan dilində yazın və Enter düyməsini basın.</translation>
    </message>
    <message>
        <source>Nothing found. Try other words, or clear the filters.</source>
        <translation>Heç nə tapılmadı. Başqa sözlər yoxlayın və ya süzgəcləri təmizləyin.</translation>
    </message>
    <message>
        <source>Searching…</source>
        <translation>Axtarılır…</translation>
    </message>
    <message numerus="yes">
        <source>%n result(s), %1 ms</source>
        <translation>
            <numerusform>%n nəticə, %1 ms</numerusform>
            <numerusform>%n nəticə, %1 ms</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Similar to %1: %n photo(s)</source>
        <translation>
            <numerusform>%1 şəklinə oxşar: %n şəkil</numerusform>
            <numerusform>%1 şəklinə oxşar: %n şəkil</numerusform>
        </translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Aç</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>Qovluqda göstər</translation>
    </message>
    <message>
        <source>Find similar</source>
        <translation>Oxşarlarını tap</translation>
    </message>
    <message numerus="yes">
        <source>Add caption to %n photo(s)…</source>
        <translation>
            <numerusform>%n şəklə təsvir əlavə et…</numerusform>
            <numerusform>%n şəklə təsvir əlavə et…</numerusform>
        </translation>
    </message>
    <message>
        <source>Add caption…</source>
        <translation>Təsvir əlavə et…</translation>
    </message>
    <message>
        <source>Relevant</source>
        <translation>Uyğundur</translation>
    </message>
    <message>
        <source>Not relevant</source>
        <translation>Uyğun deyil</translation>
    </message>
    <message numerus="yes">
        <source>Caption added to %n photo(s).</source>
        <translation>
            <numerusform>Təsvir %n şəklə əlavə edildi.</numerusform>
            <numerusform>Təsvir %n şəklə əlavə edildi.</numerusform>
        </translation>
    </message>
    <message>
        <source>The caption could not be saved: %1</source>
        <translation>Təsviri saxlamaq alınmadı: %1</translation>
    </message>
    <message>
        <source>Marked as relevant to “%1”.</source>
        <translation>“%1” sorğusuna uyğun kimi işarələndi.</translation>
    </message>
    <message>
        <source>Marked as not relevant to “%1”.</source>
        <translation>“%1” sorğusuna uyğun olmayan kimi işarələndi.</translation>
    </message>
    <message>
        <source>The folder could not be added: %1</source>
        <translation>Qovluğu əlavə etmək alınmadı: %1</translation>
    </message>
    <message>
        <source>Remove folder</source>
        <translation>Qovluğu çıxar</translation>
    </message>
    <message>
        <source>Remove “%1” from the library? The files stay where they are; LowCLIP forgets their index and captions.</source>
        <translation>“%1” kitabxanadan çıxarılsın? Fayllar yerində qalır; LowCLIP yalnız onların indeksini və təsvirlərini unudur.</translation>
    </message>
    <message>
        <source>The folder could not be removed: %1</source>
        <translation>Qovluğu çıxarmaq alınmadı: %1</translation>
    </message>
    <message>
        <source>scanning %1%</source>
        <translation>yoxlanılır %1%</translation>
    </message>
    <message>
        <source>indexing %1%</source>
        <translation>indekslənir %1%</translation>
    </message>
    <message>
        <source>scanning…</source>
        <translation>yoxlanılır…</translation>
    </message>
    <message>
        <source>indexing…</source>
        <translation>indekslənir…</translation>
    </message>
    <message>
        <source>Indexing stopped: %1</source>
        <translation>İndeksləmə dayandı: %1</translation>
    </message>
    <message>
        <source>Indexing cancelled.</source>
        <translation>İndeksləmə ləğv edildi.</translation>
    </message>
    <message>
        <source>Library updated: %1 new, %2 removed, %3 indexed.</source>
        <translation>Kitabxana yeniləndi: %1 yeni, %2 silinmiş, %3 indekslənmiş.</translation>
    </message>
    <message>
        <source>The demo draws a few thousand pictures of shapes with Azerbaijani captions, trains a small model on them (a few minutes on this computer) and adds the pictures it did not train on to your library as a demo folder. Start?</source>
        <translation>Nümayiş Azərbaycan dilində təsvirləri olan bir neçə min fiqur şəkli çəkir, onlar üzərində kiçik bir model öyrədir (bu kompüterdə bir neçə dəqiqə) və öyrənmədə istifadə olunmayan şəkilləri nümayiş qovluğu kimi kitabxananıza əlavə edir. Başlansın?</translation>
    </message>
    <message>
        <source>Preparing the demo…</source>
        <translation>Nümayiş hazırlanır…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Ləğv et</translation>
    </message>
    <message>
        <source>Demo library</source>
        <translation>Nümayiş kitabxanası</translation>
    </message>
    <message>
        <source>The demo could not be built: %1</source>
        <translation>Nümayişi qurmaq alınmadı: %1</translation>
    </message>
    <message>
        <source>The settings could not be applied: %1</source>
        <translation>Parametrləri tətbiq etmək alınmadı: %1</translation>
    </message>
    <message>
        <source>About LowCLIP</source>
        <translation>LowCLIP haqqında</translation>
    </message>
    <message>
        <source>&lt;h3&gt;LowCLIP %1&lt;/h3&gt;&lt;p&gt;Finds photos from sentences in Azerbaijani with a CLIP-style dual encoder (LowCLIP, arXiv 2408.13909), and learns from your captions.&lt;/p&gt;&lt;p&gt;Everything runs on this computer. LowCLIP never changes or deletes your photos.&lt;/p&gt;&lt;p&gt;Data folder: %2&lt;/p&gt;</source>
        <translation>&lt;h3&gt;LowCLIP %1&lt;/h3&gt;&lt;p&gt;Azərbaycan dilində yazılmış cümlələrə görə şəkilləri CLIP tipli ikili kodlayıcı ilə tapır (LowCLIP, arXiv 2408.13909) və sizin təsvirlərinizdən öyrənir.&lt;/p&gt;&lt;p&gt;Hər şey bu kompüterdə işləyir. LowCLIP şəkillərinizi heç vaxt dəyişmir və silmir.&lt;/p&gt;&lt;p&gt;Məlumat qovluğu: %2&lt;/p&gt;</translation>
    </message>
    <message>
        <source>How to get a model</source>
        <translation>Modeli necə əldə etmək olar</translation>
    </message>
    <message>
        <source>&lt;p&gt;LowCLIP needs a model that links Azerbaijani sentences and pictures.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Try the demo&lt;/b&gt; (Model menu): trains a small model on generated pictures of shapes in a few minutes. It understands sentences such as “qırmızı dairə” or “mavi fonda sarı ulduz”, not real photos.&lt;/li&gt;&lt;li&gt;&lt;b&gt;A LowCLIP model folder&lt;/b&gt; (lowclip.json, model.safetensors, vocab.txt): Model ▸ Models ▸ Import.&lt;/li&gt;&lt;li&gt;&lt;b&gt;A Simple-CLIP / LowCLIP state dict&lt;/b&gt; saved with torch.save: Import ▸ Simple-CLIP state dict, or &lt;tt&gt;lowclip-cli import simpleclip STATE_DICT --vocab vocab.txt --out FOLDER&lt;/tt&gt;.&lt;/li&gt;&lt;li&gt;&lt;b&gt;A multilingual BERT and image backbone weights&lt;/b&gt;: Import ▸ Hugging Face BERT + image backbone, then teach it with your captions (Model ▸ Teach the model).&lt;/li&gt;&lt;/ul&gt;</source>
        <translation>&lt;p&gt;LowCLIP-ə Azərbaycan dilindəki cümlələri şəkillərlə əlaqələndirən model lazımdır.&lt;/p&gt;&lt;ul&gt;&lt;li&gt;&lt;b&gt;Nümayişi sınayın&lt;/b&gt; (Model menyusu): bir neçə dəqiqəyə yaradılmış fiqur şəkilləri üzərində kiçik model öyrədir. O, “qırmızı dairə” və ya “mavi fonda sarı ulduz” kimi cümlələri başa düşür, real fotoları isə yox.&lt;/li&gt;&lt;li&gt;&lt;b&gt;LowCLIP model qovluğu&lt;/b&gt; (lowclip.json, model.safetensors, vocab.txt): Model ▸ Modellər ▸ İdxal et.&lt;/li&gt;&lt;li&gt;torch.save ilə saxlanmış &lt;b&gt;Simple-CLIP / LowCLIP state dict&lt;/b&gt;: İdxal et ▸ Simple-CLIP state dict, və ya &lt;tt&gt;lowclip-cli import simpleclip STATE_DICT --vocab vocab.txt --out QOVLUQ&lt;/tt&gt;.&lt;/li&gt;&lt;li&gt;&lt;b&gt;Çoxdilli BERT və şəkil modelinin çəkiləri&lt;/b&gt;: İdxal et ▸ Hugging Face BERT + şəkil modeli, sonra onu təsvirlərinizlə öyrədin (Model ▸ Modeli öyrət).&lt;/li&gt;&lt;/ul&gt;</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Xəta</translation>
    </message>
    <message>
        <source>The demo was cancelled.</source>
        <translation>Nümayiş ləğv edildi.</translation>
    </message>
    <message>
        <source>Drawing the pictures and building the vocabulary</source>
        <translation>Şəkillər çəkilir və lüğət qurulur</translation>
    </message>
    <message>
        <source>Training the demo model: step %1 of %2</source>
        <translation>Nümayiş modeli öyrədilir: %2 addımdan %1</translation>
    </message>
    <message>
        <source>Training the demo model</source>
        <translation>Nümayiş modeli öyrədilir</translation>
    </message>
    <message>
        <source>Measuring the model on pictures it has not seen</source>
        <translation>Model görmədiyi şəkillər üzərində ölçülür</translation>
    </message>
    <message>
        <source>Saving the model</source>
        <translation>Model saxlanılır</translation>
    </message>
    <message>
        <source>Writing the demo photos</source>
        <translation>Nümayiş şəkilləri yazılır</translation>
    </message>
    <message>
        <source>Indexing the demo photos: %1 of %2</source>
        <translation>Nümayiş şəkilləri indekslənir: %2 şəkildən %1</translation>
    </message>
    <message>
        <source>Indexing the demo photos</source>
        <translation>Nümayiş şəkilləri indekslənir</translation>
    </message>
    <message>
        <source>Trying a few searches</source>
        <translation>Bir neçə axtarış sınanır</translation>
    </message>
    <message>
        <source>elapsed %1</source>
        <translation>keçib: %1</translation>
    </message>
    <message>
        <source>about %1 left in this stage</source>
        <translation>bu mərhələdə təxminən %1 qalıb</translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) could not be read (Library ▸ Indexing details).</source>
        <translation>
            <numerusform>%n fayl oxuna bilmədi (Kitabxana ▸ İndeksləmənin təfərrüatları).</numerusform>
            <numerusform>%n fayl oxuna bilmədi (Kitabxana ▸ İndeksləmənin təfərrüatları).</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Relevance marks…</source>
        <translation>&amp;Uyğunluq işarələri…</translation>
    </message>
    <message>
        <source>&amp;Undo the last mark</source>
        <translation>Son işarəni &amp;geri al</translation>
    </message>
    <message>
        <source>&amp;Date:</source>
        <translation>&amp;Tarix:</translation>
    </message>
    <message>
        <source>with photos without a date</source>
        <translation>tarixi olmayan şəkillərlə</translation>
    </message>
    <message>
        <source>Photos whose files do not say when they were taken</source>
        <translation>Faylında nə vaxt çəkildiyi yazılmayan şəkillər</translation>
    </message>
    <message>
        <source>F&amp;older:</source>
        <translation>&amp;Qovluq:</translation>
    </message>
    <message>
        <source>relevance</source>
        <translation>uyğunluğa görə</translation>
    </message>
    <message>
        <source>newest first</source>
        <translation>əvvəlcə yenilər</translation>
    </message>
    <message>
        <source>oldest first</source>
        <translation>əvvəlcə köhnələr</translation>
    </message>
    <message>
        <source>S&amp;ort:</source>
        <translation>&amp;Sırala:</translation>
    </message>
    <message>
        <source>No photos match the filters.</source>
        <translation>Süzgəclərə uyğun şəkil yoxdur.</translation>
    </message>
    <message numerus="yes">
        <source>The model does not know the word(s) %1: the results do not take them into account. Try other words, or teach the model with captions that use them.</source>
        <translation>
            <numerusform>Model bu söz(lər)i tanımır: %1. Nəticələr onları nəzərə almır. Başqa sözlər yoxlayın və ya bu sözlərin işləndiyi təsvirlərlə modeli öyrədin.</numerusform>
            <numerusform>Model bu söz(lər)i tanımır: %1. Nəticələr onları nəzərə almır. Başqa sözlər yoxlayın və ya bu sözlərin işləndiyi təsvirlərlə modeli öyrədin.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n photo(s), newest first</source>
        <translation>
            <numerusform>%n şəkil, əvvəlcə yenilər</numerusform>
            <numerusform>%n şəkil, əvvəlcə yenilər</numerusform>
        </translation>
    </message>
    <message>
        <source>There is no model yet, so these are all your photos, newest first. Try the demo or import a model (Model menu) to find photos by describing them.</source>
        <translation>Hələ model yoxdur, ona görə bunlar bütün şəkillərinizdir, əvvəlcə yenilər. Şəkilləri təsvir edərək tapmaq üçün nümayişi sınayın və ya model idxal edin (Model menyusu).</translation>
    </message>
    <message>
        <source>No photo viewer could be started: the photo is shown here instead.</source>
        <translation>Şəkil baxıcısını başlatmaq mümkün olmadı: şəkil burada göstərilir.</translation>
    </message>
    <message>
        <source>Undo the mark</source>
        <translation>İşarəni geri al</translation>
    </message>
    <message>
        <source>The mark could not be saved: %1</source>
        <translation>İşarəni saxlamaq alınmadı: %1</translation>
    </message>
    <message>
        <source>Put the mark back</source>
        <translation>İşarəni qaytar</translation>
    </message>
    <message>
        <source>Mark removed.</source>
        <translation>İşarə silindi.</translation>
    </message>
    <message>
        <source>The mark could not be removed: %1</source>
        <translation>İşarəni silmək alınmadı: %1</translation>
    </message>
    <message>
        <source>Mark undone.</source>
        <translation>İşarə geri alındı.</translation>
    </message>
    <message>
        <source>The mark could not be undone: %1</source>
        <translation>İşarəni geri almaq alınmadı: %1</translation>
    </message>
    <message>
        <source>Find &amp;near-identical photos…</source>
        <translation>Demək olar &amp;eyni şəkilləri tap…</translation>
    </message>
    <message>
        <source>&amp;Group near-identical photos in results</source>
        <translation>Nəticələrdə demək olar eyni şəkilləri &amp;qruplaşdır</translation>
    </message>
    <message numerus="yes">
        <source>%n clearly relevant, the rest faded</source>
        <translation>
            <numerusform>%n şəkil açıq-aydın uyğundur, qalanları solğun göstərilir</numerusform>
            <numerusform>%n şəkil açıq-aydın uyğundur, qalanları solğun göstərilir</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n stack(s) of near-identical photos</source>
        <translation>
            <numerusform>demək olar eyni şəkillərdən %n dəst</numerusform>
            <numerusform>demək olar eyni şəkillərdən %n dəst</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n near-identical photo(s)</source>
        <translation>
            <numerusform>%n demək olar eyni şəkil</numerusform>
            <numerusform>%n demək olar eyni şəkil</numerusform>
        </translation>
    </message>
    <message>
        <source>Close the stack</source>
        <translation>Dəsti bağla</translation>
    </message>
    <message numerus="yes">
        <source>Show the %n near-identical photo(s)</source>
        <translation>
            <numerusform>%n demək olar eyni şəkli göstər</numerusform>
            <numerusform>%n demək olar eyni şəkli göstər</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>lowclip::ui::ModelManager</name>
    <message>
        <source>Model manager</source>
        <translation>Modellərin idarə edilməsi</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Ad</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>Arxitektura</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>Keyfiyyət</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Ölçü</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Yaradılıb</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>İdxal et</translation>
    </message>
    <message>
        <source>LowCLIP model folder…</source>
        <translation>LowCLIP model qovluğu…</translation>
    </message>
    <message>
        <source>Simple-CLIP state dict…</source>
        <translation>Simple-CLIP state dict…</translation>
    </message>
    <message>
        <source>Hugging Face BERT + image backbone…</source>
        <translation>Hugging Face BERT + şəkil modeli…</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>Bu modeldən istifadə et</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>İxrac et…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Sil</translation>
    </message>
    <message>
        <source>not measured</source>
        <translation>ölçülməyib</translation>
    </message>
    <message>
        <source>%1 (in use)</source>
        <translation>%1 (istifadədədir)</translation>
    </message>
    <message>
        <source>There is no model yet. Try the demo (Model ▸ Try the demo), or import a pretrained LowCLIP model: Import ▸ LowCLIP model folder, or from the command line: lowclip-cli import simpleclip STATE_DICT --vocab vocab.txt --out MODEL_FOLDER.</source>
        <translation>Hələ model yoxdur. Nümayişi sınayın (Model ▸ Nümayişi sına) və ya öyrədilmiş LowCLIP modelini idxal edin: İdxal et ▸ LowCLIP model qovluğu, yaxud əmr sətrindən: lowclip-cli import simpleclip STATE_DICT --vocab vocab.txt --out MODEL_QOVLUĞU.</translation>
    </message>
    <message>
        <source>The model in use is shown in bold. A new model re-indexes the library in the background; searches keep using the old one until it is done.</source>
        <translation>İstifadə olunan model qalın şriftlə göstərilir. Yeni model seçiləndə kitabxana arxa planda yenidən indekslənir; bu bitənə qədər axtarış köhnə modellə davam edir.</translation>
    </message>
    <message>
        <source>Importing the model…</source>
        <translation>Model idxal edilir…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Ləğv et</translation>
    </message>
    <message>
        <source>The model could not be imported: %1</source>
        <translation>Modeli idxal etmək alınmadı: %1</translation>
    </message>
    <message>
        <source>This model cannot be used: %1</source>
        <translation>Bu modeldən istifadə etmək mümkün deyil: %1</translation>
    </message>
    <message>
        <source>Export the model into folder</source>
        <translation>Modeli qovluğa ixrac et</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>İxrac et</translation>
    </message>
    <message>
        <source>The model “%1” was copied to %2.</source>
        <translation>“%1” modeli %2 qovluğuna köçürüldü.</translation>
    </message>
    <message>
        <source>The model could not be exported: %1</source>
        <translation>Modeli ixrac etmək alınmadı: %1</translation>
    </message>
    <message>
        <source>Delete model</source>
        <translation>Modeli sil</translation>
    </message>
    <message>
        <source>Delete the model “%1” and its search index? Your photos and captions are not affected.</source>
        <translation>“%1” modeli və onun axtarış indeksi silinsin? Şəkilləriniz və təsvirləriniz toxunulmaz qalır.</translation>
    </message>
    <message>
        <source>The model could not be deleted: %1</source>
        <translation>Modeli silmək alınmadı: %1</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Xəta</translation>
    </message>
    <message>
        <source>Recall@5 %1 (on an unknown number of captions)</source>
        <translation>Recall@5 %1 (neçə təsvir üzərində ölçüldüyü məlum deyil)</translation>
    </message>
    <message>
        <source>too few captions to measure (%1; at least %2 are needed)</source>
        <translation>ölçmək üçün təsvir azdır (%1; ən azı %2 lazımdır)</translation>
    </message>
    <message numerus="yes">
        <source>Recall@5 %1 (95 %: %2–%3, %n caption(s))</source>
        <translation>
            <numerusform>Recall@5 %1 (95 %: %2–%3, %n təsvir)</numerusform>
            <numerusform>Recall@5 %1 (95 %: %2–%3, %n təsvir)</numerusform>
        </translation>
    </message>
    <message>
        <source>Measured on the captions held out when this model was taught.</source>
        <translation>Bu model öyrədilərkən kənarda saxlanmış təsvirlər üzərində ölçülüb.</translation>
    </message>
    <message>
        <source>Measured on the demo&apos;s pictures that the model did not see in training.</source>
        <translation>Nümayişin modelin öyrənmədə görmədiyi şəkilləri üzərində ölçülüb.</translation>
    </message>
    <message>
        <source>Measured on a set that came with the model.</source>
        <translation>Modellə birlikdə gələn dəst üzərində ölçülüb.</translation>
    </message>
    <message>
        <source>On your captions</source>
        <translation>Sizin təsvirlərinizdə</translation>
    </message>
    <message>
        <source>As measured when the model was made, on its own test set</source>
        <translation>Model yaradılanda öz test dəstində ölçülən</translation>
    </message>
    <message>
        <source>Every model on the same captions of this library (held out from teaching)</source>
        <translation>Hər model bu kitabxananın eyni təsvirlərində (öyrətmədən kənarda saxlanılanlar)</translation>
    </message>
    <message>
        <source>Measure on your captions</source>
        <translation>Sizin təsvirlərinizdə ölç</translation>
    </message>
    <message>
        <source>Measure every model on the same held-out captions of this library, so their figures compare</source>
        <translation>Hər modeli bu kitabxananın kənarda saxlanılan eyni təsvirlərində ölç ki, rəqəmlər müqayisə oluna bilsin</translation>
    </message>
    <message>
        <source>measuring…</source>
        <translation>ölçülür…</translation>
    </message>
    <message>
        <source>could not be measured</source>
        <translation>ölçmək mümkün olmadı</translation>
    </message>
    <message>
        <source>Technical details: %1</source>
        <translation>Texniki təfərrüatlar: %1</translation>
    </message>
    <message>
        <source>%1 captions on %2 photos of this library, held out from teaching; Recall@1 %3</source>
        <translation>bu kitabxananın %2 şəklində %1 təsvir, öyrətmədən kənarda saxlanılıb; Recall@1 %3</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::PreviewPane</name>
    <message>
        <source>Select a photo to see it here.</source>
        <translation>Burada görmək üçün şəkil seçin.</translation>
    </message>
    <message>
        <source>Captions:</source>
        <translation>Təsvirlər:</translation>
    </message>
    <message>
        <source>Relevant</source>
        <translation>Uyğundur</translation>
    </message>
    <message>
        <source>This photo matches the query: use it to teach the model</source>
        <translation>Bu şəkil sorğuya uyğundur: modeli öyrətmək üçün istifadə et</translation>
    </message>
    <message>
        <source>Not relevant</source>
        <translation>Uyğun deyil</translation>
    </message>
    <message>
        <source>This photo does not match the query</source>
        <translation>Bu şəkil sorğuya uyğun deyil</translation>
    </message>
    <message>
        <source>Find similar</source>
        <translation>Oxşarlarını tap</translation>
    </message>
    <message>
        <source>Add caption…</source>
        <translation>Təsvir əlavə et…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Aç</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>Qovluqda göstər</translation>
    </message>
    <message numerus="yes">
        <source>%n photos selected. Use “Add caption” in the context menu to caption them all.</source>
        <translation>
            <numerusform>%n şəkil seçilib. Hamısına təsvir yazmaq üçün kontekst menyusunda “Təsvir əlavə et” seçin.</numerusform>
            <numerusform>%n şəkil seçilib. Hamısına təsvir yazmaq üçün kontekst menyusunda “Təsvir əlavə et” seçin.</numerusform>
        </translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Tarix</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Kamera</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Ölçü</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Qovluq</translation>
    </message>
    <message>
        <source>Location</source>
        <translation>Yer</translation>
    </message>
    <message>
        <source>Relevance score</source>
        <translation>Uyğunluq</translation>
    </message>
    <message>
        <source>Search with a sentence first to mark results.</source>
        <translation>Nəticələri işarələmək üçün əvvəlcə cümlə ilə axtarın.</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Yüklənir…</translation>
    </message>
    <message>
        <source>This photo cannot be shown.</source>
        <translation>Bu şəkli göstərmək mümkün deyil.</translation>
    </message>
    <message>
        <source>No captions yet.</source>
        <translation>Hələ təsvir yoxdur.</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Geri al</translation>
    </message>
    <message>
        <source>Marked as relevant. Press again to remove the mark.</source>
        <translation>Uyğun kimi işarələnib. İşarəni silmək üçün yenidən basın.</translation>
    </message>
    <message>
        <source>Marked as not relevant. Press again to remove the mark.</source>
        <translation>Uyğun olmayan kimi işarələnib. İşarəni silmək üçün yenidən basın.</translation>
    </message>
    <message>
        <source>Not marked.</source>
        <translation>İşarələnməyib.</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::QuickLook</name>
    <message>
        <source>Preview</source>
        <translation>Önbaxış</translation>
    </message>
    <message>
        <source>Space or Esc closes, arrows move</source>
        <translation>Boşluq və ya Esc bağlayır, oxlar keçid edir</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Yüklənir…</translation>
    </message>
    <message>
        <source>This photo cannot be shown.</source>
        <translation>Bu şəkli göstərmək mümkün deyil.</translation>
    </message>
</context>
<context>
    <name>lowclip::ui::ResultsModel</name>
    <message>
        <source>%1
Relevance: %2</source>
        <translation>%1
Uyğunluq: %2</translation>
    </message>
    <message>
        <source>Less relevant: after a clear drop in relevance.</source>
        <translation>Az uyğundur: uyğunluqda açıq-aydın düşüşdən sonra gəlir.</translation>
    </message>
    <message numerus="yes">
        <source>%n near-identical photo(s) in this stack.</source>
        <translation>
            <numerusform>Bu dəstdə %n demək olar eyni şəkil var.</numerusform>
            <numerusform>Bu dəstdə %n demək olar eyni şəkil var.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>lowclip::ui::SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Parametrlər</translation>
    </message>
    <message>
        <source>Computation</source>
        <translation>Hesablama</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>Avtomatik</translation>
    </message>
    <message>
        <source>Processor (CPU)</source>
        <translation>Prosessor (CPU)</translation>
    </message>
    <message>
        <source>Graphics card (CUDA)</source>
        <translation>Videokart (CUDA)</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>Cihaz:</translation>
    </message>
    <message>
        <source>Automatic (%1)</source>
        <translation>Avtomatik (%1)</translation>
    </message>
    <message>
        <source>Threads:</source>
        <translation>Axınlar:</translation>
    </message>
    <message>
        <source>How widely a search looks: more is more accurate and slower.</source>
        <translation>Axtarışın nə qədər geniş baxdığı: çox olduqda daha dəqiq, lakin daha yavaşdır.</translation>
    </message>
    <message>
        <source>Search breadth (ef):</source>
        <translation>Axtarış genişliyi (ef):</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>Görünüş</translation>
    </message>
    <message>
        <source> px</source>
        <translation> piksel</translation>
    </message>
    <message>
        <source>Thumbnail size:</source>
        <translation>Miniatür ölçüsü:</translation>
    </message>
    <message>
        <source>Same as the system</source>
        <translation>Sistemdəki kimi</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Dil:</translation>
    </message>
    <message>
        <source>A new language takes effect when LowCLIP starts again.</source>
        <translation>Yeni dil LowCLIP yenidən başladıqda qüvvəyə minir.</translation>
    </message>
    <message>
        <source>Show expert settings</source>
        <translation>Mütəxəssis parametrlərini göstər</translation>
    </message>
    <message>
        <source>Search index (expert)</source>
        <translation>Axtarış indeksi (mütəxəssislər üçün)</translation>
    </message>
    <message>
        <source>Fastest (int8 where this processor is quicker with it)</source>
        <translation>Ən sürətli (bu prosessorda daha tez olanda int8)</translation>
    </message>
    <message>
        <source>Exact (float32)</source>
        <translation>Dəqiq (float32)</translation>
    </message>
    <message>
        <source>How typed searches are computed. The fastest way gives nearly the same results.</source>
        <translation>Yazılan axtarışlar necə hesablanır. Ən sürətli yol demək olar ki, eyni nəticələri verir.</translation>
    </message>
    <message>
        <source>Search text:</source>
        <translation>Axtarış mətni:</translation>
    </message>
</context>
</TS>
