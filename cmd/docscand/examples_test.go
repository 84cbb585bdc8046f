package main

import (
	"context"
	"image"
	"image/jpeg"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/docscan/docscan/typedb/specimen"
)

// devKey is make run's development API key, which README's examples use.
const devKey = "devkey-0123456789-0123456789-0123456789-0123456789"

// exampleSkip marks a ```sh block that cannot run here; the line right
// before the block says why, e.g. <!-- example: skip (Pi only: systemd) -->.
var exampleSkip = regexp.MustCompile(`<!-- example: skip \([^)]+\) -->\n[ \t]*$`)

// TestShellExamples runs every ```sh block of README.md and docs/ with
// bash against a live daemon on the simulated scanner: the daemon's
// address replaces 127.0.0.1:8080 and /var/lib/docscan becomes its data
// directory; DOCSCAN, API_KEY, KEY, SCAN_ID and RESULT_ID are set as the
// docs assume, and front.jpg, back.jpg and back.png lie in the working
// directory. A block fails on any non-zero exit, and curl on any HTTP
// error. Blocks that cannot run here are marked in the Markdown.
func TestShellExamples(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (.ci/deps.sh installs it)", tool)
		}
	}
	bin := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", bin, "../docscan").CombinedOutput(); err != nil {
		t.Fatalf("building docscan: %v\n%s", err, out)
	}
	glass, _ := renderGlass(t, "kz-id-2014", 21, specimen.Genuine)
	d, base, _ := startDaemon(t, "-hal", "sim", "-camera", "sim", "-sim-doc", glass, "-api-key", devKey, "-outbox-retention", "1h")
	work := t.TempDir()
	for name, src := range map[string]string{"front.jpg": "front", "back.jpg": "back", "back.png": "back"} {
		writeUpload(t, filepath.Join(glass, src, "white.png"), filepath.Join(work, name))
	}
	code, scan := postForm(t, base+"/api/v1/scan", map[string]string{"api_key": testKey, "country_code": "kz"})
	if code != 200 {
		t.Fatalf("scan: %d %v", code, scan)
	}
	env := append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"DOCSCAN="+base, "API_KEY="+testKey, "KEY="+devKey,
		"SCAN_ID="+scan["scan_id"].(string), "RESULT_ID="+scan["result_id"].(string))

	files, _ := filepath.Glob(filepath.Join("..", "..", "docs", "*.md"))
	files = append([]string{filepath.Join("..", "..", "README.md")}, files...)
	fence := regexp.MustCompile("(?s)```sh\n(.*?)```")
	ran, skipped := 0, 0
	for _, file := range files {
		doc, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fence.FindAllSubmatchIndex(doc, -1) {
			line := 1 + strings.Count(string(doc[:m[0]]), "\n")
			if exampleSkip.Match(doc[:m[0]]) {
				skipped++
				continue
			}
			script := string(doc[m[2]:m[3]])
			script = strings.ReplaceAll(script, "http://127.0.0.1:8080", base)
			script = strings.ReplaceAll(script, "/var/lib/docscan", d.s.data)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c",
				"curl() { command curl --fail-with-body \"$@\"; }\n"+script)
			cmd.Dir, cmd.Env = work, env
			out, err := cmd.CombinedOutput()
			cancel()
			if err != nil {
				t.Errorf("%s:%d: %v\n%s\n--- output:\n%s", file, line, err, script, out)
				continue
			}
			ran++
		}
	}
	t.Logf("%d shell examples ran, %d marked as not runnable here", ran, skipped)
	if ran < 12 { // a broken fence pattern would run none
		t.Errorf("only %d examples ran", ran)
	}
}

// writeUpload writes the image at src as a JPEG or PNG file, by dst's name.
func writeUpload(t *testing.T, src, dst string) {
	t.Helper()
	if strings.HasSuffix(dst, ".png") {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := jpeg.Encode(out, img, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
}
