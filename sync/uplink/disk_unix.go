//go:build unix

package uplink

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// DiskUsage reports free (available to unprivileged users) and total
// bytes of the filesystem holding path.
func DiskUsage(path string) (free, total uint64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return 0, 0, fmt.Errorf("uplink: statfs %s: %w", path, err)
	}
	bsize := uint64(st.Bsize) //nolint:unconvert // int64 on some platforms
	return uint64(st.Bavail) * bsize, uint64(st.Blocks) * bsize, nil
}
