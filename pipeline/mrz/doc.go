// Package mrz finds, reads, parses and verifies ICAO 9303 machine-readable
// zones. It is pure Go and knows nothing of HTTP or storage.
//
//   - Engine.Read finds the zone in a photo or scan (package find), cuts
//     its lines, reads them with the OCR-B glyph reader (package glyph)
//     and corrects and parses what was read.
//   - Parse and ParseAt parse lines given as text, exactly as given.
//   - Correct settles a reading by field type and, where the reader was
//     unsure, by check digits; it never changes a printed check digit.
//
// Formats: TD1, TD2, TD3, MRV-A, MRV-B and the French national ID card.
// See docs/mrz.md.
package mrz
