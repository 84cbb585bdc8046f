//go:build cgo

package ocr

import _ "embed"

// latinModel is LatinScript's model (made by model/make-latin.sh).
//
//go:embed model/latin.traineddata
var latinModel []byte
