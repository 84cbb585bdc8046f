package vz

import (
	"context"
	"fmt"
	"image"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/docscan/docscan/pipeline/imgutil"
	"github.com/docscan/docscan/pipeline/internal/editdist"
	"github.com/docscan/docscan/pipeline/ocr"
	"github.com/docscan/docscan/typedb"
)

// Captions are the printed captions of the visual-zone fields a generic
// ICAO document carries, by field name: those ICAO 9303 parts 4 and 5
// prescribe in English, French and Spanish, with the other English
// wordings states print ("Issue date", "Family name"), and those of German,
// Italian, Turkish, Russian and Kazakh documents. A document prints a
// field's captions in one to three of these languages, side by side
// ("Surname / Nom / Apellidos"); any one of them found anchors the field.
var Captions = map[string][]string{
	"last_name": {"SURNAME", "FAMILY NAME", "LAST NAME", "NOM", "APELLIDOS", "NAME", "FAMILIENNAME", "COGNOME", "SOYADI",
		"ФАМИЛИЯ", "ТЕГІ"},
	"first_name": {"GIVEN NAMES", "GIVEN NAME", "FIRST NAMES", "FIRST NAME", "PRÉNOMS", "PRÉNOM", "NOMBRES", "NOMBRE", "VORNAMEN", "VORNAME",
		"NOME", "NOMI", "ADI", "ADLARI", "ИМЯ", "АТЫ"},
	"date_of_birth": {"DATE OF BIRTH", "BIRTH DATE", "DATE DE NAISSANCE", "FECHA DE NACIMIENTO", "GEBURTSTAG", "GEBURTSDATUM",
		"DATA DI NASCITA", "DOĞUM TARİHİ", "ДАТА РОЖДЕНИЯ", "ТУҒАН КҮНІ"},
	"date_of_issue": {"DATE OF ISSUE", "ISSUE DATE", "DATE ISSUED", "DATE DE DÉLIVRANCE", "FECHA DE EXPEDICIÓN", "FECHA DE EMISIÓN",
		"AUSSTELLUNGSDATUM", "DATA DI RILASCIO", "VERİLİŞ TARİHİ", "ДАТА ВЫДАЧИ", "БЕРІЛГЕН КҮНІ"},
	"date_of_expiry": {"DATE OF EXPIRY", "EXPIRY DATE", "EXPIRATION DATE", "DATE OF EXPIRATION", "EXPIRES ON", "DATE D'EXPIRATION", "FECHA DE CADUCIDAD", "FECHA DE VENCIMIENTO",
		"GÜLTIG BIS", "DATA DI SCADENZA", "SON GEÇERLİLİK TARİHİ", "GEÇERLİLİK TARİHİ", "ДЕЙСТВИТЕЛЕН ДО",
		"СРОК ДЕЙСТВИЯ", "ҚОЛДАНЫЛУ МЕРЗІМІ"},
	"authority": {"AUTHORITY", "ISSUING AUTHORITY", "AUTORITÉ", "AUTORIDAD", "BEHÖRDE", "AUTORITÀ",
		"VEREN MAKAM", "MAKAM", "ОРГАН ВЫДАЧИ", "ОРГАН ВЫДАВШИЙ", "БЕРГЕН ОРГАН"},
	"personal_number": {"PERSONAL NO", "PERSONAL NUMBER", "NO PERSONNEL", "Nº PERSONNEL", "NÚM PERSONAL",
		"NÚMERO PERSONAL", "PERSONENKENNZIFFER", "CODICE FISCALE", "T C KİMLİK NO", "ЛИЧНЫЙ НОМЕР",
		"ЖЕКЕ СӘЙКЕСТЕНДІРУ НӨМІРІ", "ЖСН", "ИИН"},
	"document_number": {"DOCUMENT NO", "DOCUMENT NUMBER", "PASSPORT NO", "PASSPORT NUMBER", "CARD NO", "CARD NUMBER",
		"NO DU DOCUMENT", "NO DU PASSEPORT", "NO DE PASSEPORT", "N DE PASSEPORT", "NÚMERO DE DOCUMENTO", "PASAPORTE NO",
		"NÚM DEL PASAPORTE", "DOKUMENTENNUMMER", "PASSNUMMER", "PASS NR", "NUMERO DI PASSAPORTO", "NUMERO DEL DOCUMENTO",
		"PASAPORT NO", "BELGE NO", "НОМЕР ДОКУМЕНТА", "НОМЕР ПАСПОРТА", "ҚҰЖАТТЫҢ НӨМІРІ", "ҚҰЖАТ НӨМІРІ"},
	"place_of_birth": {"PLACE OF BIRTH", "LIEU DE NAISSANCE", "LUGAR DE NACIMIENTO", "GEBURTSORT",
		"LUOGO DI NASCITA", "DOĞUM YERİ", "МЕСТО РОЖДЕНИЯ", "ТУҒАН ЖЕРІ"},
}

