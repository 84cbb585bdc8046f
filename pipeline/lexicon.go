package pipeline

import "github.com/docscan/docscan/pipeline/vz"

// lexicons are the closed sets of values some fields of a state's
// documents take, by ICAO code: the issuing authorities Kazakhstan
// prints in the Cyrillic visual zone (Ministry of Internal Affairs and
// Ministry of Justice, in Kazakh and in Russian) and in the Latin one.
// Tesseract's Kazakh model misreads these abbreviations' Қ, І and Ә
// (e.g. "ҚР ІІМ" as "КР ИМ"); a reading this near one entry is that
// entry. This belongs in the type database (a field's "values"); it is
// here until the database carries it.
var lexicons = map[string]vz.Lexicon{
	"KAZ": {
		"authority": {"ҚР ІІМ", "ҚР ӘМ", "МВД РК", "МЮ РК", "MIA", "MOJ"},
	},
}
