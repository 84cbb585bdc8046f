package typedb

//go:generate go run ./internal/gencountries -out countrynames.go

import "strings"

// iso3166 lists ISO 3166-1 alpha-2 and alpha-3 codes in pairs.
const iso3166 = `AD AND AE ARE AF AFG AG ATG AI AIA AL ALB AM ARM AO AGO AQ ATA AR ARG AS ASM AT AUT AU AUS AW ABW AX ALA AZ AZE
BA BIH BB BRB BD BGD BE BEL BF BFA BG BGR BH BHR BI BDI BJ BEN BL BLM BM BMU BN BRN BO BOL BQ BES BR BRA BS BHS BT BTN BV BVT BW BWA BY BLR BZ BLZ
CA CAN CC CCK CD COD CF CAF CG COG CH CHE CI CIV CK COK CL CHL CM CMR CN CHN CO COL CR CRI CU CUB CV CPV CW CUW CX CXR CY CYP CZ CZE
DE DEU DJ DJI DK DNK DM DMA DO DOM DZ DZA EC ECU EE EST EG EGY EH ESH ER ERI ES ESP ET ETH
FI FIN FJ FJI FK FLK FM FSM FO FRO FR FRA GA GAB GB GBR GD GRD GE GEO GF GUF GG GGY GH GHA GI GIB GL GRL GM GMB GN GIN GP GLP GQ GNQ GR GRC GS SGS GT GTM GU GUM GW GNB GY GUY
HK HKG HM HMD HN HND HR HRV HT HTI HU HUN ID IDN IE IRL IL ISR IM IMN IN IND IO IOT IQ IRQ IR IRN IS ISL IT ITA
JE JEY JM JAM JO JOR JP JPN KE KEN KG KGZ KH KHM KI KIR KM COM KN KNA KP PRK KR KOR KW KWT KY CYM KZ KAZ
LA LAO LB LBN LC LCA LI LIE LK LKA LR LBR LS LSO LT LTU LU LUX LV LVA LY LBY
MA MAR MC MCO MD MDA ME MNE MF MAF MG MDG MH MHL MK MKD ML MLI MM MMR MN MNG MO MAC MP MNP MQ MTQ MR MRT MS MSR MT MLT MU MUS MV MDV MW MWI MX MEX MY MYS MZ MOZ
NA NAM NC NCL NE NER NF NFK NG NGA NI NIC NL NLD NO NOR NP NPL NR NRU NU NIU NZ NZL OM OMN
PA PAN PE PER PF PYF PG PNG PH PHL PK PAK PL POL PM SPM PN PCN PR PRI PS PSE PT PRT PW PLW PY PRY QA QAT
RE REU RO ROU RS SRB RU RUS RW RWA
SA SAU SB SLB SC SYC SD SDN SE SWE SG SGP SH SHN SI SVN SJ SJM SK SVK SL SLE SM SMR SN SEN SO SOM SR SUR SS SSD ST STP SV SLV SX SXM SY SYR SZ SWZ
TC TCA TD TCD TF ATF TG TGO TH THA TJ TJK TK TKL TL TLS TM TKM TN TUN TO TON TR TUR TT TTO TV TUV TW TWN TZ TZA
UA UKR UG UGA UM UMI US USA UY URY UZ UZB VA VAT VC VCT VE VEN VG VGB VI VIR VN VNM VU VUT
WF WLF WS WSM YE YEM YT MYT ZA ZAF ZM ZMB ZW ZWE XK RKS`

// icaoExceptions are the states whose ICAO 9303 code differs from their
// ISO alpha-3 code.
var icaoExceptions = map[string]string{"DE": "D"}

// ICAOFromAlpha2 maps the API's country_code (ISO 3166-1 alpha-2, any
// case, e.g. "kz") to the issuing state's ICAO 9303 code ("KAZ").
func ICAOFromAlpha2(alpha2 string) (string, bool) {
	a := strings.ToUpper(strings.TrimSpace(alpha2))
	if len(a) != 2 {
		return "", false
	}
	if c, ok := icaoExceptions[a]; ok {
		return c, true
	}
	f := strings.Fields(iso3166)
	for i := 0; i+1 < len(f); i += 2 {
		if f[i] == a {
			return f[i+1], true
		}
	}
	return "", false
}

// Alpha2FromICAO maps an ICAO 9303 state code ("KAZ", "D") to the API's
// lower-case country_code ("kz").
func Alpha2FromICAO(icao string) (string, bool) {
	c := strings.ToUpper(strings.TrimSpace(strings.Trim(icao, "<")))
	for a, ex := range icaoExceptions {
		if ex == c {
			return strings.ToLower(a), true
		}
	}
	f := strings.Fields(iso3166)
	for i := 0; i+1 < len(f); i += 2 {
		if f[i+1] == c {
			return strings.ToLower(f[i]), true
		}
	}
	return "", false
}

// icaoOnlyNames are the ICAO 9303 part 3 codes that are not ISO 3166-1
// alpha-3 codes of a state.
var icaoOnlyNames = map[string]string{
	"D":   "Germany",
	"EUE": "European Union",
	"GBD": "United Kingdom (Overseas Territories)",
	"GBN": "United Kingdom (National Overseas)",
	"GBO": "United Kingdom (Overseas Citizen)",
	"GBP": "United Kingdom (Protected Person)",
	"GBS": "United Kingdom (Subject)",
	"RKS": "Kosovo",
	"UNA": "United Nations (specialized agency)",
	"UNK": "Kosovo (UN interim administration)",
	"UNO": "United Nations",
	"UTO": "Utopia (ICAO specimen)",
	"XXA": "Stateless person",
	"XXB": "Refugee",
	"XXC": "Refugee (other)",
	"XXX": "Unspecified nationality",
}

// CountryName returns the English short name of an ICAO 9303 state code
// ("CHN" → "China", "D" → "Germany"); ok is false for a code that names
// no state, which a caller reports as read rather than guessing.
func CountryName(icao string) (name string, ok bool) {
	c := strings.ToUpper(strings.TrimSpace(strings.Trim(icao, "<")))
	if n, ok := icaoOnlyNames[c]; ok {
		return n, true
	}
	n, ok := countryNames[c]
	return n, ok
}

// countryWords are the words of the English short names, upper case.
var countryWords = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range countryNames {
		for _, w := range strings.FieldsFunc(strings.ToUpper(n), func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == ')' || r == '-' || r == '.' }) {
			if len(w) >= 4 && w != "SAINT" && w != "ISLANDS" && w != "REPUBLIC" {
				m[w] = true
			}
		}
	}
	return m
}()

// IsCountryWord reports whether w (upper case) is a word of a state's
// English short name, e.g. "LATVIA" or "LUXEMBOURG": in a name field it
// is the header read in the wrong place.
func IsCountryWord(w string) bool { return countryWords[w] }