// fieldDocumentNumber is the document number, captioned on a generic
// side only where its MRZ does not give it (Side.NumberKnown).
const fieldDocumentNumber = "document_number"

// fieldAuthority is the issuing authority's field name.
const fieldAuthority = "authority"

// fieldPersonalNumber is the personal number's field name.
const fieldPersonalNumber = "personal_number"

// FieldPlaceOfBirth is the place of birth, a field of generic documents
// the response carries in its fields object only.
const FieldPlaceOfBirth = "place_of_birth"

// genericFields are the fields a generic ICAO document's visual zone is
// read for when its type has no zone for them: they are found by their
// captions only.
var genericFields = []typedb.Field{
	{Name: "last_name", Kind: typedb.KindName, Script: typedb.ScriptLatin},
	{Name: "first_name", Kind: typedb.KindName, Script: typedb.ScriptLatin},
	{Name: "date_of_birth", Kind: typedb.KindDate, Script: typedb.ScriptLatin},
	{Name: "date_of_issue", Kind: typedb.KindDate, Script: typedb.ScriptLatin},
	{Name: "date_of_expiry", Kind: typedb.KindDate, Script: typedb.ScriptLatin},
	{Name: "authority", Kind: typedb.KindText, Script: typedb.ScriptLatin},
	{Name: "personal_number", Kind: typedb.KindNumber, Script: typedb.ScriptMixed},
	{Name: FieldPlaceOfBirth, Kind: typedb.KindText, Script: typedb.ScriptLatin},
}

// GenericField returns the definition of a field the generic reader
// reads by its caption alone.
func GenericField(name string) (typedb.Field, bool) {
	for _, f := range genericFields {
		if f.Name == name {
			return f, true
		}
	}
	return typedb.Field{}, false
}

// fieldsToRead are the fields of side t that are read: the type's own,
// and for a generic type the generic fields it has no zone for, found by
// their captions; names nil reads all.
func fieldsToRead(t *typedb.Type, names map[string]bool) []typedb.Field {
	var out []typedb.Field
	for _, f := range t.Fields {
		if names == nil || names[f.Name] {
			out = append(out, f)
		}
	}
	if !t.Generic {
		return out
	}
	for _, f := range genericFields {
		if _, ok := t.Field(f.Name); ok || (names != nil && !names[f.Name]) {
			continue
		}
		out = append(out, f)
	}
	return out
}

// captionLangs are the Tesseract language sets the captions are looked
// for with, in turn: the Latin captions, then (when the Latin pass found
// fewer than minCaptions) the Cyrillic ones.
var captionLangs = []string{"eng", "rus+kaz"}

// cyrillicCaptionStates are the states (ICAO codes) whose documents may
// caption their fields in Cyrillic. Any other state's captions are read
// in the Latin pass alone: a Cyrillic pass over a page is the dearest
// read of a generic side (0.3–0.7 s on this board's class of CPU) and
// finds nothing on it.
var cyrillicCaptionStates = map[string]bool{
	"RUS": true, "BLR": true, "UKR": true, "KAZ": true, "KGZ": true, "TJK": true, "UZB": true,
	"MNG": true, "BGR": true, "SRB": true, "MKD": true, "BIH": true, "MNE": true, "SUN": true,
}

// captionLangsFor returns the caption passes for a side whose MRZ names
// state ("" when unknown: every pass).
func captionLangsFor(state string) []string {
	if state == "" || cyrillicCaptionStates[state] {
		return captionLangs
	}
	return captionLangs[:1]
}

// minCaptions is how many captions a pass must find for the document to
// count as captioned in that pass's script.
const minCaptions = 2

// The caption pass's second reading thresholds each pixel against the
// mean of a square about a 75th of the side wide (20 px on a TD3 page
// warped 1500 px wide: a caption's letters are 10–15 px tall), and
// takes as ink what is darker than it by localThresholdOffset.
const (
	localThresholdSpan   = 75
	localThresholdOffset = 20
)

// minCaptionSimilarity is how closely a run of words must read as a
// caption: captions are printed text, read well; a caption of under
// five letters must read exactly (NOM, ADI, ИМЯ are whole words of other
// captions' languages).
const minCaptionSimilarity = 0.75

