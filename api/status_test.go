package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/pipeline"
	"github.com/docscan/docscan/pipeline/scan"
	"github.com/docscan/docscan/typedb"
)

// tiltedFrame draws a light document, tilted, on a dark glass, and
// returns its corners clockwise from top-left.
func tiltedFrame(w, h int, paper color.RGBA) (*image.RGBA, []image.Point) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	corners := []image.Point{{w / 8, h / 5}, {w * 7 / 8, h / 8}, {w * 9 / 10, h * 4 / 5}, {w / 6, h * 7 / 8}}
	inside := func(x, y int) bool {
		// Inside a convex polygon: same side of every edge.
		for i := range corners {
			a, b := corners[i], corners[(i+1)%4]
			if (b.X-a.X)*(y-a.Y)-(b.Y-a.Y)*(x-a.X) < 0 {
				return false
			}
		}
		return true
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{20, 20, 24, 255}
			if inside(x, y) {
				c = paper
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img, corners
}

func lastScanFixture() *scan.View {
	white, corners := tiltedFrame(800, 500, color.RGBA{235, 235, 225, 255})
	uv, _ := tiltedFrame(800, 500, color.RGBA{60, 40, 140, 255})
	res := fixedResult()
	res.ResultID = "5f0c1a52-8a1e-4d55-9a56-0b1f5b3f2a10"
	region := [4]float64{0.6, 0.1, 0.95, 0.4}
	res.Checks = append(res.Checks, pipelineCheckFailedFront(region))
	zones := []pipeline.ZoneView{{Name: "mrz", Region: [4]float64{0.03, 0.7, 0.97, 0.95}}, {Name: "last_name", Region: [4]float64{0.38, 0.2, 0.8, 0.3}}}
	return &scan.View{
		ScanID: "0b8e0f7e-2a55-4a53-b8f6-6f9a0d8a1f01",
		At:     time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC),
		Frames: []scan.Frame{
			{Side: scan.Front, Light: "White_Front", Image: white, Outline: corners, Zones: zones},
			{Side: scan.Front, Light: "UV", Image: uv, Outline: corners},
			{Side: scan.Back, Light: "IR_Front", Image: white},
		},
		Result: res,
	}
}

func TestStatusPage(t *testing.T) {
	last := lastScanFixture()
	h := newHarness(t, func(o *Options) {
		o.Health = &fakeHealth{h: healthyDevice()}
		o.LastScan = LastScanFunc(func() *scan.View { return last })
	})
	r := h.get(t, "/", map[string]string{"X-API-Key": keyStatic})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Fatalf("%d %v", r.status, r.header)
	}
	page := string(r.body)
	for _, want := range []string{
		`<figure class="frame" data-side="front" data-light="White_Front">`,
		`<figure class="frame" data-side="back" data-light="IR_Front">`,
		`class="outline"`, `class="zone"`, `class="check failed"`, `class="check ok"`,
		`data:image/jpeg;base64,`, `Kazakhstan - Id Card (2014)`, `2025.06.1`, `sha256:0123abcd`,
		`id="camera">ok`, `id="mqtt">degraded`, `id="outbox-depth">3`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// No personal data, nothing from the network.
	for _, bad := range []string{"Тестов", "123456789012", "TESTOV", "IDKAZ", "http://", "https://", "<script"} {
		if strings.Contains(strings.ReplaceAll(page, `xmlns="http://www.w3.org/2000/svg"`, ""), bad) {
			t.Errorf("page holds %q", bad)
		}
	}
	// The zone drawn for the MRZ lies inside the outline: the side's
	// normalised coordinates were mapped through the document's corners.
	if !strings.Contains(page, `<title>mrz</title>`) {
		t.Fatal("zone mrz not drawn")
	}

	// No scan yet.
	bare := newHarness(t, nil)
	if r := bare.get(t, "/", map[string]string{"X-API-Key": keyActive}); r.status != 200 || !strings.Contains(string(r.body), "No scan yet") {
		t.Fatalf("bare: %d", r.status)
	}
}

