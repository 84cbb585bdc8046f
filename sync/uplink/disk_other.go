//go:build !unix

package uplink

import "errors"

// DiskUsage is not implemented off Unix.
func DiskUsage(path string) (free, total uint64, err error) {
	return 0, 0, errors.New("uplink: disk usage is only read on Unix")
}
