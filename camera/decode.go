package camera

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
)

// FourCC codes of the pixel formats the V4L2 camera decodes.
const (
	FourCCYUYV = "YUYV"
	FourCCGrey = "GREY"
	FourCCMJPG = "MJPG"
	FourCCJPEG = "JPEG"
)

// fourcc packs a four-character code as V4L2 does.
func fourcc(s string) uint32 {
	var b [4]byte
	copy(b[:], s)
	return binary.LittleEndian.Uint32(b[:])
}

// fourccString unpacks a V4L2 pixel format code.
func fourccString(v uint32) string {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], v)
	return string(b[:])
}

// rawFormat is the layout of a frame buffer.
type rawFormat struct {
	fourcc       string
	width        int
	height       int
	bytesPerLine int // 0: packed
}

// ErrShortFrame is returned for a buffer too small for the format.
var ErrShortFrame = errors.New("frame buffer shorter than its format")

// decodeFrame turns a frame buffer into an image. The image never aliases
// buf, so the buffer can go back to the driver right after.
func decodeFrame(buf []byte, f rawFormat) (image.Image, error) {
	switch f.fourcc {
	case FourCCYUYV:
		return decodeYUYV(buf, f)
	case FourCCGrey:
		return decodeGrey(buf, f)
	case FourCCMJPG, FourCCJPEG:
		return decodeMJPEG(buf)
	}
	return nil, fmt.Errorf("pixel format %q not supported", f.fourcc)
}

// decodeYUYV converts packed 4:2:2 (Y0 U Y1 V) into planar YCbCr 4:2:2,
// which keeps the colour the UV images need while costing only a copy.
func decodeYUYV(buf []byte, f rawFormat) (*image.YCbCr, error) {
	w, h := f.width, f.height
	pairs := (w + 1) / 2
	stride := f.bytesPerLine
	if stride == 0 {
		stride = pairs * 4
	}
	if w <= 0 || h <= 0 || stride < pairs*4 {
		return nil, fmt.Errorf("bad YUYV geometry %dx%d stride %d", w, h, stride)
	}
	if len(buf) < stride*(h-1)+pairs*4 {
		return nil, fmt.Errorf("%w: YUYV %dx%d needs %d bytes, got %d", ErrShortFrame, w, h, stride*(h-1)+pairs*4, len(buf))
	}
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio422)
	for y := 0; y < h; y++ {
		src := buf[y*stride : y*stride+pairs*4]
		yr := img.Y[y*img.YStride : y*img.YStride+w]
		cb := img.Cb[y*img.CStride : y*img.CStride+pairs]
		cr := img.Cr[y*img.CStride : y*img.CStride+pairs]
		for j := 0; j < pairs; j++ {
			s := src[4*j : 4*j+4]
			yr[2*j] = s[0]
			cb[j] = s[1]
			if 2*j+1 < w {
				yr[2*j+1] = s[2]
			}
			cr[j] = s[3]
		}
	}
	return img, nil
}

func decodeGrey(buf []byte, f rawFormat) (*image.Gray, error) {
	w, h := f.width, f.height
	stride := f.bytesPerLine
	if stride == 0 {
		stride = w
	}
	if w <= 0 || h <= 0 || stride < w {
		return nil, fmt.Errorf("bad GREY geometry %dx%d stride %d", w, h, stride)
	}
	if len(buf) < stride*(h-1)+w {
		return nil, fmt.Errorf("%w: GREY %dx%d needs %d bytes, got %d", ErrShortFrame, w, h, stride*(h-1)+w, len(buf))
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		copy(img.Pix[y*img.Stride:y*img.Stride+w], buf[y*stride:y*stride+w])
	}
	return img, nil
}

// decodeMJPEG decodes one Motion-JPEG frame. Many USB cameras leave the
// Huffman tables out of every frame (they are implied by the MJPEG
// format); image/jpeg needs them, so the standard ones are put back.
func decodeMJPEG(buf []byte) (image.Image, error) {
	data, err := InsertHuffmanTables(buf)
	if err != nil {
		return nil, err
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decoding MJPEG frame: %w", err)
	}
	return img, nil
}

// ErrBadJPEG is returned for data that is not a well-formed JPEG up to its
// first scan.
var ErrBadJPEG = errors.New("malformed JPEG")

