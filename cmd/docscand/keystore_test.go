package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/docscan/docscan/api/entitle"
)

// A corrupt API key store no longer keeps the daemon from starting: it is
// set aside, an empty one started, and the -api-key keys work on.
func TestCorruptKeyStoreSetAside(t *testing.T) {
	data := t.TempDir()
	if err := os.WriteFile(entitle.Path(data), []byte(strings.Repeat("not bbolt ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, base, _ := startDaemon(t, "-data", data)
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/outbox", nil)
	req.Header.Set("X-API-Key", testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the -api-key key after recovery: %d", resp.StatusCode)
	}
	aside, _ := filepath.Glob(entitle.Path(data) + ".corrupt-*")
	if len(aside) != 1 {
		t.Errorf("files set aside: %v", aside)
	}
}
