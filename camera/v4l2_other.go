//go:build !linux

package camera

import (
	"fmt"

	"github.com/docscan/docscan/hal"
)

func queryFormat(path string) (rawFormat, error) {
	return rawFormat{}, fmt.Errorf("reading the V4L2 format of %s: %w", path, hal.ErrUnsupported)
}
