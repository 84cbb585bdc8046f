package typedb

import (
	"errors"
	"fmt"
	"time"
)

// The Kazakh individual identification number (IIN, ЖСН / ИИН) is the
// personal number of types with personal_number_scheme "kz-iin":
//
//	YYMMDD C SSSS K
//
// YYMMDD is the date of birth, C the century and sex (1/2: 1800s male /
// female, 3/4: 1900s, 5/6: 2000s; odd is male), SSSS a serial and K the
// check digit. K is the weighted sum of the first 11 digits mod 11, with
// weights 1..11; if that is 10, the sum is taken again with weights
// 3,4,5,6,7,8,9,10,11,1,2; if it is 10 again the number is not issued.
// (Government decree 565 of 11 June 2003, as republished by adilet.zan.kz.)

// ErrBadIIN is wrapped by every IIN validation error.
var ErrBadIIN = errors.New("invalid IIN")

var (
	iinWeights1 = [11]int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	iinWeights2 = [11]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2}
)

// IINCheckDigit computes the check digit of the first 11 digits of an IIN.
// ok is false when first11 is not 11 digits or no check digit exists
// (both passes give 10: such numbers are never issued).
func IINCheckDigit(first11 string) (digit byte, ok bool) {
	if len(first11) != 11 {
		return 0, false
	}
	sum := func(w [11]int) int {
		s := 0
		for i := range 11 {
			s += int(first11[i]-'0') * w[i]
		}
		return s % 11
	}
	for i := range 11 {
		if first11[i] < '0' || first11[i] > '9' {
			return 0, false
		}
	}
	k := sum(iinWeights1)
	if k == 10 {
		k = sum(iinWeights2)
		if k == 10 {
			return 0, false
		}
	}
	return byte('0' + k), true
}

// IIN is what an IIN says about its holder.
type IIN struct {
	BirthDate time.Time // UTC midnight
	Sex       byte      // 'M' or 'F'
	Serial    string    // the 4 serial digits
}

// ParseIIN validates s (12 digits, a real birth date, a century/sex
// digit 1–6, the check digit) and returns what it encodes.
func ParseIIN(s string) (IIN, error) {
	if len(s) != 12 {
		return IIN{}, fmt.Errorf("%w: want 12 digits, got %d characters", ErrBadIIN, len(s))
	}
	for i := range 12 {
		if s[i] < '0' || s[i] > '9' {
			return IIN{}, fmt.Errorf("%w: character %d is not a digit", ErrBadIIN, i+1)
		}
	}
	c := s[6] - '0'
	if c < 1 || c > 6 {
		return IIN{}, fmt.Errorf("%w: century/sex digit %d: want 1–6", ErrBadIIN, c)
	}
	century := 1800 + 100*int((c-1)/2)
	yy := int(s[0]-'0')*10 + int(s[1]-'0')
	mm := int(s[2]-'0')*10 + int(s[3]-'0')
	dd := int(s[4]-'0')*10 + int(s[5]-'0')
	birth := time.Date(century+yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if mm < 1 || mm > 12 || birth.Day() != dd || int(birth.Month()) != mm {
		return IIN{}, fmt.Errorf("%w: %02d.%02d is not a date", ErrBadIIN, dd, mm)
	}
	k, ok := IINCheckDigit(s[:11])
	if !ok {
		return IIN{}, fmt.Errorf("%w: no check digit exists for these 11 digits", ErrBadIIN)
	}
	if k != s[11] {
		return IIN{}, fmt.Errorf("%w: check digit is %c, want %c", ErrBadIIN, s[11], k)
	}
	sex := byte('M')
	if c%2 == 0 {
		sex = 'F'
	}
	return IIN{BirthDate: birth, Sex: sex, Serial: s[7:11]}, nil
}

// MakeIIN builds a valid IIN for a birth date and sex ('M' or 'F'),
// starting at serial and moving to the next serial while no check digit
// exists.
func MakeIIN(birth time.Time, sex byte, serial int) (string, error) {
	y := birth.Year()
	if y < 1800 || y > 2099 {
		return "", fmt.Errorf("%w: birth year %d outside 1800–2099", ErrBadIIN, y)
	}
	c := 1 + 2*((y-1800)/100)
	switch sex {
	case 'M':
	case 'F':
		c++
	default:
		return "", fmt.Errorf("%w: sex %q: want M or F", ErrBadIIN, sex)
	}
	for range 10000 {
		serial = ((serial % 10000) + 10000) % 10000
		head := fmt.Sprintf("%02d%02d%02d%d%04d", y%100, int(birth.Month()), birth.Day(), c, serial)
		if k, ok := IINCheckDigit(head); ok {
			return head + string(k), nil
		}
		serial++
	}
	return "", fmt.Errorf("%w: no serial gives a check digit", ErrBadIIN)
}
