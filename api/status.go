package api

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/jpeg"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/scan"
	"golang.org/x/image/draw"
)

//go:embed status.html
var statusHTML string

// statusFrameWidth is the width frames are scaled to on the page.
const statusFrameWidth = 480

// statusPage renders GET /: the device's state and the last scan, each
// frame with the document outline, the zones read and the checks drawn
// over it as inline SVG. Everything is inline (no scripts, no fonts, no
// CDN), so the page works offline. Frames are encoded once per scan.
type statusPage struct {
	s    *Server
	tmpl *template.Template

	mu       sync.Mutex
	cacheKey string
	cached   []frameSVG
}

func newStatusPage(s *Server) *statusPage {
	return &statusPage{s: s, tmpl: template.Must(template.New("status").Parse(statusHTML))}
}

// frameSVG is one frame as the template draws it; coordinates are in the
// scaled frame's pixels.
type frameSVG struct {
	Side, Light string
	Src         template.URL
	W, H        int
	Outline     string // SVG points; "" when the document was not found
	Zones       []shapeSVG
	Checks      []shapeSVG
	// Quality is the white frame's quality in words, a line a measure;
	// Tries the captures it took when captured again.
	Quality []string
	Tries   []string
}

type shapeSVG struct {
	Points     string
	Name       string
	Class      string // zone, ok, failed, not_done
	LabelX     float64
	LabelY     float64
	StatusText string
}

type statusView struct {
	Now    string
	Build  BuildInfo
	Health healthBody
	// Locked: no valid API key came with the request, so the page shows
	// the device's state and asks for a key instead of the last scan.
	Locked     bool
	KeyRefused string // why a key that came was refused
	NoKeys     bool   // the server has no API key at all
	Scan       *scanSummary
	Frames     []frameSVG
	Refreshed  string
}

// statusCookie carries the API key a person typed into the status page,
// so the page's refreshes keep showing the scan.
const statusCookie = "docscan_api_key"

type scanSummary struct {
	ScanID        string
	At            string
	DocumentName  string
	FailureReason string
	MRZValid      *bool
	Checks        []pipeline.Check
	Fields        []fieldSummary
}

// fieldSummary shows where a field came from, never its value.
type fieldSummary struct {
	Name, Source string
	Agree        *bool
}

