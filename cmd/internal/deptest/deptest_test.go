package deptest

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestHouseRules checks every package of the repository against the
// house's rules.
func TestHouseRules(t *testing.T) {
	pkgs, err := List(context.Background(), filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range pkgs {
		names = append(names, p.ImportPath)
	}
	for _, want := range []string{"cmd/docscand", "api", "pipeline/scan", "pipeline", "typedb/specimen", "sync/outbox", "hal"} {
		if !slices.Contains(names, Module+"/"+want) {
			t.Fatalf("go list did not list %s: %v", want, names)
		}
	}
	for _, v := range Check(pkgs, HouseRules) {
		t.Error(v)
	}
}

// TestBrokenRulesFail builds a small module with the house's name whose
// packages break rules, and shows the checker names each break.
func TestBrokenRulesFail(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":                "module " + Module + "\n\ngo 1.22\n",
		"hal/hal.go":            "package hal\n",
		"typedb/typedb.go":      "package typedb\n\nimport _ \"" + Module + "/hal\"\n",
		"pipeline/pipeline.go":  "package pipeline\n\nimport (\n\t_ \"net/http\"\n\t_ \"" + Module + "/hal\"\n\t_ \"" + Module + "/typedb\"\n)\n",
		"sync/outbox/outbox.go": "package outbox\n\nimport _ \"" + Module + "/pipeline\"\n",
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pkgs, err := List(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[Violation]bool{}
	for _, v := range Check(pkgs, HouseRules) {
		got[v] = true
	}
	m := func(p string) string { return Module + "/" + p }
	want := []Violation{
		{"pipeline imports no hardware package", m("pipeline"), m("hal")},
		{"pipeline knows nothing of the scan, HTTP, MQTT or bbolt", m("pipeline"), "net/http"},
		{"sync stores bytes and imports none of the house", m("sync/outbox"), m("pipeline")},
		{"sync stores bytes and imports none of the house", m("sync/outbox"), m("typedb")},
		{"sync stores bytes and imports none of the house", m("sync/outbox"), m("hal")},
	}
	for _, v := range want {
		if !got[v] {
			t.Errorf("not reported: %s", v)
		}
		delete(got, v)
	}
	for v := range got {
		t.Errorf("reported beyond the breaks: %s", v)
	}
}
