package mrz

// icaoCodes are the three-letter codes ICAO 9303 part 3 adds to ISO 3166-1
// alpha-3, with the ISO alpha-2 of the state they stand for ("" when they
// stand for no state).
var icaoCodes = map[string]string{
	"D":   "DE", // Germany writes D, not DEU
	"GBD": "GB", // British Overseas Territories Citizen
	"GBN": "GB", // British National (Overseas)
	"GBO": "GB", // British Overseas Citizen
	"GBP": "GB", // British Protected Person
	"GBS": "GB", // British Subject
	"RKS": "XK", // Kosovo
	"UNK": "XK", // Kosovo, issued by UNMIK
	"UNA": "",   // specialised agency of the United Nations
	"UNO": "",   // United Nations Organization
	"EUE": "",   // European Union
	"XBA": "",   // African Development Bank
	"XIM": "",   // African Export-Import Bank
	"XCC": "",   // Caribbean Community
	"XCE": "",   // Council of Europe
	"XCO": "",   // Common Market for Eastern and Southern Africa
	"XDC": "",   // Southern African Development Community
	"XEC": "",   // Economic Community of West African States
	"XES": "",   // Organisation of Eastern Caribbean States
	"XOM": "",   // Sovereign Military Order of Malta
	"XPO": "",   // Interpol
	"XXA": "",   // stateless person
	"XXB": "",   // refugee (1951 convention)
	"XXC": "",   // refugee (other)
	"XXX": "",   // nationality unspecified
	"UTO": "",   // Utopia, the ICAO specimen state
}

// KnownCode reports whether code (fillers already removed) is an ISO 3166-1
// alpha-3 code or one of the codes ICAO 9303 adds.
func KnownCode(code string) bool {
	if _, ok := icaoCodes[code]; ok {
		return true
	}
	_, ok := isoAlpha3[code]
	return ok
}

// Alpha2 returns the ISO 3166-1 alpha-2 code of the state an MRZ code
// (fillers removed) stands for, or "" when it stands for no state or is
// unknown.
func Alpha2(code string) string {
	if a2, ok := icaoCodes[code]; ok {
		return a2
	}
	return isoAlpha3[code]
}