// handleStatus serves GET /. The device's state is open; the last scan
// (its frames show the holder's portrait and data) needs an API key: the
// X-API-Key header, the page's cookie, or api_key in the query (the
// page's form), which is moved into the cookie and redirected away so the
// key does not stay in the address bar or the history.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	view := statusView{
		Now:    time.Now().UTC().Format(time.RFC3339),
		Build:  s.opts.Build,
		Health: s.health(r.Context(), ""),
		NoKeys: !s.hasKeys(r.Context()),
	}
	status := http.StatusOK
	if q := r.URL.Query(); q.Has(fieldAPIKey) {
		key := q.Get(fieldAPIKey)
		if e := s.authorize(r.Context(), key, true); e == nil {
			http.SetCookie(w, &http.Cookie{Name: statusCookie, Value: key, Path: "/",
				HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		view.Locked, view.KeyRefused, status = true, "That API key is not valid here.", http.StatusUnauthorized
	} else {
		key := r.Header.Get("X-API-Key")
		if c, err := r.Cookie(statusCookie); key == "" && err == nil {
			key = c.Value
		}
		if e := s.authorize(r.Context(), key, true); e != nil {
			view.Locked = true
			if key != "" {
				view.KeyRefused, status = "That API key is not valid here.", http.StatusUnauthorized
				// A stale cookie would refuse every refresh: drop it.
				http.SetCookie(w, &http.Cookie{Name: statusCookie, Path: "/", MaxAge: -1})
			}
		}
	}
	if !view.Locked && s.opts.LastScan != nil {
		if last := s.opts.LastScan.LastScan(); last != nil {
			view.Scan = summarise(last)
			view.Frames = s.status.frames(last)
		}
	}
	var buf bytes.Buffer
	if err := s.status.tmpl.Execute(&buf, view); err != nil {
		writeError(w, &httpError{status: http.StatusInternalServerError, detail: MsgInternal, cause: err})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// Only inline styles and data: images; nothing from the network.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'self'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func summarise(last *scan.View) *scanSummary {
	sum := &scanSummary{ScanID: last.ScanID, At: last.At.UTC().Format(time.RFC3339)}
	res := last.Result
	if res == nil {
		return sum
	}
	var names []string
	if t := res.DocumentType.Frontside; t != nil {
		names = append(names, t.DocumentName)
	}
	if t := res.DocumentType.Backside; t != nil {
		names = append(names, t.DocumentName)
	}
	sum.DocumentName = strings.Join(names, " / ")
	sum.FailureReason = res.FailureReason
	if res.MRZ != nil {
		v := res.MRZ.Valid
		sum.MRZValid = &v
	}
	sum.Checks = res.Checks
	for name, f := range res.Fields {
		sum.Fields = append(sum.Fields, fieldSummary{Name: name, Source: f.Source, Agree: f.Agree})
	}
	sort.Slice(sum.Fields, func(i, j int) bool { return sum.Fields[i].Name < sum.Fields[j].Name })
	return sum
}

// frames renders the scan's frames, reusing the last rendering while the
// scan is the same.
func (p *statusPage) frames(last *scan.View) []frameSVG {
	key := fmt.Sprintf("%s|%d|%d|%p", last.ScanID, last.At.UnixNano(), len(last.Frames), last.Result)
	p.mu.Lock()
	defer p.mu.Unlock()
	if key == p.cacheKey {
		return p.cached
	}
	out := make([]frameSVG, 0, len(last.Frames))
	for _, f := range last.Frames {
		if f.Image == nil || f.Image.Bounds().Empty() {
			continue
		}
		out = append(out, renderFrame(f, last.Result))
	}
	p.cacheKey, p.cached = key, out
	return out
}

func renderFrame(f scan.Frame, res *pipeline.Result) frameSVG {
	b := f.Image.Bounds()
	scale := 1.0
	if b.Dx() > statusFrameWidth {
		scale = float64(statusFrameWidth) / float64(b.Dx())
	}
	w, h := max(int(float64(b.Dx())*scale), 1), max(int(float64(b.Dy())*scale), 1)
	small := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(small, small.Bounds(), f.Image, b, draw.Src, nil)
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, small, &jpeg.Options{Quality: 80}) // encoding into memory does not fail
	fs := frameSVG{
		Side: string(f.Side), Light: f.Light, W: w, H: h,
		Src: template.URL("data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())),
	}

	// The side's corners in scaled frame pixels.
	var quad [4][2]float64
	if len(f.Outline) == 4 {
		for i, pt := range f.Outline {
			quad[i] = [2]float64{float64(pt.X-b.Min.X) * scale, float64(pt.Y-b.Min.Y) * scale}
		}
		fs.Outline = points(quad[:])
	} else {
		quad = [4][2]float64{{0, 0}, {float64(w), 0}, {float64(w), float64(h)}, {0, float64(h)}}
	}
	hm := squareToQuad(quad)
	for _, z := range f.Zones {
		fs.Zones = append(fs.Zones, region(hm, z.Region, z.Name, "zone", ""))
	}
	fs.Quality, fs.Tries = qualityLines(f.Quality), tryLines(f.Tries)
	if q := f.Quality; q != nil && q.Glare != nil && q.Glare.Region != nil {
		fs.Checks = append(fs.Checks, region(hm, *q.Glare.Region, "glare", "failed", "failed"))
	}
	if res != nil {
		for _, c := range res.Checks {
			if c.Evidence == nil || c.Evidence.Region == nil || c.Side != string(f.Side) {
				continue
			}
			fs.Checks = append(fs.Checks, region(hm, *c.Evidence.Region, c.Name, string(c.Status), string(c.Status)))
		}
	}
	return fs
}

func region(hm homography, r [4]float64, name, class, status string) shapeSVG {
	corners := [][2]float64{
		hm.apply(r[0], r[1]), hm.apply(r[2], r[1]), hm.apply(r[2], r[3]), hm.apply(r[0], r[3]),
	}
	return shapeSVG{Points: points(corners), Name: name, Class: class, StatusText: status,
		LabelX: corners[0][0] + 2, LabelY: corners[0][1] - 3}
}

func points(ps [][2]float64) string {
	var sb strings.Builder
	for i, p := range ps {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%.1f,%.1f", p[0], p[1])
	}
	return sb.String()
}

// homography maps the unit square onto a quadrilateral (Heckbert's
// square-to-quad projective mapping), so side-normalised regions land on
// the document as the camera saw it.
type homography struct{ a, b, c, d, e, f, g, h float64 }

func squareToQuad(q [4][2]float64) homography {
	x0, y0, x1, y1, x2, y2, x3, y3 := q[0][0], q[0][1], q[1][0], q[1][1], q[2][0], q[2][1], q[3][0], q[3][1]
	dx1, dx2, dx3 := x1-x2, x3-x2, x0-x1+x2-x3
	dy1, dy2, dy3 := y1-y2, y3-y2, y0-y1+y2-y3
	var g, h float64
	if den := dx1*dy2 - dx2*dy1; (dx3 != 0 || dy3 != 0) && den != 0 {
		g = (dx3*dy2 - dx2*dy3) / den
		h = (dx1*dy3 - dx3*dy1) / den
	}
	return homography{
		a: x1 - x0 + g*x1, b: x3 - x0 + h*x3, c: x0,
		d: y1 - y0 + g*y1, e: y3 - y0 + h*y3, f: y0,
		g: g, h: h,
	}
}

func (m homography) apply(u, v float64) [2]float64 {
	w := m.g*u + m.h*v + 1
	if w == 0 {
		w = 1e-9
	}
	return [2]float64{(m.a*u + m.b*v + m.c) / w, (m.d*u + m.e*v + m.f) / w}
}
