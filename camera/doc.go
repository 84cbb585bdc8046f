// Package camera owns the camera implementations behind hal.Camera:
//
//   - V4L2, a real camera through github.com/blackjack/webcam, with format
//     negotiation, stale-frame dropping after a light change, timeouts and
//     reopening when the device disappears;
//   - Sim, the simulated camera, whose frames are composed from the
//     per-light layers of the document on the glass and the LED state of
//     hal.SimLEDs;
//   - Dir, which serves image files from a folder, for bench work with
//     real photos.
//
// ParseSpec reads the daemon's -camera flag (sim | v4l2:/dev/videoN |
// dir:PATH); cmd calls the constructors.
package camera
