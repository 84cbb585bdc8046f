//go:build !cgo

package ocr

const available = false

func newClient([]string, string) (client, error) { return nil, ErrUnavailable }

func cHeapInUse() int64 { return 0 }