// findCaptions reads a generic side's text above its MRZ, with each
// Tesseract language set of langs in turn until one finds captions, and returns,
// per field of fields, where one of its captions is printed (in the
// side's pixels). A field whose caption is not read is missing.
func findCaptions(ctx context.Context, r WordReader, gray *image.Gray, t *typedb.Type, fields []typedb.Field, langs []string) (map[string]image.Rectangle, []ocr.Word, error) {
	area := gray.Rect
	if t.MRZZone != nil {
		if top := int(t.MRZZone[1] * float64(area.Dy())); top > area.Dy()/3 {
			area.Max.Y = area.Min.Y + top
		}
	}
	if area.Dx() < 16 || area.Dy() < 16 {
		return nil, nil, nil
	}
	img := gray.SubImage(area).(*image.Gray)
	var best map[string]image.Rectangle
	var bestWords []ocr.Word
	var bw *image.Gray // the side locally thresholded, made once for every pass that needs it
	for _, langs := range langs {
		req := ocr.Request{Languages: langs, Mode: ocr.PSMAuto}
		words, err := r.Words(ctx, img, req)
		if err != nil {
			return best, bestWords, fmt.Errorf("vz: captions (%s): %w", langs, err)
		}
		if len(words) < len(fields) && showsPrint(img) {
			// fewer words than fields on a side that shows print: a
			// glare across it, or its artwork, made Tesseract's one
			// threshold take the page for a picture, and its layout
			// analysis found no text. Read again on even paper, as
			// findLabels does
			if again, err := r.Words(ctx, imgutil.FlattenPaper(img, labelFlattenTile), req); err == nil && len(again) > len(words) {
				words = again
			}
		}
		found := matchCaptions(WordLines(splitSlashes(words)), fields)
		if 2*len(found) < len(fields) && showsPrint(img) {
			// under half the captions: artwork across the page (a
			// guilloche band over the names, a dark portrait beside
			// them) made Tesseract's layout analysis take the band for
			// a picture. Read again with the print judged against its
			// own surroundings; the captions only that reading found,
			// and its words where the first read none, join the first's
			if bw == nil {
				bw = imgutil.LocalThreshold(img, max(8, img.Rect.Dx()/localThresholdSpan), localThresholdOffset)
			}
			if again, err := r.Words(ctx, bw, req); err == nil {
				words, found = joinReadings(words, found, again, matchCaptions(WordLines(splitSlashes(again)), fields))
			}
		}
		if len(found) > len(best) || bestWords == nil {
			best, bestWords = found, words
		}
		if len(best) >= minCaptions {
			break
		}
	}
	return best, bestWords, nil
}

// joinReadings adds to a caption pass's words and captions those of a
// second reading of the side that the first lacks: a caption the first
// did not find, where none of its own stands, and a word where it read
// none, whether or not it found a caption: artwork that hid captions
// from the first hides the names too, and the MRZ's names are looked for
// among these words (a phone photo of another hand's Bosnian card: the
// second found DURDEVIC, the first nothing of its top half). The
// second's lines are numbered after the first's.
func joinReadings(words []ocr.Word, found map[string]image.Rectangle, again []ocr.Word, more map[string]image.Rectangle) ([]ocr.Word, map[string]image.Rectangle) {
	joined := maps.Clone(found)
	if joined == nil {
		joined = map[string]image.Rectangle{}
	}
	for name, b := range more {
		if _, ok := joined[name]; ok {
			continue
		}
		free := true
		for _, o := range found {
			free = free && !o.Overlaps(b)
		}
		if free {
			joined[name] = b
		}
	}
	lines := 0
	for _, w := range words {
		lines = max(lines, w.Line+1)
	}
	out := slices.Clone(words)
	for _, w := range again {
		if !slices.ContainsFunc(words, func(o ocr.Word) bool { return o.Box.Overlaps(w.Box) }) {
			w.Line += lines
			out = append(out, w)
		}
	}
	return out, joined
}

// showsPrint reports whether g holds ink at all: its darkest pixels
// (the 0.2nd percentile: a few words on a card's back are less than a
// percent of it) well below its paper (the 90th percentile). A blank
// page gets no second read.
func showsPrint(g *image.Gray) bool {
	var hist [256]int
	n := 0
	for y := g.Rect.Min.Y; y < g.Rect.Max.Y; y++ {
		for _, v := range g.Pix[g.PixOffset(g.Rect.Min.X, y):g.PixOffset(g.Rect.Max.X, y)] {
			hist[v]++
			n++
		}
	}
	return n > 0 && float64(imgutil.Quantile(&hist, n, 0.002)) < printContrast*float64(imgutil.Quantile(&hist, n, 0.9))
}

// printContrast: ink is darker than this part of the paper.
const printContrast = 0.7

// splitSlashes splits words printed with slashes between languages
// ("Surname/Nom/Apellidos") into one word per language, each with its
// share of the word's box.
func splitSlashes(words []ocr.Word) []ocr.Word {
	var out []ocr.Word
	for _, w := range words {
		r := []rune(w.Text)
		if !strings.ContainsRune(w.Text, '/') || len(r) < 2 {
			out = append(out, w)
			continue
		}
		start := 0
		for i := 0; i <= len(r); i++ {
			if i < len(r) && r[i] != '/' {
				continue
			}
			x0 := w.Box.Min.X + w.Box.Dx()*start/len(r)
			x1 := w.Box.Min.X + w.Box.Dx()*i/len(r)
			if i > start {
				out = append(out, ocr.Word{Text: string(r[start:i]), Box: image.Rect(x0, w.Box.Min.Y, max(x1, x0+1), w.Box.Max.Y),
					Confidence: w.Confidence, Line: w.Line})
			}
			if i < len(r) {
				// the slash stays a word: it joins a caption's languages
				out = append(out, ocr.Word{Text: "/", Box: image.Rect(x1, w.Box.Min.Y, x1+1, w.Box.Max.Y),
					Confidence: w.Confidence, Line: w.Line})
			}
			start = i + 1
		}
	}
	return out
}

