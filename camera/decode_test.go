package camera

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// stripDHT removes every DHT segment from a JPEG, as MJPEG cameras send it.
func stripDHT(t testing.TB, data []byte) []byte {
	t.Helper()
	out := append([]byte(nil), data[:2]...)
	i := 2
	for i+4 <= len(data) && data[i] == 0xFF {
		marker := data[i+1]
		n := int(data[i+2])<<8 | int(data[i+3])
		if marker == 0xDA {
			return append(out, data[i:]...)
		}
		if marker != 0xC4 {
			out = append(out, data[i:i+2+n]...)
		}
		i += 2 + n
	}
	t.Fatal("no scan in test JPEG")
	return nil
}

func testJPEG(t testing.TB, colour bool) []byte {
	t.Helper()
	var img image.Image
	if colour {
		m := image.NewRGBA(image.Rect(0, 0, 40, 24))
		for y := 0; y < 24; y++ {
			for x := 0; x < 40; x++ {
				m.Set(x, y, color.RGBA{uint8(x * 6), uint8(y * 10), uint8(x * y), 255})
			}
		}
		img = m
	} else {
		m := image.NewGray(image.Rect(0, 0, 40, 24))
		for i := range m.Pix {
			m.Pix[i] = uint8(i * 13)
		}
		img = m
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestInsertHuffmanTables(t *testing.T) {
	for _, colour := range []bool{false, true} {
		orig := testJPEG(t, colour)
		want, err := jpeg.Decode(bytes.NewReader(orig))
		if err != nil {
			t.Fatal(err)
		}
		stripped := stripDHT(t, orig)
		if _, err := jpeg.Decode(bytes.NewReader(stripped)); err == nil {
			t.Fatal("image/jpeg decoded a JPEG without Huffman tables: the test proves nothing")
		}
		fixed, err := InsertHuffmanTables(stripped)
		if err != nil {
			t.Fatal(err)
		}
		got, err := jpeg.Decode(bytes.NewReader(fixed))
		if err != nil {
			t.Fatalf("colour=%v: decoding with the standard tables: %v", colour, err)
		}
		// Go's encoder uses the standard tables, so the pixels must match
		// exactly.
		if !bytes.Equal(pixels(got), pixels(want)) {
			t.Errorf("colour=%v: decoded pixels differ", colour)
		}
		// A JPEG with tables is returned as it is.
		same, err := InsertHuffmanTables(orig)
		if err != nil || &same[0] != &orig[0] {
			t.Errorf("JPEG with tables was copied or rejected: %v", err)
		}
	}
}

func pixels(img image.Image) []byte {
	switch m := img.(type) {
	case *image.Gray:
		return m.Pix
	case *image.YCbCr:
		return append(append(append([]byte(nil), m.Y...), m.Cb...), m.Cr...)
	}
	return nil
}

func TestStandardTablesShape(t *testing.T) {
	for _, tb := range standardTables {
		n := 0
		for _, c := range tb.counts {
			n += int(c)
		}
		if n != len(tb.symbols) {
			t.Errorf("table %d/%d: counts sum to %d but %d symbols", tb.class, tb.id, n, len(tb.symbols))
		}
	}
}

func TestInsertHuffmanTablesRejects(t *testing.T) {
	cases := map[string][]byte{
		"empty":         nil,
		"not jpeg":      []byte("PNG\x00\x00\x00"),
		"soi only":      {0xFF, 0xD8},
		"eoi first":     {0xFF, 0xD8, 0xFF, 0xD9},
		"overrun":       {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x40, 0x01},
		"no marker":     {0xFF, 0xD8, 0x12, 0x34},
		"short length":  {0xFF, 0xD8, 0xFF, 0xE0, 0x00},
		"length one":    {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01},
		"stuffed":       {0xFF, 0xD8, 0xFF, 0x00, 0x00, 0x04},
		"trailing fill": {0xFF, 0xD8, 0xFF, 0xFF, 0xFF},
	}
	for name, data := range cases {
		if _, err := InsertHuffmanTables(data); !errors.Is(err, ErrBadJPEG) {
			t.Errorf("%s: %v, want ErrBadJPEG", name, err)
		}
	}
}

func FuzzInsertHuffmanTables(f *testing.F) {
	orig := testJPEG(f, true)
	f.Add(orig)
	f.Add(stripDHT(f, orig))
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02})
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := InsertHuffmanTables(data)
		if err != nil {
			return
		}
		if len(out) != len(data) && len(out) != len(data)+len(standardDHT) {
			t.Fatalf("output length %d from %d", len(out), len(data))
		}
		// Whatever came out must not crash the decoder either.
		_, _ = jpeg.Decode(bytes.NewReader(out))
	})
}

