package mrz

import "github.com/docscan/docscan/typedb"

// The check-digit rule is document knowledge and lives in typedb, where
// the specimen renderer uses it too.

// charValue is a character's value in the ICAO 9303 check-digit sum
// (typedb.MRZCharValue).
func charValue(c byte) (v int, ok bool) { return typedb.MRZCharValue(c) }

// CheckDigit returns the ICAO 9303 check digit ('0'–'9') of s, with
// weights 7, 3, 1 repeating (typedb.MRZCheckDigit). ok is false when s
// holds a character outside the MRZ alphabet.
func CheckDigit(s string) (digit byte, ok bool) { return typedb.MRZCheckDigit(s) }
