package vz

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// monthNames are month abbreviations of the captions' languages (ICAO
// 9303 prints dates as "20 MAY/MAI 95" in English and French): English,
// French, Spanish, German, Italian, Turkish, Russian, Kazakh, each by its
// first three letters (four where three are ambiguous).
var monthNames = func() map[string]int {
	m := map[string]int{}
	for i, names := range [][]string{
		{"JAN", "JANV", "ENE", "GEN", "OCA", "ЯНВ", "ҚАҢ"},
		{"FEB", "FEV", "FÉV", "FEBR", "ŞUB", "SUB", "ФЕВ", "АҚП"},
		{"MAR", "MARS", "MÄR", "MRZ", "МАР", "НАУ"},
		{"APR", "AVR", "ABR", "NIS", "АПР", "СӘУ"},
		{"MAY", "MAI", "MAG", "МАЙ", "МАМ"},
		{"JUN", "JUIN", "GIU", "HAZ", "ИЮН", "МАУ"},
		{"JUL", "JUIL", "LUG", "TEM", "ИЮЛ", "ШІЛ"},
		{"AUG", "AOU", "AOÛ", "AGO", "AĞU", "AGU", "АВГ", "ТАМ"},
		{"SEP", "SEPT", "SET", "EYL", "СЕН", "ҚЫР"},
		{"OCT", "OKT", "OTT", "EKI", "EKİ", "ОКТ", "ҚАЗ"},
		{"NOV", "KAS", "НОЯ", "ҚАР"},
		{"DEC", "DÉC", "DIC", "DEZ", "ARA", "ДЕК", "ЖЕЛ"},
	} {
		for _, n := range names {
			m[n] = i + 1
		}
	}
	return m
}()

// NormalizeDateText reads a printed date in the forms documents use and
// returns it as dd.mm.yyyy: "20 MAY /MAI 95", "20 MAY 1995", "20.05.1995",
// "20 05 1995", "1995-05-20"; a date of digits alone needs two-digit day
// and month and a four-digit year. A two-digit year (beside a month's name) is put in the century that
// makes the date lie in the past for a birth or an issue (past true) and
// within fifty years ahead for an expiry (past false), relative to now.
func NormalizeDateText(s string, past bool, now time.Time) (string, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if t == "" {
		return "", fmt.Errorf("%w: date", ErrEmpty)
	}
	// tokens: runs of digits and runs of letters
	var toks []string
	var cur []rune
	kind := 0 // 1 digits, 2 letters
	flush := func() {
		if len(cur) > 0 {
			toks = append(toks, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range t {
		k := 0
		switch {
		case unicode.IsDigit(r):
			k = 1
		case unicode.IsLetter(r):
			k = 2
		}
		if k != kind || k == 0 {
			flush()
		}
		kind = k
		if k != 0 {
			cur = append(cur, r)
		}
	}
	flush()
	var day, mon, year, yearDigits int
	var nums []string
	for _, tok := range toks {
		r := []rune(tok)
		if unicode.IsLetter(r[0]) {
			if mon != 0 {
				continue // "MAY/MAI": the second language's name
			}
			for _, n := range []int{4, 3} {
				if len(r) >= n {
					if m, ok := monthNames[string(r[:n])]; ok {
						mon = m
						break
					}
				}
			}
			continue
		}
		nums = append(nums, tok)
	}
	switch {
	case mon != 0 && len(nums) == 2:
		day, year, yearDigits = atoi(nums[0]), atoi(nums[1]), len(nums[1])
	case mon == 0 && len(nums) == 3 && len(nums[0]) == 4 && len(nums[1]) == 2 && len(nums[2]) == 2:
		year, mon, day, yearDigits = atoi(nums[0]), atoi(nums[1]), atoi(nums[2]), 4
	case mon == 0 && len(nums) == 3 && len(nums[2]) == 4 && len(nums[0]) == 2 && len(nums[1]) == 2:
		day, mon, year, yearDigits = atoi(nums[0]), atoi(nums[1]), atoi(nums[2]), 4
	case mon == 0 && len(nums) == 3:
		// all digits, but not dd mm yyyy or yyyy mm dd ("1-12-31",
		// "2004.12.3"): no form documents print, and a cut that lost a
		// digit at either end reads so
		return "", fmt.Errorf("vz: date %q: all digits without a four-digit year", s)
	case mon == 0:
		// dots lost: the eight digits decide
		return NormalizeDate(s)
	default:
		return "", fmt.Errorf("vz: date %q: no day and year beside the month", s)
	}
	switch yearDigits {
	case 2:
		year += 2000
		if past && year > now.Year() {
			year -= 100
		}
		if !past && year > now.Year()+50 {
			year -= 100
		}
	case 4:
	default:
		return "", fmt.Errorf("vz: date %q: year of %d digits", s, yearDigits)
	}
	if mon < 1 || mon > 12 || day < 1 || day > daysIn(mon, year) || year < 1900 || year > 2100 {
		return "", fmt.Errorf("vz: date %q is not a calendar date", s)
	}
	return fmt.Sprintf("%02d.%02d.%04d", day, mon, year), nil
}