func TestDecodeYUYV(t *testing.T) {
	// 3×2 pixels (odd width: the last pair has one pixel), stride 16.
	buf := []byte{
		10, 100, 11, 200, 12, 101, 99, 201, 0, 0, 0, 0, 0, 0, 0, 0,
		20, 110, 21, 210, 22, 111, 99, 211, 0, 0, 0, 0, 0, 0, 0, 0,
	}
	img, err := decodeFrame(buf, rawFormat{fourcc: "YUYV", width: 3, height: 2, bytesPerLine: 16})
	if err != nil {
		t.Fatal(err)
	}
	m := img.(*image.YCbCr)
	if m.Bounds() != image.Rect(0, 0, 3, 2) {
		t.Fatalf("bounds %v", m.Bounds())
	}
	for _, c := range []struct{ x, y, Y, Cb, Cr int }{
		{0, 0, 10, 100, 200}, {1, 0, 11, 100, 200}, {2, 0, 12, 101, 201},
		{0, 1, 20, 110, 210}, {2, 1, 22, 111, 211},
	} {
		if int(m.Y[m.YOffset(c.x, c.y)]) != c.Y || int(m.Cb[m.COffset(c.x, c.y)]) != c.Cb || int(m.Cr[m.COffset(c.x, c.y)]) != c.Cr {
			t.Errorf("pixel %d,%d wrong", c.x, c.y)
		}
	}
	// The image owns its memory.
	buf[0] = 255
	if m.Y[0] != 10 {
		t.Error("image aliases the driver buffer")
	}
	if _, err := decodeFrame(buf[:20], rawFormat{fourcc: "YUYV", width: 3, height: 2, bytesPerLine: 16}); !errors.Is(err, ErrShortFrame) {
		t.Errorf("short buffer: %v", err)
	}
}

func TestDecodeGrey(t *testing.T) {
	buf := []byte{1, 2, 3, 0, 4, 5, 6}
	img, err := decodeFrame(buf, rawFormat{fourcc: "GREY", width: 3, height: 2, bytesPerLine: 4})
	if err != nil {
		t.Fatal(err)
	}
	g := img.(*image.Gray)
	if !bytes.Equal(g.Pix, []byte{1, 2, 3, 4, 5, 6}) {
		t.Errorf("pixels %v", g.Pix)
	}
	if _, err := decodeFrame(buf, rawFormat{fourcc: "GREY", width: 4, height: 2}); !errors.Is(err, ErrShortFrame) {
		t.Errorf("short: %v", err)
	}
	if _, err := decodeFrame(buf, rawFormat{fourcc: "NV12", width: 1, height: 1}); err == nil {
		t.Error("unknown format accepted")
	}
}

func FuzzDecodeRaw(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8}, "YUYV", 2, 2, 0)
	f.Add([]byte{1, 2, 3, 4}, "GREY", 2, 2, 2)
	f.Add([]byte{}, "MJPG", 0, 0, 0)
	f.Fuzz(func(t *testing.T, buf []byte, fc string, w, h, stride int) {
		if w > 4096 || h > 4096 || stride > 1<<16 {
			return
		}
		_, _ = decodeFrame(buf, rawFormat{fourcc: fc, width: w, height: h, bytesPerLine: stride})
	})
}
