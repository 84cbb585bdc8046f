package specimen

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/docscan/docscan/typedb"
)

// Person is the personal data a specimen carries. Names are as printed in
// the visual zone: upper-case Cyrillic, Kazakh letters included.
type Person struct {
	LastName   string `json:"last_name"`
	FirstName  string `json:"first_name"`
	Patronymic string `json:"patronymic"`
	Sex        string `json:"sex"` // "M" or "F"
	// Dates are UTC midnights.
	BirthDate      time.Time `json:"-"`
	IssueDate      time.Time `json:"-"`
	ExpiryDate     time.Time `json:"-"`
	IIN            string    `json:"iin"`
	DocumentNumber string    `json:"document_number"`
	Authority      string    `json:"authority"`       // as on ID cards, e.g. "ҚР ІІМ"
	AuthorityLatin string    `json:"authority_latin"` // as on passports, e.g. "MIA"
	PlaceOfBirth   string    `json:"place_of_birth"`
	PlaceLatin     string    `json:"place_of_birth_latin"`
	Nationality    string    `json:"nationality"`
	// IINMismatch, when set, says what of the IIN disagrees with the
	// document: "birth_date" or "sex".
	IINMismatch string `json:"iin_mismatch,omitempty"`
}

// Date formats a civil date as the documents print it.
func Date(t time.Time) string { return t.Format("02.01.2006") }

type nameSet struct {
	last, first, patronymic string
}

// Names with every Kazakh letter (Ә Ғ Қ Ң Ө Ұ Ү Һ І) among them, and
// Russian ones; male and female forms.
var (
	kzMaleFirst   = []string{"ӘЛИХАН", "ЕРЛАН", "НҰРЛАН", "ҚАЙРАТ", "ДӘУРЕН", "ҒАЛЫМ", "СЕРІК", "БАУЫРЖАН", "АСҚАР", "ӨМІРЗАҚ", "ҰЛАН", "ЖАНДОС", "МҰРАТ", "АЙДОС", "ТІЛЕУБЕК", "ЕРҒАЛИ", "ШАҺМАРДАН", "ҮСЕН"}
	kzFemaleFirst = []string{"ӘСЕЛ", "АЙГҮЛ", "ГҮЛНАР", "ЖАНАР", "ДАНА", "МӨЛДІР", "АРУЖАН", "ҰЛЖАН", "ҚАРЛЫҒАШ", "САЛТАНАТ", "АЙЖАН", "ЛӘЗЗАТ", "ГҮЛЖАҺАН", "ІҢКӘР", "ТОҒЖАН", "ӘЙГЕРІМ"}
	kzLast        = []string{"ӘБЕНОВ", "ҒАБДУЛЛИН", "ҚАСЫМОВ", "НҰРҒАЛИЕВ", "ОСПАНОВ", "ӨТЕПОВ", "СӘРСЕНБАЕВ", "ТОҚАЕВ", "ҮСЕНОВ", "ЖҰМАБАЕВ", "ҚҰНАНБАЕВ", "ШАҺАНОВ", "ІЗБАСАРОВ", "ЕСЕНҒАЛИЕВ", "ТӨЛЕГЕНОВ", "БЕКМҰХАМБЕТОВ", "ОМАРОВ", "СЕЙІТОВ"}
	kzFathers     = []string{"СЕРІК", "ҚАНАТ", "ЕРЖАН", "БОЛАТ", "ӘСЕТ", "НҰРЛАН", "ҒАЛЫМ", "ДӘУЛЕТ", "ТӨЛЕГЕН", "МҰХТАР", "ҚУАНЫШ", "ЖОМАРТ"}

	ruMaleFirst   = []string{"АЛЕКСАНДР", "ДМИТРИЙ", "СЕРГЕЙ", "АНДРЕЙ", "МИХАИЛ", "НИКОЛАЙ", "ВЛАДИМИР", "ЕВГЕНИЙ", "ЮРИЙ", "ИЛЬЯ"}
	ruFemaleFirst = []string{"АННА", "ЕЛЕНА", "ОЛЬГА", "НАТАЛЬЯ", "ТАТЬЯНА", "ИРИНА", "ЮЛИЯ", "СВЕТЛАНА", "ЛЮДМИЛА", "МАРИЯ"}
	ruLast        = []string{"ИВАНОВ", "СМИРНОВ", "КУЗНЕЦОВ", "ПОПОВ", "ВАСИЛЬЕВ", "ПЕТРОВ", "СОКОЛОВ", "МИХАЙЛОВ", "ЩЕРБАКОВ", "ЖУКОВ", "ЧЕРНЫШЁВ", "ЦВЕТКОВ"}
	ruPatronymic  = [][2]string{{"АЛЕКСАНДРОВИЧ", "АЛЕКСАНДРОВНА"}, {"ДМИТРИЕВИЧ", "ДМИТРИЕВНА"}, {"СЕРГЕЕВИЧ", "СЕРГЕЕВНА"}, {"ЮРЬЕВИЧ", "ЮРЬЕВНА"}, {"МИХАЙЛОВИЧ", "МИХАЙЛОВНА"}, {"НИКОЛАЕВИЧ", "НИКОЛАЕВНА"}, {"ВЛАДИМИРОВИЧ", "ВЛАДИМИРОВНА"}, {"ИЛЬИЧ", "ИЛЬИНИЧНА"}}

	places = [][2]string{
		{"АЛМАТЫ", "ALMATY"}, {"АСТАНА", "ASTANA"}, {"ШЫМКЕНТ", "SHYMKENT"}, {"ҚАРАҒАНДЫ", "KARAGANDY"},
		{"ӨСКЕМЕН", "OSKEMEN"}, {"ҚОСТАНАЙ", "KOSTANAY"}, {"АҚТӨБЕ", "AKTOBE"}, {"ПАВЛОДАР", "PAVLODAR"},
		{"ТАРАЗ", "TARAZ"}, {"АТЫРАУ", "ATYRAU"}, {"ҚЫЗЫЛОРДА", "KYZYLORDA"}, {"СЕМЕЙ", "SEMEY"},
		{"ТҮРКІСТАН", "TURKISTAN"}, {"ОРАЛ", "ORAL"},
	}
	authorities = [][2]string{{"ҚР ІІМ", "MIA"}, {"МВД РК", "MIA"}, {"ҚР ӘМ", "MOJ"}, {"МЮ РК", "MOJ"}}
)