// Without a key, GET / shows the device's state and a form, nothing of the
// last scan; the form's key becomes a cookie that unlocks the page.
func TestStatusPageNeedsKey(t *testing.T) {
	last := lastScanFixture()
	h := newHarness(t, func(o *Options) {
		o.Health = &fakeHealth{h: healthyDevice()}
		o.LastScan = LastScanFunc(func() *scan.View { return last })
	})
	locked := func(t *testing.T, r reply, status int) {
		t.Helper()
		page := string(r.body)
		if r.status != status {
			t.Fatalf("status %d, want %d", r.status, status)
		}
		for _, bad := range []string{"data:image", "<figure", "Kazakhstan", last.ScanID, `id="checks"`, `id="fields"`, "last_name"} {
			if strings.Contains(page, bad) {
				t.Errorf("page without a valid key holds %q", bad)
			}
		}
		for _, want := range []string{`id="camera">ok`, `id="outbox-depth">3`, `<form id="unlock"`, `name="api_key"`} {
			if !strings.Contains(page, want) {
				t.Errorf("page lacks %s", want)
			}
		}
	}
	t.Run("no key", func(t *testing.T) { locked(t, h.get(t, "/", nil), 200) })
	t.Run("wrong header", func(t *testing.T) {
		r := h.get(t, "/", map[string]string{"X-API-Key": "nope"})
		locked(t, r, 401)
		if !strings.Contains(string(r.body), `id="refused"`) {
			t.Error("no word on the refused key")
		}
	})
	t.Run("wrong cookie", func(t *testing.T) {
		r := h.get(t, "/", map[string]string{"Cookie": statusCookie + "=" + keyStatic + "x"})
		locked(t, r, 401)
		if c := r.header.Get("Set-Cookie"); !strings.Contains(c, "Max-Age=0") {
			t.Errorf("stale cookie kept: %q", c)
		}
	})
	t.Run("wrong form key", func(t *testing.T) { locked(t, h.get(t, "/?api_key=nope", nil), 401) })

	// The form's key: 303 to / with an HttpOnly cookie, and nothing else.
	noFollow := *h.ts.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Get(h.ts.URL + "/?api_key=" + keyActive)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("form key: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || cookies[0].Name != statusCookie || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookies %+v", cookies)
	}
	r := h.get(t, "/", map[string]string{"Cookie": cookies[0].String()})
	if r.status != 200 || !strings.Contains(string(r.body), "data:image/jpeg;base64,") || strings.Contains(string(r.body), `<form id="unlock"`) {
		t.Fatalf("with the cookie: %d, frames shown: %v", r.status, strings.Contains(string(r.body), "data:image"))
	}
}

