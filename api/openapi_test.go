package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
)

// A small validator for the subset of OpenAPI 3.1 / JSON Schema that
// openapi.json uses: $ref, oneOf, type (one or several), enum,
// properties, required, additionalProperties, items, minItems, maxItems,
// minimum, maximum, minLength, pattern and format uuid. Every answer the
// tests get goes through checkAgainstSpec.

var (
	specOnce sync.Once
	specDoc  map[string]any
	specErr  error
)

func spec(t testing.TB) map[string]any {
	t.Helper()
	specOnce.Do(func() {
		dec := json.NewDecoder(bytes.NewReader(openAPISpec))
		dec.UseNumber()
		specErr = dec.Decode(&specDoc)
	})
	if specErr != nil {
		t.Fatalf("openapi.json: %v", specErr)
	}
	return specDoc
}

func resolve(doc map[string]any, s map[string]any) (map[string]any, error) {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s, nil
		}
		if !strings.HasPrefix(ref, "#/") {
			return nil, fmt.Errorf("unsupported $ref %q", ref)
		}
		var cur any = doc
		for _, seg := range strings.Split(ref[2:], "/") {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("$ref %q: %q is not an object", ref, seg)
			}
			cur = m[seg]
		}
		next, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q does not resolve", ref)
		}
		s = next
	}
}

