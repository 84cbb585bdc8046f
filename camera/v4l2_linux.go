//go:build linux

package camera

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/blackjack/webcam/ioctl"
	"golang.org/x/sys/unix"
)

// v4l2Format mirrors struct v4l2_format: a type and a 200-byte union
// aligned like a pointer (its v4l2_window member holds pointers), so the
// size is 208 bytes on 64-bit and 204 on 32-bit kernels, as the ioctl
// number requires.
type v4l2Format struct {
	typ  uint32
	_    [unsafe.Sizeof(uintptr(0)) - 4]byte // the union is pointer-aligned
	data [200]byte
}

const v4l2BufTypeVideoCapture = 1

var vidiocGFmt = ioctl.IoRW('V', 4, unsafe.Sizeof(v4l2Format{}))

// queryFormat reads the current capture format of the device at path
// through its own file handle (VIDIOC_G_FMT). blackjack/webcam v0.6.1's
// SetImageFormat returns the size that was asked for rather than the one
// the driver chose, and never the line stride; V4L2 lets any handle read
// the format, even while another one streams.
func queryFormat(path string) (rawFormat, error) {
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return rawFormat{}, fmt.Errorf("opening %s to read its format: %w", path, err)
	}
	defer unix.Close(fd)
	f := v4l2Format{typ: v4l2BufTypeVideoCapture}
	if err := ioctl.Ioctl(uintptr(fd), vidiocGFmt, uintptr(unsafe.Pointer(&f))); err != nil {
		return rawFormat{}, fmt.Errorf("VIDIOC_G_FMT on %s: %w", path, err)
	}
	return parsePixFormat(f.data[:]), nil
}

// parsePixFormat reads the leading fields of struct v4l2_pix_format:
// width, height, pixelformat, field, bytesperline.
func parsePixFormat(b []byte) rawFormat {
	u := func(i int) uint32 { return binary.NativeEndian.Uint32(b[4*i:]) }
	return rawFormat{
		width:        int(u(0)),
		height:       int(u(1)),
		fourcc:       fourccString(u(2)),
		bytesPerLine: int(u(4)),
	}
}
