package mrz

// charValue is a character's value in the ICAO 9303 check-digit sum:
// digits are themselves, A–Z are 10–35, and the filler '<' is 0. ok is
// false for characters outside the MRZ alphabet.
func charValue(c byte) (v int, ok bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10, true
	case c == '<':
		return 0, true
	}
	return 0, false
}

// CheckDigit returns the ICAO 9303 check digit ('0'–'9') of s, with
// weights 7, 3, 1 repeating. ok is false when s holds a character outside
// the MRZ alphabet.
func CheckDigit(s string) (digit byte, ok bool) {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		v, ok := charValue(s[i])
		if !ok {
			return 0, false
		}
		sum += v * weights[i%3]
	}
	return byte('0' + sum%10), true
}