// captionMatch is a run of words read as a caption of a field.
type captionMatch struct {
	core image.Rectangle // the words that read as the caption
	sim  float64
	line []ocr.Word
	i, j int // the run's words in line
	// targets are the field's captions, as captionLetters spells them
	targets [][]rune
}

// extendCaption widens a caption found in one language to its other
// languages printed beside it on its line, each after a slash
// ("Surname / Nom / Apellidos"): after (or before) each slash, the run
// of words that reads as one of the field's captions.
func extendCaption(l []ocr.Word, i, j int, b image.Rectangle, targets [][]rune, glued bool, taken func(image.Rectangle) bool) image.Rectangle {
	// words and slashes are set up to one and a half caption heights
	// apart: in small print ("2. Vardas / Given name", 7 px) the space
	// after a slash was 8 px
	gap := max(b.Dy()*3/2, 4)
	reads := func(from, to int) bool {
		run := ""
		for k := from; k <= to; k++ {
			if l[k].Text == "/" || (k > from && wordsApart(l[k-1].Box, l[k].Box)) {
				return false
			}
			run += l[k].Text
		}
		return captionSimilarity([]rune(captionLetters(run)), targets) >= minCaptionSimilarity
	}
	for k := j + 1; k < len(l) && l[k].Text == "/" && l[k].Box.Min.X-b.Max.X <= gap; {
		m := -1
		for e := k + 1; e < len(l) && e <= k+4; e++ {
			if reads(k+1, e) {
				m = e
			}
		}
		if m < 0 {
			break
		}
		for ; k <= m; k++ {
			b = b.Union(l[k].Box)
		}
	}
	for k := i - 1; k >= 0 && l[k].Text == "/" && b.Min.X-l[k].Box.Max.X <= gap; {
		m := -1
		for s := k - 1; s >= 0 && s >= k-4; s-- {
			if reads(s, k-1) {
				m = s
			}
		}
		if m < 0 {
			break
		}
		for ; k >= m; k-- {
			b = b.Union(l[k].Box)
		}
	}
	// a language before a slash (or glued to the caption, its slash
	// misread) that no caption of ours spells ("Imiona / Given names"):
	// its words, as far as a caption's height apart, so
	// the caption's box starts where the printed caption does and the
	// value under it is not cut short
	for k, n := i-1, 0; k >= 0 && n < 4 && b.Min.X-l[k].Box.Max.X <= gap && labelish(l[k].Text) && !taken(l[k].Box); k, n = k-1, n+1 {
		if n == 0 && l[k].Text != "/" && !glued {
			break
		}
		b = b.Union(l[k].Box)
	}
	return b
}

// captionSimilarity is how closely got reads as the nearest of targets,
// 0–1; a target of under five letters counts only when read exactly, and
// one of six or more read whole at the end of got counts 0.9.
func captionSimilarity(got []rune, targets [][]rune) float64 {
	best := 0.0
	for _, tg := range targets {
		var s float64
		switch {
		case string(got) == string(tg):
			s = 1
		case len(tg) < 5:
			continue
		case len(tg) >= 6 && len(got) >= len(tg)+3 && strings.HasSuffix(string(got), string(tg)):
			// another language's caption before it, the slash between
			// misread as a letter ("NAZWISKOISURNAME")
			s = gluedSimilarity
		default:
			s = 1 - float64(editdist.Levenshtein(got, tg))/float64(max(len(got), len(tg)))
		}
		best = max(best, s)
	}
	return best
}

