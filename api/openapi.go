package api

import (
	_ "embed"
	"encoding/json"
	"net/http"
)

// openAPISpec is the OpenAPI 3.1 document of every route; a test checks
// real answers against it.
//
//go:embed openapi.json
var openAPISpec []byte

// openAPIDocument returns the document with info.version set to the
// build's version.
func openAPIDocument(build BuildInfo) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPISpec, &doc); err != nil {
		return nil, err
	}
	if info, ok := doc["info"].(map[string]any); ok && build.Version != "" {
		info["version"] = build.Version
	}
	return json.Marshal(doc)
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(s.openapi)
}
