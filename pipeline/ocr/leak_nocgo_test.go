//go:build !cgo

package ocr

import "testing"

func gosseractText(t testing.TB, _ client, _ []byte) func() {
	t.Skip("needs cgo")
	return nil
}