// matchCaptions finds, per field, the run of words within one line that
// reads most like one of its captions; among equally good ones the
// topmost. A run taken by one field's caption is not another's.
func matchCaptions(lines [][]ocr.Word, fields []typedb.Field) map[string]image.Rectangle {
	best := map[string]captionMatch{}
	targetsOf := map[string][][]rune{}
	for _, f := range fields {
		for _, c := range Captions[f.Name] {
			targetsOf[f.Name] = append(targetsOf[f.Name], []rune(captionLetters(c)))
		}
	}
	// readsOtherwise: a run that reads more like another field's caption
	// is that one's, even where that field found a better run elsewhere
	// ("Place of birth" is 0.75 like "Date of birth", and 1 like itself)
	readsOtherwise := func(name string, letters []rune, s float64) bool {
		for other, tg := range targetsOf {
			if other != name && captionSimilarity(letters, tg) > s {
				return true
			}
		}
		return false
	}
	for _, f := range fields {
		targets := targetsOf[f.Name]
		if len(targets) == 0 {
			continue
		}
		for _, l := range lines {
			for i := range l {
				if captionLetters(l[i].Text) == "" || l[i].Text == "/" {
					continue // a field number ("1.", "(2)") starts no caption
				}
				run := ""
				b := image.Rectangle{}
				for j := i; j < len(l) && j < i+4; j++ {
					if j > i && wordsApart(l[j-1].Box, l[j].Box) {
						// a column's gap parts two captions ("Date de
						// délivrance" and, beside it, "Authority")
						break
					}
					run += l[j].Text
					b = b.Union(l[j].Box)
					if l[j].Text == "/" {
						// a slash parts a caption's languages: no
						// caption spans one ("Date of birth / Date de
						// naissance" holds no "BIRTH DATE")
						break
					}
					letters := []rune(captionLetters(run))
					s := captionSimilarity(letters, targets)
					if s < minCaptionSimilarity || (len(letters) < 5 && endsLongerCaption(l, i)) || readsOtherwise(f.Name, letters, s) {
						continue
					}
					cur, ok := best[f.Name]
					if !ok || s > cur.sim+0.02 || (s > cur.sim-0.02 && b.Min.Y < cur.core.Min.Y) {
						best[f.Name] = captionMatch{core: b, sim: s, line: l, i: i, j: j, targets: targets}
					}
				}
			}
		}
	}
	// one caption, one field: where two fields took overlapping runs,
	// the better reading keeps it
	kept := map[string]captionMatch{}
	for name, m := range best {
		keep := true
		for other, o := range best {
			if other != name && m.core.Overlaps(o.core) && (o.sim > m.sim || (o.sim == m.sim && other < name)) {
				keep = false
			}
		}
		if keep {
			kept[name] = m
		}
	}
	out := map[string]image.Rectangle{}
	for name, m := range kept {
		taken := func(r image.Rectangle) bool {
			for other, o := range kept {
				if other != name && r.Overlaps(o.core) {
					return true
				}
			}
			return false
		}
		out[name] = extendCaption(m.line, m.i, m.j, m.core, m.targets, m.sim == gluedSimilarity, taken)
	}
	return out
}

// wordsApart reports whether the gap between two words of a line, a
// left of b, is wider than minColumnGap word heights: no caption's words
// are set so far apart, and the next column's caption begins there.
func wordsApart(a, b image.Rectangle) bool {
	return b.Min.X-a.Max.X > minColumnGap*max(a.Dy(), b.Dy(), 4)
}

// minColumnGap: see wordsApart.
const minColumnGap = 3

// endsLongerCaption reports whether the word before l[i] on its line,
// within a caption's height of it, is a word of letters: a caption of
// under five letters found there ("NAME", the German surname's) is the
// end of a longer one ("GIVEN NAMES" read "wth NAME"), not a caption of
// its own. A slash or a field number ("1.") before it is no word.
func endsLongerCaption(l []ocr.Word, i int) bool {
	if i == 0 {
		return false
	}
	prev, cur := l[i-1], l[i]
	gap := cur.Box.Min.X - prev.Box.Max.X
	return prev.Text != "/" && captionLetters(prev.Text) != "" && gap <= max(cur.Box.Dy(), 4)
}

// captionLetters is s's letters, upper case, with Latin diacritics
// dropped (OCR loses them), RN as M, and Latin look-alikes in Cyrillic
// text made Cyrillic.
func captionLetters(s string) string {
	l := letters(s)
	cyr := 0
	for _, r := range l {
		if unicode.Is(unicode.Cyrillic, r) {
			cyr++
		}
	}
	if 2*cyr > len([]rune(l)) {
		return ToCyrillic(l)
	}
	l = strings.Map(func(r rune) rune {
		if b, ok := latinBase[r]; ok {
			return b
		}
		return r
	}, l)
	// OCR's commonest confusion in small print: "rn" read as "m"
	return strings.ReplaceAll(l, "RN", "M")
}

// latinBase maps the accented capitals of the captions' languages to
// their base letters.
var latinBase = map[rune]rune{
	'À': 'A', 'Á': 'A', 'Â': 'A', 'Ä': 'A', 'Ç': 'C', 'È': 'E', 'É': 'E', 'Ê': 'E', 'Ë': 'E',
	'Ì': 'I', 'Í': 'I', 'Î': 'I', 'Ï': 'I', 'İ': 'I', 'Ñ': 'N', 'Ò': 'O', 'Ó': 'O', 'Ô': 'O', 'Ö': 'O',
	'Ù': 'U', 'Ú': 'U', 'Û': 'U', 'Ü': 'U', 'Ş': 'S', 'Ğ': 'G', 'º': 'O',
}

