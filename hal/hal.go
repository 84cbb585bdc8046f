// Package hal owns the scanner's hardware vocabulary: the LED channels a
// board can drive, and the small interfaces behind which every piece of
// hardware sits (LEDs, camera, document-presence input). Real and simulated
// implementations live side by side, in the style of periph's gpiotest.
//
// hal depends on nothing else in the project; every other package that
// touches hardware depends on it.
package hal

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math/bits"
	"strings"
	"time"
)

// Channel is one physical LED channel of the scanner (one driver/MOSFET).
type Channel uint8

// The channels a docscan board can carry. The IR channels are 870 nm and
// the UV channel is 365 nm.
const (
	WhiteTop Channel = iota
	WhiteSide
	WhiteFront
	IRTop
	IRSide
	IRFront
	UV
	AxialLeft
	AxialRight
	numChannels
)

// NumChannels is the number of channels a board can carry; arrays indexed
// by Channel have this length.
const NumChannels = int(numChannels)

// AllChannels lists every channel in a stable order.
var AllChannels = []Channel{WhiteTop, WhiteSide, WhiteFront, IRTop, IRSide, IRFront, UV, AxialLeft, AxialRight}

var channelNames = [numChannels]string{
	WhiteTop:   "white-top",
	WhiteSide:  "white-side",
	WhiteFront: "white-front",
	IRTop:      "ir-top",
	IRSide:     "ir-side",
	IRFront:    "ir-front",
	UV:         "uv",
	AxialLeft:  "axial-left",
	AxialRight: "axial-right",
}

// String returns the channel's configuration name, e.g. "ir-front".
func (c Channel) String() string {
	if c < numChannels {
		return channelNames[c]
	}
	return fmt.Sprintf("channel(%d)", uint8(c))
}

// ErrUnknownChannel is returned when a channel name is not one of AllChannels.
var ErrUnknownChannel = errors.New("unknown LED channel")

// ParseChannel parses a channel name as printed by Channel.String.
func ParseChannel(name string) (Channel, error) {
	for c, n := range channelNames {
		if strings.EqualFold(n, name) {
			return Channel(c), nil
		}
	}
	return 0, fmt.Errorf("%w %q (want one of %s)", ErrUnknownChannel, name, strings.Join(channelNames[:], ", "))
}

// ChannelSet is a set of channels, one bit per Channel.
type ChannelSet uint16

// AllChannelSet holds every channel.
const AllChannelSet ChannelSet = 1<<numChannels - 1

// SetOf returns the set holding the given channels.
func SetOf(cs ...Channel) ChannelSet {
	var s ChannelSet
	for _, c := range cs {
		s |= 1 << c
	}
	return s
}

// Has reports whether c is in s.
func (s ChannelSet) Has(c Channel) bool { return s&(1<<c) != 0 }

// Len returns the number of channels in s.
func (s ChannelSet) Len() int { return bits.OnesCount16(uint16(s)) }

// Channels returns the channels in s in AllChannels order.
func (s ChannelSet) Channels() []Channel {
	var out []Channel
	for _, c := range AllChannels {
		if s.Has(c) {
			out = append(out, c)
		}
	}
	return out
}

// String returns the channel names joined by "+", or "off".
func (s ChannelSet) String() string {
	if s == 0 {
		return "off"
	}
	names := make([]string, 0, s.Len())
	for _, c := range s.Channels() {
		names = append(names, c.String())
	}
	return strings.Join(names, "+")
}

// LEDs switches the board's LED channels.
//
// Implementations must be safe for concurrent use. Close switches every
// channel off before releasing the lines, whatever state they were in.
type LEDs interface {
	// Set switches exactly the channels in on, and every other channel off.
	// Asking for a channel the board lacks is an error and changes nothing.
	Set(on ChannelSet) error
	// State returns the channels that are on now.
	State() ChannelSet
	// Available returns the channels this board has.
	Available() ChannelSet
	// Close switches every channel off and releases the hardware.
	Close() error
}

// ErrChannelMissing is returned when a channel is asked for that the board
// does not have.
var ErrChannelMissing = errors.New("LED channel not fitted on this board")

// Presence is an optional document-presence input (a switch or light
// barrier under the glass).
type Presence interface {
	// WaitPlaced blocks until a document is placed on the glass or ctx
	// ends. A placement made between two calls is reported by the next;
	// a document that stays there is reported once.
	WaitPlaced(ctx context.Context) error
	// Close releases the input.
	Close() error
}

// Format is a camera pixel format and frame size.
type Format struct {
	// PixelFormat is a V4L2 FourCC such as "YUYV", "GREY" or "MJPG".
	PixelFormat string
	Width       int
	Height      int
}

func (f Format) String() string { return fmt.Sprintf("%s %dx%d", f.PixelFormat, f.Width, f.Height) }

// Frame is one captured image.
type Frame struct {
	Image image.Image
	// Seq is the driver's frame sequence number; it increases by one per
	// frame the sensor produced, so a gap means frames were dropped.
	Seq uint64
	// Time is when the frame was captured (the end of its exposure).
	Time time.Time
}

// Camera captures frames.
//
// Capture must return a frame whose exposure began after Capture was
// called, so that a frame taken right after a light change never shows the
// previous lighting. A Camera is used by one goroutine at a time.
type Camera interface {
	// Configure asks for a format and returns the format the device really
	// chose, which may differ in size or pixel format.
	Configure(ctx context.Context, want Format) (Format, error)
	// SetExposure sets the exposure in the device's units; 0 selects
	// automatic exposure.
	SetExposure(ctx context.Context, exposure int) error
	// Capture returns a fresh frame, or an error when ctx ends or the
	// device times out.
	Capture(ctx context.Context) (Frame, error)
	// Close stops streaming and releases the device.
	Close() error
}

// ErrTimeout is returned by hardware waits that gave up.
var ErrTimeout = errors.New("hardware timeout")

// ErrUnsupported is returned when a device lacks a feature that was asked
// for, such as a camera without an exposure control.
var ErrUnsupported = errors.New("not supported by this device")

// Sleep waits d, the way hardware settles, or until ctx ends, and returns
// ctx's error then.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
