package typedb

import "strings"

// The marked capitals (letters with diacritics, and ligatures) of the
// Latin-script languages whose states print names in them.
var languageMarks = map[string]string{
	"ca": "ÀÇÈÉÍÏÒÓÚÜ",
	"cs": "ÁČĎÉĚÍŇÓŘŠŤÚŮÝŽ",
	"da": "ÅÆØ",
	"de": "ÄÖÜ",
	"es": "ÁÉÍÑÓÚÜ",
	"et": "ÄÕÖÜŠŽ",
	"fi": "ÄÅÖŠŽ",
	"fr": "ÀÂÆÇÈÉÊËÎÏÔŒÙÛÜŸ",
	"ga": "ÁÉÍÓÚ",
	"hr": "ČĆĐŠŽ",
	"hu": "ÁÉÍÓÖŐÚÜŰ",
	"is": "ÁÆÉÍÐÓÖÚÝÞ",
	"it": "ÀÈÉÌÍÎÒÓÙÚ",
	"lb": "ÄËÉÈ",
	"lt": "ĄČĖĘĮŠŪŲŽ",
	"lv": "ĀČĒĢĪĶĻŅŠŪŽ",
	"mt": "ÀĊÈĠĦÌÒÙŻ",
	"nl": "ÉËÏÖÜ",
	"pl": "ĄĆĘŁŃÓŚŹŻ",
	"pt": "ÀÁÂÃÇÉÊÍÓÔÕÚ",
	"ro": "ĂÂÎȘȚ", // with the comma below; the cedilla's Ş and Ţ print alike (vz's sameGlyph)
	"sk": "ÁÄČĎÉÍĹĽŇÓÔŔŠŤÚÝŽ",
	"sl": "ČŠŽ",
	"sq": "ÇË",
	"sv": "ÄÅÖ",
	"tr": "ÇĞİÖŞÜ",
	"az": "ÇĞİÖŞÜ", // and Ə, which ICAO 9303 does not transliterate
}

// stateLanguages are the Latin-script languages names are written in on
// the documents of a state (ICAO code), its minorities' where their
// names keep their own letters. A state left out is not known.
var stateLanguages = map[string][]string{
	"ALB": {"sq"}, "AND": {"ca", "es", "fr"}, "ARG": {"es"}, "AUT": {"de"},
	"AZE": {"az"}, "BEL": {"fr", "nl", "de"}, "BIH": {"hr"}, "BOL": {"es"},
	"BRA": {"pt"}, "CHE": {"de", "fr", "it"}, "CHL": {"es"}, "COL": {"es"},
	"CRI": {"es"}, "CUB": {"es"}, "CZE": {"cs", "sk"}, "D": {"de"},
	"DEU": {"de"}, "DNK": {"da"}, "DOM": {"es"}, "ECU": {"es"},
	"ESP": {"es", "ca"}, "EST": {"et"}, "FIN": {"fi", "sv"}, "FRA": {"fr"},
	"GTM": {"es"}, "HND": {"es"}, "HRV": {"hr"}, "HUN": {"hu"},
	"IRL": {"ga"}, "ISL": {"is"}, "ITA": {"it", "de"}, "LIE": {"de"},
	"LTU": {"lt", "pl"}, "LUX": {"lb", "fr", "de"}, "LVA": {"lv"},
	"MCO": {"fr", "it"}, "MDA": {"ro"}, "MEX": {"es"}, "MLT": {"mt"},
	"MNE": {"hr"}, "NIC": {"es"}, "NLD": {"nl"}, "NOR": {"da"},
	"PAN": {"es"}, "PER": {"es"}, "POL": {"pl"}, "PRT": {"pt"},
	"PRY": {"es"}, "ROU": {"ro", "hu"}, "RKS": {"sq", "hr"}, "SLV": {"es"},
	"SMR": {"it"}, "SRB": {"hr", "hu"}, "SVK": {"sk", "hu"}, "SVN": {"sl", "hr"},
	"SWE": {"sv", "fi"}, "TUR": {"tr"}, "URY": {"es"}, "VEN": {"es"},
}

// NationalMarks returns the marked capitals the languages of the given
// states (ICAO codes: the issuing state, the holder's nationality) write
// names in, and whether every state is known: for an unknown state any
// marked letter may be printed.
func NationalMarks(states ...string) (string, bool) {
	var b strings.Builder
	for _, st := range states {
		langs, ok := stateLanguages[st]
		if !ok {
			return "", false
		}
		for _, l := range langs {
			b.WriteString(languageMarks[l])
		}
	}
	return b.String(), true
}