// underCaption is the window a generic field's value is looked for in,
// under its caption found at lb: from the caption's left edge, as deep
// as captionReach caption heights, as wide as the side allows, and
// never into another caption found under it or beside it.
func (l *layout) underCaption(f typedb.Field, lb image.Rectangle) (image.Rectangle, bool) {
	ch := max(lb.Dy(), 6)
	pad := max(3, ch/2)
	right := l.img.Rect.Max.X
	if f.Kind == typedb.KindDate {
		// a date is at most "20 MAY/MAI 95": thirteen characters of
		// print up to twice the caption's size
		right = min(right, lb.Min.X+dateWidth*ch)
	}
	win := image.Rect(lb.Min.X-pad, lb.Max.Y+1, right, lb.Max.Y+int(math.Ceil(captionReach*float64(ch))))
	under := func(o, win image.Rectangle) bool {
		return o.Min.Y > lb.Min.Y+ch/2 && o.Min.X < win.Max.X && o.Max.X > win.Min.X
	}
	// a caption to the right heads the next column; then a caption under
	// this one, within the column, ends the value above it (in this
	// order, whatever the order of the map: a caption under the next
	// column's must not shorten this value)
	first := win
	for other, o := range l.labels {
		if other != f.Name && !under(o, first) && o.Min.X > lb.Min.X && o.Min.Y < first.Max.Y && o.Max.Y > lb.Min.Y {
			win.Max.X = min(win.Max.X, o.Min.X-pad)
		}
	}
	for other, o := range l.labels {
		if other != f.Name && under(o, win) {
			win.Max.Y = min(win.Max.Y, o.Min.Y-1)
		}
	}
	if f.Kind == typedb.KindDate && win.Max.X == right {
		// a date printed larger than its caption's size allows for
		// ("03 APR/AVR 22" in print 2.4 captions high, its year left
		// out): on over its ink, short of the next column's caption
		limit := l.img.Rect.Max.X
		for other, o := range l.labels {
			if other != f.Name && o.Min.X > lb.Max.X && o.Min.Y < win.Max.Y && o.Max.Y > lb.Min.Y {
				limit = min(limit, o.Min.X-pad)
			}
		}
		win = l.widenRight(win, ch, limit)
	}
	win = win.Intersect(l.img.Rect)
	// room for a line of print as tall as the caption's letters: its
	// box may be taller than they are (a slash's box 32 px tall in
	// "11. Izdala / Authority", whose letters stand 10, left a window
	// of 30 px between it and the next caption too short, and the
	// place of birth under that was read as the authority at 0.96).
	// The letters are measured only where the box's height is too much
	if win.Dx() < 4 || win.Dy() < 4 || (win.Dy() < ch && win.Dy() < l.inkOf(lb).Dy()) {
		return image.Rectangle{}, false
	}
	return win, true
}

// captionWindow is the window a generic field's value is looked for in,
// from its caption found at lb: beside the caption where the page sets
// its captions in a column left of their values (besideCaption), under
// it otherwise.
func (l *layout) captionWindow(f typedb.Field, lb image.Rectangle) (win image.Rectangle, beside, ok bool) {
	if win, ok := l.besideCaption(f, lb); ok {
		return win, true, true
	}
	win, ok = l.underCaption(f, lb)
	return win, false, ok
}

