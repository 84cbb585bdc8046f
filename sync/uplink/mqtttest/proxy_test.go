package mqtttest

import (
	"bufio"
	"bytes"
	"testing"
)

func TestReadPacket(t *testing.T) {
	// PUBLISH QoS 1, topic "a/b", packet id 7, payload "hi"; then a PUBACK.
	pub := []byte{0x32, 9, 0, 3, 'a', '/', 'b', 0, 7, 'h', 'i'}
	puback := []byte{0x40, 2, 0, 7}
	r := bufio.NewReader(bytes.NewReader(append(append([]byte{}, pub...), puback...)))
	raw, body, err := ReadPacket(r)
	if err != nil || !bytes.Equal(raw, pub) {
		t.Fatalf("first packet %x, %v", raw, err)
	}
	p, err := parsePublish(raw[0]&0x0f, body)
	if err != nil || p.Topic != "a/b" || p.QoS != 1 || p.PacketID != 7 || string(p.Payload) != "hi" || p.Dup {
		t.Fatalf("publish %+v, %v", p, err)
	}
	if raw, _, err := ReadPacket(r); err != nil || raw[0]>>4 != TypePuback {
		t.Fatalf("second packet %x, %v", raw, err)
	}
	// A remaining length of 128 takes two bytes.
	long := append([]byte{0x30, 0x80, 0x01}, make([]byte, 128)...)
	if raw, body, err := ReadPacket(bufio.NewReader(bytes.NewReader(long))); err != nil || len(raw) != 131 || len(body) != 128 {
		t.Fatalf("two-byte length: %d, %d, %v", len(raw), len(body), err)
	}
	// Five length bytes are refused, a short body is an error.
	for _, bad := range [][]byte{{0x30, 0xff, 0xff, 0xff, 0xff, 0x01}, {0x30, 5, 0}} {
		if _, _, err := ReadPacket(bufio.NewReader(bytes.NewReader(bad))); err == nil {
			t.Errorf("%x accepted", bad)
		}
	}
}

func FuzzReadPacket(f *testing.F) {
	f.Add([]byte{0x32, 9, 0, 3, 'a', '/', 'b', 0, 7, 'h', 'i'})
	f.Add([]byte{0x40, 2, 0, 7})
	f.Add([]byte{0x30, 0x80, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		raw, body, err := ReadPacket(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}
		if len(raw) > len(data) || !bytes.Equal(raw, data[:len(raw)]) || len(body) > len(raw) {
			t.Fatalf("raw %x body %x from %x", raw, body, data)
		}
		if raw[0]>>4 == TypePublish {
			parsePublish(raw[0]&0x0f, body) // must not panic
		}
	})
}
