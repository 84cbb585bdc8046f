package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docscan/docscan/cmd/internal/board"
	"github.com/docscan/docscan/hal"
)

func runLightsCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := runLights(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestLightsTestSim(t *testing.T) {
	out, err := runLightsCmd(t, "-hal", "sim", "test", "-on-time", "2ms", "-gap", "1ms")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// Every channel of the default board, in order, each lit then off.
	var want []string
	for _, c := range hal.AllChannels {
		if !strings.Contains(out, c.String()) {
			t.Errorf("no report for %s", c)
		}
		want = append(want, c.String(), "off")
	}
	logStart := strings.Index(out, "simulated LED log:")
	if logStart < 0 {
		t.Fatalf("no LED log in\n%s", out)
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(out[logStart:]), "\n")[1:] {
		f := strings.Fields(line)
		got = append(got, f[len(f)-1])
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("LED log %v, want %v", got, want)
	}
}

func TestLightsOnSim(t *testing.T) {
	out, err := runLightsCmd(t, "-hal", "sim", "on", "white-top,ir-side", "-for", "5ms")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "on: white-top+ir-side (GPIO17,GPIO24)") || !strings.Contains(out, "white-top+ir-side\n") || !strings.HasSuffix(strings.TrimSpace(out), "off") {
		t.Errorf("output:\n%s", out)
	}
}

func TestLightsWithProfile(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "docscand.yaml")
	doc := "listen: 127.0.0.1:8080\nboard:\n  leds:\n    white-top: LED_W\n    ir-top: LED_IR\n  presence: DOC\n"
	if err := os.WriteFile(cfg, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runLightsCmd(t, "-hal", "sim", "-config", cfg, "off")
	if err != nil || !strings.Contains(out, "all LEDs off (white-top=LED_W ir-top=LED_IR)") {
		t.Errorf("off: %v\n%s", err, out)
	}
	if _, err := runLightsCmd(t, "-hal", "sim", "-config", cfg, "on", "uv"); !errors.Is(err, hal.ErrChannelMissing) {
		t.Errorf("on uv on a board without UV: %v", err)
	}
}

func TestLightsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-hal", "sim"},
		{"-hal", "sim", "blink"},
		{"-hal", "sim", "on"},
		{"-hal", "sim", "on", "infrared"},
		{"-hal", "sim", "off", "extra"},
		{"-hal", "relay", "off"},
		{"-hal", "sim", "-config", "/nonexistent.yaml", "off"},
	} {
		if out, err := runLightsCmd(t, args...); err == nil {
			t.Errorf("%q accepted:\n%s", args, out)
		}
	}
}

func TestLightsGPIOWithoutChip(t *testing.T) {
	if _, err := os.Stat("/dev/gpiochip0"); err == nil {
		t.Skip("this machine has GPIO chips")
	}
	_, err := runLightsCmd(t, "off")
	if !errors.Is(err, board.ErrLineNotFound) {
		t.Errorf("off without GPIO: %v", err)
	}
}

// TestLightsFollowsDaemonConfig: systemd's ExecStopPost runs `docscan
// lights -config /etc/docscan/docscand.yaml off`; it must drive the board
// the daemon drives, sim included, with or without a board: section.
func TestLightsFollowsDaemonConfig(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, doc, want string
	}{
		{"sim without board", "listen: 127.0.0.1:8080\nhal: sim\n", "all LEDs off (white-top=GPIO17"},
		{"sim with board", "hal: sim\nboard:\n  leds: {uv: LED_UV}\n", "all LEDs off (uv=LED_UV)"},
		{"profile file", "leds: {white-front: W}\n", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(dir, fmt.Sprintf("c%d.yaml", i))
			if err := os.WriteFile(cfg, []byte(tt.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := runLightsCmd(t, "-config", cfg, "off")
			if tt.want == "" { // no hal: in the file, so GPIO, which this machine lacks
				if _, statErr := os.Stat("/dev/gpiochip0"); statErr != nil && err == nil {
					t.Errorf("a profile file without hal: drove the simulator:\n%s", out)
				}
				return
			}
			if err != nil || !strings.Contains(out, tt.want) {
				t.Errorf("off: %v\n%s", err, out)
			}
		})
	}
}
