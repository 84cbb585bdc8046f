package imgutil

import "image"

// View returns img itself when it is an *image.RGBA with origin (0,0),
// for reading only, and otherwise RGBA(img): recognition reads frames
// and never writes them, so a camera's RGBA frame need not be copied.
func View(img image.Image) *image.RGBA {
	if m, ok := img.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m
	}
	return RGBA(img)
}
