package uplink

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"testing"
	"time"

	"github.com/docscan/docscan/sync/outbox"
)

// TestDocsSchemasMatchPayloads keeps docs/mqtt.md honest: each JSON Schema
// there parses, and the payloads the code emits have exactly the
// documented top-level keys (required ones present, none undocumented).
func TestDocsSchemasMatchPayloads(t *testing.T) {
	doc, err := os.ReadFile("../../docs/mqtt.md")
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]map[string]any{}
	for _, m := range regexp.MustCompile("(?s)```json\n(.*?)```").FindAllSubmatch(doc, -1) {
		var s map[string]any
		if err := json.Unmarshal(m[1], &s); err != nil {
			continue // examples, not schemas
		}
		if id, ok := s["$id"].(string); ok {
			schemas[id] = s
		}
	}
	u := &Uplink{}
	tel, _ := json.Marshal(Telemetry{Schema: 1})
	reply := u.encodeReply(Reply{CorrelationID: "c", Command: "ping", OK: false, Error: "x", Result: 1})
	res, _ := EncodeResult("dev", outbox.Record{Seq: 1, ResultID: "r", Created: time.Now(), Payload: []byte(`{"result_id":"r"}`),
		Images: map[string][]byte{outbox.ImageFrontSide: {1}}})
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	cmd, err := SignCommand(priv, "dev", "config", "c", json.RawMessage(`{}`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	samples := map[string][]byte{
		"docscan/telemetry.schema.json": tel,
		"docscan/reply.schema.json":     reply,
		"docscan/results.schema.json":   res,
		"docscan/command.schema.json":   cmd,
	}
	for id, sample := range samples {
		s, ok := schemas[id]
		if !ok {
			t.Errorf("docs/mqtt.md has no schema %s", id)
			continue
		}
		var obj map[string]any
		if err := json.Unmarshal(sample, &obj); err != nil {
			t.Fatal(err)
		}
		props, _ := s["properties"].(map[string]any)
		var keys []string
		for k := range obj {
			keys = append(keys, k)
			if _, ok := props[k]; !ok {
				t.Errorf("%s: payload key %q is not documented", id, k)
			}
			// One level down, where the schema lists an object's keys
			// (telemetry's outbox and uplink).
			sub, _ := obj[k].(map[string]any)
			subProps, _ := props[k].(map[string]any)["properties"].(map[string]any)
			if sub == nil || subProps == nil {
				continue
			}
			for sk := range sub {
				if _, ok := subProps[sk]; !ok {
					t.Errorf("%s: payload key %s.%s is not documented", id, k, sk)
				}
			}
		}
		sort.Strings(keys)
		req, _ := s["required"].([]any)
		for _, k := range req {
			if _, ok := obj[k.(string)]; !ok {
				t.Errorf("%s: required key %q missing from the payload %v", id, k, keys)
			}
		}
	}
	if _, ok := schemas["docscan/status.schema.json"]; !ok {
		t.Error("status schema missing")
	}
}