func pick[T any](rng *rand.Rand, s []T) T { return s[rng.IntN(len(s))] }

// civil returns the UTC midnight of t's date.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Document number styles for NewPerson.
const (
	NumberKZID       = "kz-id"       // 9 digits, e.g. 012345678
	NumberKZPassport = "kz-passport" // N and 8 digits
	NumberICAO       = "icao"        // 2 letters and 7 digits
)

// NewPerson draws a person and a document valid on today, or, with
// expired, one whose expiry is in the past. numberStyle is one of the
// Number* constants.
func NewPerson(rng *rand.Rand, today time.Time, expired bool, numberStyle string) (Person, error) {
	today = civil(today)
	var p Person
	male := rng.IntN(2) == 0
	p.Sex = "F"
	if male {
		p.Sex = "M"
	}
	kazakh := rng.IntN(3) != 0
	switch {
	case kazakh:
		p.LastName = pick(rng, kzLast)
		father := pick(rng, kzFathers)
		if male {
			p.FirstName = pick(rng, kzMaleFirst)
			p.Patronymic = father + "ҰЛЫ"
		} else {
			p.FirstName = pick(rng, kzFemaleFirst)
			p.LastName += "А"
			p.Patronymic = father + "ҚЫЗЫ"
		}
		p.Nationality = "ҚАЗАҚ"
	default:
		p.LastName = pick(rng, ruLast)
		pat := pick(rng, ruPatronymic)
		if male {
			p.FirstName = pick(rng, ruMaleFirst)
			p.Patronymic = pat[0]
		} else {
			p.FirstName = pick(rng, ruFemaleFirst)
			p.LastName += "А"
			p.Patronymic = pat[1]
		}
		p.Nationality = "ОРЫС"
	}
	pl := pick(rng, places)
	p.PlaceOfBirth, p.PlaceLatin = pl[0], pl[1]
	au := pick(rng, authorities)
	p.Authority, p.AuthorityLatin = au[0], au[1]

	// the holder is 31 to 80 today, so at least 16 at any issue date
	// below, and is the same person whatever the variant
	p.BirthDate = today.AddDate(-(31 + rng.IntN(50)), 0, -rng.IntN(365))
	// validity: 10 years, ending the day before the anniversary (as on
	// real cards: 23.11.2015–22.11.2025)
	if expired {
		p.IssueDate = today.AddDate(-10, 0, -(1 + rng.IntN(1500)))
	} else {
		p.IssueDate = today.AddDate(0, 0, -(30 + rng.IntN(9*365)))
	}
	p.ExpiryDate = p.IssueDate.AddDate(10, 0, -1)
	iin, err := typedb.MakeIIN(p.BirthDate, p.Sex[0], rng.IntN(10000))
	if err != nil {
		return Person{}, err
	}
	p.IIN = iin
	switch numberStyle {
	case NumberKZID:
		p.DocumentNumber = fmt.Sprintf("0%08d", rng.IntN(100000000))
	case NumberKZPassport:
		p.DocumentNumber = fmt.Sprintf("N%08d", rng.IntN(100000000))
	case NumberICAO:
		p.DocumentNumber = fmt.Sprintf("%c%c%07d", 'A'+rng.IntN(26), 'A'+rng.IntN(26), rng.IntN(10000000))
	default:
		return Person{}, fmt.Errorf("specimen: unknown document number style %q", numberStyle)
	}
	return p, nil
}

// mismatchIIN replaces p's IIN with a valid one that disagrees with the
// document: a different birth date or the other sex.
func mismatchIIN(rng *rand.Rand, p *Person) error {
	birth, sex := p.BirthDate, p.Sex[0]
	if rng.IntN(2) == 0 {
		p.IINMismatch = "birth_date"
		birth = birth.AddDate(0, 0, 1+rng.IntN(300))
	} else {
		p.IINMismatch = "sex"
		sex = map[byte]byte{'M': 'F', 'F': 'M'}[sex]
	}
	iin, err := typedb.MakeIIN(birth, sex, rng.IntN(10000))
	if err != nil {
		return err
	}
	p.IIN = iin
	return nil
}