// InsertHuffmanTables returns data unchanged when it defines Huffman
// tables before its first scan, and otherwise a copy with the standard
// tables of ITU T.81 Annex K.3 (the ones MJPEG implies) inserted before
// the start of scan. It checks the marker structure up to the scan.
func InsertHuffmanTables(data []byte) ([]byte, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, fmt.Errorf("%w: no start-of-image marker", ErrBadJPEG)
	}
	i := 2
	for {
		// Markers may be preceded by fill bytes 0xFF.
		if i >= len(data) || data[i] != 0xFF {
			return nil, fmt.Errorf("%w: expected a marker at byte %d", ErrBadJPEG, i)
		}
		for i < len(data) && data[i] == 0xFF {
			i++
		}
		if i >= len(data) {
			return nil, fmt.Errorf("%w: truncated marker", ErrBadJPEG)
		}
		marker := data[i]
		i++
		switch {
		case marker == 0xD9:
			return nil, fmt.Errorf("%w: end of image before any scan", ErrBadJPEG)
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7):
			continue // standalone markers carry no length
		case marker == 0x00:
			return nil, fmt.Errorf("%w: stuffed byte outside a scan", ErrBadJPEG)
		}
		if i+2 > len(data) {
			return nil, fmt.Errorf("%w: truncated segment length", ErrBadJPEG)
		}
		n := int(data[i])<<8 | int(data[i+1])
		if n < 2 || i+n > len(data) {
			return nil, fmt.Errorf("%w: segment 0x%02X of length %d overruns the data", ErrBadJPEG, marker, n)
		}
		switch marker {
		case 0xC4: // DHT: tables present
			return data, nil
		case 0xDA: // SOS: first scan without tables
			sos := i - 2 // back to the 0xFF before the SOS marker
			for sos > 0 && data[sos-1] == 0xFF {
				sos--
			}
			out := make([]byte, 0, len(data)+len(standardDHT))
			out = append(out, data[:sos]...)
			out = append(out, standardDHT...)
			out = append(out, data[sos:]...)
			return out, nil
		}
		i += n
	}
}

// huffmanTable is one table of ITU T.81 Annex K.3: the number of codes of
// each length 1..16, then the symbols in code order.
type huffmanTable struct {
	class, id uint8 // class 0 DC, 1 AC
	counts    [16]uint8
	symbols   []uint8
}

// runs appends, for each {h, lo} pair, the symbols h·lo .. h·A: the
// regular tail of the standard AC tables.
func runs(prefix []uint8, from ...[2]uint8) []uint8 {
	out := append([]uint8(nil), prefix...)
	for _, r := range from {
		for lo := r[1]; lo <= 0xA; lo++ {
			out = append(out, r[0]<<4|lo)
		}
	}
	return out
}

var standardTables = []huffmanTable{
	{0, 0, [16]uint8{0, 1, 5, 1, 1, 1, 1, 1, 1}, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	{1, 0, [16]uint8{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D}, runs([]uint8{
		0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61,
		0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xA1, 0x08, 0x23, 0x42, 0xB1, 0xC1, 0x15, 0x52,
		0xD1, 0xF0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0A, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x25,
		0x26, 0x27, 0x28, 0x29, 0x2A, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A,
	}, [2]uint8{4, 3}, [2]uint8{5, 3}, [2]uint8{6, 3}, [2]uint8{7, 3}, [2]uint8{8, 3}, [2]uint8{9, 2},
		[2]uint8{0xA, 2}, [2]uint8{0xB, 2}, [2]uint8{0xC, 2}, [2]uint8{0xD, 2}, [2]uint8{0xE, 1}, [2]uint8{0xF, 1})},
	{0, 1, [16]uint8{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1}, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	{1, 1, [16]uint8{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77}, runs([]uint8{
		0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61,
		0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xA1, 0xB1, 0xC1, 0x09, 0x23, 0x33,
		0x52, 0xF0, 0x15, 0x62, 0x72, 0xD1, 0x0A, 0x16, 0x24, 0x34, 0xE1, 0x25, 0xF1, 0x17, 0x18,
		0x19, 0x1A, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A,
	}, [2]uint8{4, 3}, [2]uint8{5, 3}, [2]uint8{6, 3}, [2]uint8{7, 3}, [2]uint8{8, 2}, [2]uint8{9, 2},
		[2]uint8{0xA, 2}, [2]uint8{0xB, 2}, [2]uint8{0xC, 2}, [2]uint8{0xD, 2}, [2]uint8{0xE, 2}, [2]uint8{0xF, 2})},
}

// standardDHT is one DHT segment holding the four standard tables.
var standardDHT = buildDHT(standardTables)

func buildDHT(tables []huffmanTable) []byte {
	var body []byte
	for _, t := range tables {
		body = append(body, t.class<<4|t.id)
		body = append(body, t.counts[:]...)
		body = append(body, t.symbols...)
	}
	n := len(body) + 2
	return append([]byte{0xFF, 0xC4, byte(n >> 8), byte(n)}, body...)
}