// besideCaption is the window of a value printed on its caption's line,
// to the right of it: some pages set a column of captions beside a
// column of values (another hand's Swedish passport, where the window
// under "Given names" held the nationality's line, and SVENSK was read
// as the given names). It is taken only when nothing of a value lies
// under the caption's start, within a value's reach, and ink at least
// besideTaller captions tall stands beside it, within besideGap caption
// heights, its middle on the caption's line. The window runs from the
// caption's end to the next caption on its line (or the side's edge),
// between the captions above and below it.
func (l *layout) besideCaption(f typedb.Field, lb image.Rectangle) (image.Rectangle, bool) {
	// Tesseract's box of a caption may take in artwork around it
	lb = l.inkOf(lb)
	ch := max(lb.Dy(), 6)
	pad := max(3, ch/2)
	// from further left: a caption found in one of its languages only
	// may stand over the end of its value ("Date de délivrance" of
	// "Date of issuance | Date de délivrance")
	under := image.Rect(lb.Min.X-captionSetIn*ch, lb.Max.Y+1, min(lb.Max.X, lb.Min.X+6*ch), lb.Max.Y+1+ch*3/2)
	if l.valueInkIn(under) {
		return image.Rectangle{}, false
	}
	top, bottom := lb.Min.Y-5*ch/2, lb.Max.Y+ch
	right := l.img.Rect.Max.X
	for other, o := range l.labels {
		if other == f.Name {
			continue
		}
		switch {
		case o.Min.X > lb.Max.X && o.Min.Y < lb.Max.Y && o.Max.Y > lb.Min.Y:
			right = min(right, o.Min.X-pad)
		case o.Min.X < lb.Max.X && o.Max.X > lb.Min.X && o.Max.Y <= lb.Min.Y:
			top = max(top, o.Max.Y+1)
		case o.Min.X < lb.Max.X && o.Max.X > lb.Min.X && o.Min.Y >= lb.Max.Y:
			bottom = min(bottom, o.Min.Y-1)
		}
	}
	win := image.Rect(lb.Max.X+pad, top, right, bottom).Intersect(l.img.Rect)
	if win.Dx() < 4*ch || win.Dy() < ch {
		return image.Rectangle{}, false
	}
	m, wr := l.inkMap(win)
	if m == nil {
		return image.Rectangle{}, false
	}
	clearEdgeRules(m, wr, l.img.Rect)
	// the value: the first ink after the caption (further on, another
	// column's print may stand a line higher or lower)
	x0 := -1
	for x := 0; x < wr.Dx() && x0 < 0; x++ {
		n := 0
		for y := range wr.Dy() {
			if m[y*wr.Dx()+x] == 2 {
				n++
			}
		}
		if n >= 2 {
			x0 = wr.Min.X + x
		}
	}
	if x0 < 0 || x0-lb.Max.X > besideGap*ch {
		return image.Rectangle{}, false
	}
	fm, fr := l.inkMap(image.Rect(x0, win.Min.Y, min(x0+8*ch, win.Max.X), win.Max.Y))
	clearEdgeRules(fm, fr, l.img.Rect)
	vb, mass := inkBox(fm, fr, 2)
	mid := (vb.Min.Y + vb.Max.Y) / 2
	if mass < 10 || float64(vb.Dy()) < besideTaller*float64(ch) || mid < lb.Min.Y-ch/2 || mid > lb.Max.Y+ch/2 ||
		vb.Min.Y <= fr.Min.Y || vb.Max.Y >= fr.Max.Y {
		// not a line of print: artwork (a chip) fills the window's height
		return image.Rectangle{}, false
	}
	// the value's line, with room for marks over and under its letters
	h := vb.Dy()
	win.Min.Y, win.Max.Y = max(win.Min.Y, vb.Min.Y-h/2), min(win.Max.Y, vb.Max.Y+h/3)
	return win, true
}

// inkOf is the band of r's rows and columns that its ink fills, or r
// when it holds too little. The ink is what is darker than r's own
// Otsu threshold, not the value ink's: a caption printed pale and thin
// reads as paper against the values' black but for specks (another
// hand's Swedish passport: "Given names" measured 5 px tall where its
// letters stand 12, and the names' line was looked for under it).
func (l *layout) inkOf(r image.Rectangle) image.Rectangle {
	r = r.Intersect(l.img.Rect)
	if r.Empty() {
		return r
	}
	bw := binarize(imgutil.Gray(imgutil.Sub(l.img, r)))
	m := make([]uint8, len(bw.Pix))
	for i, v := range bw.Pix {
		if v == 0 {
			m[i] = 2
		}
	}
	b, mass := inkBox(m, r, 2)
	if mass < 10 || b.Dy() < 4 {
		return r
	}
	return b
}

// besideGap is how many caption heights after its caption a value
// beside it starts at most, and besideTaller how much taller than the
// caption its ink is at least: values are set larger than captions, and
// another column's caption on the line is not a value. A caption's
// height runs from its ascenders to its descenders (inkOf), a value's
// capitals only a little taller: "Myndighet / Authority" 19 px beside
// POLISMYNDIGHETEN's 23 on another hand's Swedish passport.
const (
	besideGap    = 24
	besideTaller = 1.1
)

// widenLeft moves a caption's value window left, a caption height (lb,
// the caption's box) at a time (four at most), while value ink crosses
// its left edge: a caption read only in part, or set in from its value,
// would cut the value's first letters. A word the caption pass read
// surely across the edge, the height of the caption's letters or more
// either side, and starting within a caption height under the window's
// top, is the value's too (further down, it
// is the next row's: a Luxembourg card's authority under its date of
// issue, its expiry's two-line caption 40 px tall): the window then
// starts with it (the edge had stood in the gap between two letters, and "Behörde
// / Authority", read as "Authority", cut AUSLÄNDER- UND PASSAMT to
// "SLÄNDER- UND PASSAMT", answered at 0.91 on another hand's
// Liechtenstein card).
func (l *layout) widenLeft(win, lb image.Rectangle) image.Rectangle {
	ch := lb.Dy()
	step := max(ch, 6)
	for range 4 {
		if win.Min.X <= l.img.Rect.Min.X {
			break
		}
		if !l.valueInkIn(image.Rect(win.Min.X, win.Min.Y, win.Min.X+2, win.Max.Y)) {
			break
		}
		win.Min.X = max(win.Min.X-step, l.img.Rect.Min.X)
	}
	// the word's reach is measured in the caption's letters: its box may
	// stand far taller ("Geren names", the slash before it read into
	// "Geren", 28 px tall where its letters stand 10)
	lh := min(ch, max(l.inkOf(lb).Dy(), 4))
	for _, w := range l.words {
		b := w.Box
		firstLine := b.Min.Y >= win.Min.Y-ch/2 && b.Min.Y < win.Min.Y+ch
		if firstLine && b.Min.X < win.Min.X-lh && b.Max.X > win.Min.X+lh && w.Confidence >= minCrossingWordConf && letters(w.Text) != "" {
			win.Min.X = max(b.Min.X-max(3, lh/2), l.img.Rect.Min.X)
		}
	}
	return win
}