func TestSquareToQuad(t *testing.T) {
	q := [4][2]float64{{10, 20}, {110, 10}, {120, 90}, {5, 100}}
	m := squareToQuad(q)
	for i, uv := range [][2]float64{{0, 0}, {1, 0}, {1, 1}, {0, 1}} {
		p := m.apply(uv[0], uv[1])
		if d := abs(p[0]-q[i][0]) + abs(p[1]-q[i][1]); d > 1e-9 {
			t.Errorf("corner %d maps to %v, want %v", i, p, q[i])
		}
	}
	// A parallelogram is affine: its centre maps to the centre.
	par := squareToQuad([4][2]float64{{0, 0}, {100, 0}, {120, 50}, {20, 50}})
	if c := par.apply(0.5, 0.5); abs(c[0]-60)+abs(c[1]-25) > 1e-9 {
		t.Errorf("centre %v", c)
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// chromium returns the path of Debian's chromium, or skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium is not installed (apt-get install -y chromium); the status page and the JS example are not checked in a browser")
	return ""
}

func runChromium(t *testing.T, args ...string) string {
	t.Helper()
	bin := chromium(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--no-first-run", "--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

// The status page in a real browser: the DOM has every frame and its
// overlays, and the screenshot shows them drawn (the outline's cyan and
// the failed check's red are on screen).
func TestStatusPageInChromium(t *testing.T) {
	chromium(t)
	last := lastScanFixture()
	h := newHarness(t, func(o *Options) {
		o.Health = &fakeHealth{h: healthyDevice()}
		o.LastScan = LastScanFunc(func() *scan.View { return last })
	})
	// The page's form puts the key in the query; the cookie it gets back
	// unlocks the page after the redirect.
	dom := runChromium(t, "--dump-dom", h.ts.URL+"/?api_key="+keyStatic)
	if n := strings.Count(dom, `<figure class="frame"`); n != 3 {
		t.Fatalf("%d frames in the DOM", n)
	}
	if !strings.Contains(dom, `class="check failed"`) || !strings.Contains(dom, `<image href="data:image/jpeg;base64,`) {
		t.Fatal("overlays or frames missing from the DOM")
	}
	shot := filepath.Join(t.TempDir(), "status.png")
	runChromium(t, "--hide-scrollbars", "--window-size=1100,1400", "--screenshot="+shot, h.ts.URL+"/?api_key="+keyStatic)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("DOCSCAN_KEEP_SCREENSHOT"); dir != "" {
		_ = copyFile(shot, filepath.Join(dir, "status.png"))
	}
	var cyan, red, paper int
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r8, g8, b8 := r>>8, g>>8, bl>>8
			switch {
			case r8 < 40 && g8 > 160 && b8 > 180: // outline #00bcd4
				cyan++
			case r8 > 170 && g8 < 80 && b8 < 80: // failed check #c62828
				red++
			case r8 > 200 && g8 > 200 && b8 > 190 && r8 < 245 && b8 < 235: // the frame's paper
				paper++
			}
		}
	}
	if cyan < 200 || red < 100 || paper < 10000 {
		t.Fatalf("screenshot: %d outline, %d failed-check, %d paper pixels", cyan, red, paper)
	}
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// The contract's JavaScript example, unchanged but for the URL and the
// key, runs in Chromium on a page of another origin and gets the result.
func TestContractJavaScriptExample(t *testing.T) {
	chromium(t)
	h := newHarness(t, func(o *Options) { o.AllowedOrigins = []string{"*"} })
	jpg := readTestdata(t, "front.jpg")
	example := `var formdata = new FormData();
formdata.append("api_key", "<YOUR_API_KEY>");
formdata.append("frontside_image", fileInput.files[0], "doc_front.jpg");
formdata.append("backside_image", fileInput.files[0], "doc_back.jpg");
formdata.append("country_code", "kz");
var requestOptions = {
method: 'POST',
body: formdata,
redirect: 'follow'
};
fetch("", requestOptions)
.then(response => response.text())
.then(result => console.log(result))
.catch(error => console.log('error', error));`
	example = strings.Replace(example, `fetch("",`, `fetch("`+h.ts.URL+`/api/v1/recognize",`, 1)
	example = strings.Replace(example, "<YOUR_API_KEY>", keyActive, 1)
	page := fmt.Sprintf(`<!DOCTYPE html><html><body><input type="file" id="fileInput"><pre id="out">pending</pre>
<script>
const bytes = Uint8Array.from(atob(%q), c => c.charCodeAt(0));
const dt = new DataTransfer();
dt.items.add(new File([bytes], "scan.jpg", {type: "image/jpeg"}));
document.getElementById("fileInput").files = dt.files;
(function (console) {
%s
})({log: (...a) => { document.getElementById("out").textContent = a.join(" "); }});
</script></body></html>`, base64.StdEncoding.EncodeToString(jpg), example)
	terminal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	defer terminal.Close()
	dom := runChromium(t, "--virtual-time-budget=15000", "--dump-dom", terminal.URL+"/")
	start := strings.Index(dom, `<pre id="out">`)
	end := strings.Index(dom, `</pre>`)
	if start < 0 || end < start {
		t.Fatalf("no output in the DOM:\n%.2000s", dom)
	}
	out := dom[start+len(`<pre id="out">`) : end]
	if !strings.Contains(out, `"result_id":"`) || !strings.Contains(out, `"document_type":`) {
		t.Fatalf("the example printed %.500s", out)
	}
	if req := h.rec.last(); req.Front == nil || req.Back == nil || req.CountryCode != "kz" {
		t.Fatalf("recognizer got %+v", req)
	}
}

// The contract's Python example, with the files list its snippet leaves
// out, against the device.
func TestContractPythonExample(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	if err := exec.Command(py, "-c", "import requests").Run(); err != nil {
		t.Skip("python3 requests not installed")
	}
	h := newHarness(t, nil)
	front := filepath.Join("testdata", "front.jpg")
	script := `import requests
url = "` + h.ts.URL + `/api/v1/recognize"
payload = {'api_key': '` + keyActive + `',
'country_code': 'kz'}
files=[
  ('frontside_image',('doc_front.jpg',open('` + front + `','rb'),'image/jpeg'))
]
headers = {}
response = requests.request("POST", url, headers=headers, data=payload, files=files)
print(response.status_code)
print(response.text)
`
	cmd := exec.Command(py, "-c", script)
	cmd.Env = append(os.Environ(), "NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if !strings.HasPrefix(string(out), "200\n") || !strings.Contains(string(out), `"result_id"`) {
		t.Fatalf("python example: %s", out)
	}
}

func pipelineCheckFailedFront(region [4]float64) pipeline.Check {
	return pipeline.Check{Name: "ir_b900", Status: pipeline.CheckFailed, Reason: "ink visible under IR", Bit: typedb.AuthIRB900,
		Side: "front", Evidence: &pipeline.Evidence{Region: &region, Measured: 0.8, Threshold: 0.3}}
}