func jsonType(x any) string {
	switch v := x.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if _, err := strconv.ParseInt(v.String(), 10, 64); err == nil {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", x)
}

func validateSchema(doc map[string]any, s map[string]any, x any, at string) error {
	s, err := resolve(doc, s)
	if err != nil {
		return fmt.Errorf("%s: %w", at, err)
	}
	if alts, ok := s["oneOf"].([]any); ok {
		matched := 0
		var errs []string
		for _, a := range alts {
			if err := validateSchema(doc, a.(map[string]any), x, at); err == nil {
				matched++
			} else {
				errs = append(errs, err.Error())
			}
		}
		if matched != 1 {
			return fmt.Errorf("%s: matches %d of oneOf (%s)", at, matched, strings.Join(errs, "; "))
		}
	}
	if tv, ok := s["type"]; ok {
		var types []string
		switch tv := tv.(type) {
		case string:
			types = []string{tv}
		case []any:
			for _, e := range tv {
				types = append(types, e.(string))
			}
		}
		got := jsonType(x)
		okType := false
		for _, want := range types {
			if want == got || (want == "number" && got == "integer") {
				okType = true
			}
		}
		if !okType {
			return fmt.Errorf("%s: type %s, want %v", at, got, types)
		}
	}
	if enum, ok := s["enum"].([]any); ok {
		found := false
		for _, e := range enum {
			if fmt.Sprint(e) == fmt.Sprint(x) {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("%s: %v not in enum %v", at, x, enum)
		}
	}
	switch v := x.(type) {
	case string:
		if f, _ := s["format"].(string); f == "uuid" {
			if _, err := uuid.Parse(v); err != nil {
				return fmt.Errorf("%s: %q is not a uuid", at, v)
			}
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v) {
			return fmt.Errorf("%s: %q does not match %s", at, v, p)
		}
		if n, ok := s["minLength"].(json.Number); ok {
			if min, _ := n.Int64(); int64(len([]rune(v))) < min {
				return fmt.Errorf("%s: shorter than %d", at, min)
			}
		}
	case json.Number:
		f, _ := v.Float64()
		if n, ok := s["minimum"].(json.Number); ok {
			if min, _ := n.Float64(); f < min {
				return fmt.Errorf("%s: %v < minimum %v", at, f, min)
			}
		}
		if n, ok := s["maximum"].(json.Number); ok {
			if max, _ := n.Float64(); f > max {
				return fmt.Errorf("%s: %v > maximum %v", at, f, max)
			}
		}
	case []any:
		if n, ok := s["minItems"].(json.Number); ok {
			if min, _ := n.Int64(); int64(len(v)) < min {
				return fmt.Errorf("%s: %d items, want at least %d", at, len(v), min)
			}
		}
		if n, ok := s["maxItems"].(json.Number); ok {
			if max, _ := n.Int64(); int64(len(v)) > max {
				return fmt.Errorf("%s: %d items, want at most %d", at, len(v), max)
			}
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range v {
				if err := validateSchema(doc, items, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		if req, ok := s["required"].([]any); ok {
			for _, r := range req {
				if _, ok := v[r.(string)]; !ok {
					return fmt.Errorf("%s: required key %q missing", at, r)
				}
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				if err := validateSchema(doc, ps, v[k], at+"."+k); err != nil {
					return err
				}
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					return fmt.Errorf("%s: unexpected key %q", at, k)
				}
			case map[string]any:
				if err := validateSchema(doc, ap, v[k], at+"."+k); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// specPath finds the spec's path template matching a request path.
func specPath(doc map[string]any, path string) (string, map[string]any) {
	paths := doc["paths"].(map[string]any)
	for tmpl, item := range paths {
		if routeMatches(tmpl, path) {
			return tmpl, item.(map[string]any)
		}
	}
	return "", nil
}

// checkAgainstSpec validates a real answer against openapi.json: the
// status must be documented for the operation, the content type listed,
// and a JSON body must match the schema.
func checkAgainstSpec(t testing.TB, method, path string, r reply) {
	t.Helper()
	if err := specError(spec(t), method, path, r); err != nil {
		t.Errorf("%s %s → %d does not match openapi.json: %v\nbody: %.400s", method, path, r.status, err, r.body)
	}
}

func specError(doc map[string]any, method, path string, r reply) error {
	_, item := specPath(doc, path)
	if item == nil {
		if r.status == http.StatusNotFound {
			return nil // an unknown path
		}
		return fmt.Errorf("path not in the document")
	}
	m := strings.ToLower(method)
	if m == "head" {
		m = "get"
	}
	var responseObj map[string]any
	if op, ok := item[m].(map[string]any); ok {
		responses := op["responses"].(map[string]any)
		ro, ok := responses[strconv.Itoa(r.status)].(map[string]any)
		if !ok {
			return fmt.Errorf("status %d not documented", r.status)
		}
		responseObj = ro
	} else if r.status == http.StatusMethodNotAllowed {
		responseObj = map[string]any{"$ref": "#/components/responses/MethodNotAllowed"}
	} else {
		return fmt.Errorf("method %s not documented", method)
	}
	responseObj, err := resolve(doc, responseObj)
	if err != nil {
		return err
	}
	if hdrs, ok := responseObj["headers"].(map[string]any); ok {
		for name := range hdrs {
			if r.header.Get(name) == "" {
				return fmt.Errorf("header %s missing", name)
			}
		}
	}
	ct, _, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil {
		return fmt.Errorf("content type %q: %w", r.header.Get("Content-Type"), err)
	}
	content, _ := responseObj["content"].(map[string]any)
	media, ok := content[ct].(map[string]any)
	if !ok {
		return fmt.Errorf("content type %s not documented", ct)
	}
	if ct != "application/json" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	var body any
	if err := dec.Decode(&body); err != nil {
		return fmt.Errorf("body is not JSON: %w", err)
	}
	return validateSchema(doc, media["schema"].(map[string]any), body, "$")
}

// The validator must catch what it claims to.
func TestSpecValidatorRejects(t *testing.T) {
	doc := spec(t)
	result, err := json.Marshal(responseOf(fixedResult(), ""))
	if err != nil {
		t.Fatal(err)
	}
	hdr := http.Header{"Content-Type": {"application/json"}}
	if err := specError(doc, "POST", "/api/v1/recognize", reply{status: 200, header: hdr, body: result}); err == nil {
		t.Fatal("a result without a result_id uuid passed") // fixedResult has no id
	}
	res := fixedResult()
	res.ResultID = uuid.NewString()
	good, _ := json.Marshal(responseOf(res, ""))
	if err := specError(doc, "POST", "/api/v1/recognize", reply{status: 200, header: hdr, body: good}); err != nil {
		t.Fatalf("a good result failed: %v", err)
	}
	for name, mutate := range map[string]func(map[string]any){
		"missing key":     func(m map[string]any) { delete(m, "authority") },
		"extra key":       func(m map[string]any) { m["surprise"] = 1 },
		"wrong type":      func(m map[string]any) { m["first_name"] = 5 },
		"bad nested enum": func(m map[string]any) { m["checks"].([]any)[0].(map[string]any)["status"] = "maybe" },
		"null images":     func(m map[string]any) { m["images"] = nil },
		"float id": func(m map[string]any) {
			m["document_type"].(map[string]any)["frontside"].(map[string]any)["id"] = json.Number("1.5")
		},
	} {
		dec := json.NewDecoder(bytes.NewReader(good))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		mutate(m)
		b, _ := json.Marshal(m)
		if err := specError(doc, "POST", "/api/v1/recognize", reply{status: 200, header: hdr, body: b}); err == nil {
			t.Errorf("%s: passed validation", name)
		}
	}
	if err := specError(doc, "POST", "/api/v1/recognize", reply{status: 418, header: hdr, body: []byte(`{"detail":"x"}`)}); err == nil {
		t.Error("an undocumented status passed")
	}
	if err := specError(doc, "POST", "/api/v1/recognize", reply{status: 503, header: hdr, body: []byte(`{"detail":"x"}`)}); err == nil {
		t.Error("a 503 without Retry-After passed")
	}
}

// Every route is in the document and the document has no other.
func TestSpecCoversRoutes(t *testing.T) {
	doc := spec(t)
	paths := doc["paths"].(map[string]any)
	seen := map[string]bool{}
	for _, r := range apiRoutes {
		item, ok := paths[r.path].(map[string]any)
		if !ok {
			t.Errorf("route %s %s not in openapi.json", r.method, r.path)
			continue
		}
		if _, ok := item[strings.ToLower(r.method)]; !ok {
			t.Errorf("route %s %s: method not in openapi.json", r.method, r.path)
		}
		seen[r.path] = true
	}
	for p := range paths {
		if !seen[p] {
			t.Errorf("openapi.json documents %s, which the server does not serve", p)
		}
	}
}