// minCrossingWordConf is how surely (0–100) the caption pass must have
// read a word across a value window's left edge for the window to start
// with it: its boxes of specks and artwork are read at next to nothing.
const minCrossingWordConf = 60

// widenRight moves a window's right edge right, half a caption height
// at a time (widenSteps times at most, never past limit), while value
// ink lies within one and a half caption heights beyond it: a word's
// space in a value printed up to two and a half captions high is less
// (a caption height had stopped "17 MÄR/MAR 1968", printed 2.35
// captions high, at its year's space).
func (l *layout) widenRight(win image.Rectangle, ch, limit int) image.Rectangle {
	step := max(ch/2, 4)
	for range widenSteps {
		if win.Max.X >= limit {
			break
		}
		if !l.valueInkIn(image.Rect(win.Max.X-2, win.Min.Y, min(win.Max.X+max(ch*3/2, 6), limit), win.Max.Y)) {
			break
		}
		win.Max.X = min(win.Max.X+step, limit)
	}
	return win
}

// valueInkIn reports whether r holds a few pixels of value ink (as
// inkMap tells it from caption ink and paper).
func (l *layout) valueInkIn(r image.Rectangle) bool {
	m, _ := l.inkMap(r)
	n := 0
	for _, k := range m {
		if k == 2 {
			n++
		}
	}
	return n >= 3
}

// gluedSimilarity is a caption read whole at the end of a longer word.
const gluedSimilarity = 0.9

// widenSteps is how many half caption heights widenRight goes at most:
// twelve caption heights, as far as "17 MÄR/MAR 1968" printed 2.3
// captions high runs past the window dateWidth sets (eight steps, four
// captions, had stopped it at "17 MAR/MAR 19", read 17.03.2015 at 0.75
// beside the MRZ's 1968: a false alarm on an Austrian passport by
// another hand, generic-html-2 --salt e).
const widenSteps = 24

// dateWidth is how many caption heights wide a date's window is.
const dateWidth = 16

// passValue is field f's value as the side's label pass (the caption
// pass on a generic side) read it, under f's label found printed; ok is
// false when there is none, or it is a label. On a generic side the
// caption's window is widened left over ink it cuts.
func (l *layout) passValue(f typedb.Field, t *typedb.Type) (raw, value string, conf float64, box image.Rectangle, ok bool) {
	lb, found := l.labels[f.Name]
	if !found {
		return "", "", 0, image.Rectangle{}, false
	}
	var win image.Rectangle
	if t.Generic {
		var beside bool
		if win, beside, found = l.captionWindow(f, lb); found && !beside {
			win = l.widenLeft(win, lb)
		}
	} else {
		win, found = l.belowLabel(f, lb)
	}
	if !found {
		return "", "", 0, image.Rectangle{}, false
	}
	raw, value, conf, box, err := l.wordsValue(f, win)
	if err != nil || isLabel(t, value) {
		return "", "", 0, image.Rectangle{}, false
	}
	return raw, value, conf, box, true
}

// wordsValue is the value of field f as the caption pass read it: the
// words of the topmost line inside win, in order, normalised; their mean
// confidence; and the box they fill. It stands in for a cut Tesseract
// made nothing of.
func (l *layout) wordsValue(f typedb.Field, win image.Rectangle) (raw, value string, conf float64, box image.Rectangle, err error) {
	var in []ocr.Word
	for _, w := range l.words {
		c := image.Pt((w.Box.Min.X+w.Box.Max.X)/2, (w.Box.Min.Y+w.Box.Max.Y)/2)
		if c.In(win) && strings.TrimSpace(w.Text) != "" {
			in = append(in, w)
		}
	}
	lines := WordLines(in)
	if len(lines) == 0 {
		return "", "", 0, image.Rectangle{}, fmt.Errorf("%w: %s: no words under the caption", ErrEmpty, f.Name)
	}
	top := lines[0]
	for _, ln := range lines[1:] {
		if ln[0].Box.Min.Y < top[0].Box.Min.Y {
			top = ln
		}
	}
	var texts []string
	for _, w := range top {
		texts = append(texts, w.Text)
		conf += w.Confidence
		box = box.Union(w.Box)
	}
	raw = strings.Join(texts, " ")
	value, err = Normalize(f, raw)
	return raw, value, conf / float64(len(top)), box, err
}

// columnGap is how many caption heights after a caption's end another
// column's print starts at the least: a caption's own languages follow
// it a space apart.
const columnGap = 2

// captionReach is how many caption heights below its caption a value
// may reach: values are set larger than captions (up to twice) and a
// little apart from them.
const captionReach = 3.0
