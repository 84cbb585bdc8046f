package api

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The curl examples of docs/http-api.md run against a live server: each
// ```sh block that calls curl must succeed (curl --fail-with-body).
func TestDocsCurlExamples(t *testing.T) {
	curlPath(t)
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	doc, err := os.ReadFile(filepath.Join("..", "docs", "http-api.md"))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(o *Options) { o.Scanner, o.Outbox = newFakeScanner(), fakeOutbox{} })
	dir := t.TempDir()
	for _, name := range []string{"front.jpg", "back.png"} {
		if err := os.WriteFile(filepath.Join(dir, name), readTestdata(t, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	first := h.postGo(t, "/api/v1/scan", []part{value("api_key", keyActive), value("country_code", "kz")})
	var m map[string]any
	if err := json.Unmarshal(first.body, &m); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "DOCSCAN="+h.ts.URL, "API_KEY="+keyActive,
		"SCAN_ID="+m["scan_id"].(string), "RESULT_ID="+m["result_id"].(string))

	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	ran := 0
	for _, b := range blocks {
		script := b[1]
		if !strings.Contains(script, "curl ") {
			continue
		}
		cmd := exec.Command(bash, "-euo", "pipefail", "-c", "curl() { command curl --fail-with-body \"$@\"; }\n"+script)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("example failed: %v\n%s\n%s", err, script, out)
			continue
		}
		ran++
	}
	if ran < 8 {
		t.Fatalf("only %d curl examples ran", ran)
	}
	if _, err := os.Stat(filepath.Join(dir, "status.html")); err != nil {
		t.Fatal("the status page example wrote nothing")
	}
}
