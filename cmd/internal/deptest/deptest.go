// Package deptest checks the house's dependency rules against what the
// packages really import, in the manner of tailscale's tstest/deptest:
// `go list -deps` gives each package's direct imports and transitive
// dependencies, and every rule is checked against them.
package deptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// Module is the module whose packages the rules name.
const Module = "github.com/docscan/docscan"

// Package is what the rules need of one package of the module.
type Package struct {
	ImportPath string
	Imports    []string // direct imports
	Deps       []string // every package it depends on, transitively
	CgoFiles   []string
}

// List runs `go list -deps` in dir for every package of the module there
// and returns the module's own packages.
func List(ctx context.Context, dir string) ([]Package, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-json=ImportPath,Imports,Deps,CgoFiles,Module", "./...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, stderr.String())
	}
	var pkgs []Package
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Package
			Module *struct{ Path string }
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		if p.Module != nil && p.Module.Path == Module {
			pkgs = append(pkgs, p.Package)
		}
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("go list: no package of %s in %s", Module, dir)
	}
	return pkgs, nil
}

// Rule says what the packages it covers may not depend on.
type Rule struct {
	Name string
	// From are the packages the rule covers, as patterns relative to the
	// module: "api" is that package, "api/..." it and those below it.
	From []string
	// Except are packages of From the rule does not cover.
	Except []string
	// Deny are the module's packages the covered ones may not depend on.
	Deny []string
	// DenyExternal are packages outside the module they may not depend
	// on, as full import paths ("net/http", "go.etcd.io/bbolt/...").
	DenyExternal []string
	// Direct checks only direct imports; otherwise every dependency.
	Direct bool
	// NoCgo: the covered packages may not use cgo.
	NoCgo bool
}

// Violation is one broken rule.
type Violation struct {
	Rule, Package, Dep string
}

func (v Violation) String() string {
	if v.Dep == "" {
		return fmt.Sprintf("%s: %s", v.Rule, v.Package)
	}
	return fmt.Sprintf("%s: %s depends on %s", v.Rule, v.Package, v.Dep)
}

// match reports whether the import path p matches pattern, a full
// import path that may end in "/...".
func match(pattern, p string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return p == base || strings.HasPrefix(p, base+"/")
	}
	return p == pattern
}

// matchAny matches p against patterns; module patterns are relative to
// the module.
func matchAny(patterns []string, p string, module bool) bool {
	for _, pat := range patterns {
		if module {
			pat = Module + "/" + pat
		}
		if match(pat, p) {
			return true
		}
	}
	return false
}

// Check returns every violation of the rules by the packages.
func Check(pkgs []Package, rules []Rule) []Violation {
	var out []Violation
	for _, r := range rules {
		for _, p := range pkgs {
			if !matchAny(r.From, p.ImportPath, true) || matchAny(r.Except, p.ImportPath, true) {
				continue
			}
			if r.NoCgo && len(p.CgoFiles) > 0 {
				out = append(out, Violation{Rule: r.Name, Package: p.ImportPath})
			}
			deps := p.Deps
			if r.Direct {
				deps = p.Imports
			}
			for _, d := range deps {
				if matchAny(r.Deny, d, true) || matchAny(r.DenyExternal, d, false) {
					out = append(out, Violation{Rule: r.Name, Package: p.ImportPath, Dep: d})
				}
			}
		}
	}
	return out
}

// HouseRules are the dependency rules of docs/architecture.md: cmd → api
// → pipeline/scan → pipeline, lights, camera, typedb → hal; sync stands
// apart and stores bytes; the recognition core knows nothing of HTTP,
// MQTT, bbolt or hardware; only pipeline/ocr uses cgo.
var HouseRules = []Rule{
	{Name: "nothing imports cmd", From: all, Except: []string{"cmd/..."}, Deny: []string{"cmd/..."}},
	{Name: "api does not import sync", From: []string{"api/..."}, Deny: []string{"sync/..."}},
	{Name: "pipeline/scan stays below api and apart from sync", From: []string{"pipeline/scan/..."},
		Deny: []string{"api/...", "sync/..."}, DenyExternal: external},
	{Name: "pipeline knows nothing of the scan, HTTP, MQTT or bbolt", From: []string{"pipeline/..."}, Except: []string{"pipeline/scan/..."},
		Deny: []string{"pipeline/scan/...", "api/...", "sync/...", "camera/..."}, DenyExternal: external},
	// lights is the API's lighting-scheme vocabulary as well as the LED
	// sequencer; the recognition core may name a scheme (lights.Mask),
	// never drive the hardware.
	{Name: "pipeline imports no hardware package", From: []string{"pipeline/..."}, Except: []string{"pipeline/scan/..."},
		Direct: true, Deny: []string{"hal/...", "camera/..."}},
	{Name: "typedb is below pipeline and camera", From: []string{"typedb/..."},
		Deny: []string{"pipeline/...", "api/...", "sync/...", "camera/..."}},
	{Name: "lights and camera stand on hal alone", From: []string{"lights/...", "camera/..."},
		Deny: []string{"pipeline/...", "typedb/...", "api/...", "sync/..."}},
	{Name: "lights and camera do not import each other", From: []string{"lights/..."}, Deny: []string{"camera/..."}},
	{Name: "lights and camera do not import each other", From: []string{"camera/..."}, Deny: []string{"lights/..."}},
	{Name: "hal imports nothing of the house", From: []string{"hal/..."},
		Deny: []string{"api/...", "pipeline/...", "lights/...", "camera/...", "typedb/...", "sync/..."}},
	{Name: "sync stores bytes and imports none of the house", From: []string{"sync/..."},
		Deny: []string{"api/...", "pipeline/...", "lights/...", "camera/...", "typedb/...", "hal/..."}},
	{Name: "only pipeline/ocr uses cgo", From: all, Except: []string{"pipeline/ocr"}, NoCgo: true},
}

// external is what the scan and the recognition core never reach: HTTP,
// bbolt and MQTT.
var external = []string{"net/http", "go.etcd.io/bbolt/...", "github.com/eclipse/paho.mqtt.golang/..."}

// all is every top-level folder that holds Go.
var all = []string{"cmd/...", "api/...", "pipeline/...", "lights/...", "camera/...", "typedb/...", "hal/...", "sync/..."}
