package typedb

import (
	"crypto/ed25519"
	"encoding/json"
	"testing"
)

func FuzzParse(f *testing.F) {
	// one complete valid type; the whole default database is too large a
	// seed for the mutator to make progress on
	if def, err := Parse(defaultJSON); err == nil {
		for _, t := range def.Types {
			if t.Document == "icao-td2" {
				b, _ := json.Marshal(File{Version: "seed", Types: []Type{t}})
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"version":"x","types":[]}`))
	f.Add([]byte(`{"version":"x","replace":true,"types":[{"id":1,"side":"front","size_mm":[85.6,54]}]}`))
	f.Add([]byte(`{"types":[{"signature":{"paper":"#zzzzzz"}}]}`))
	f.Add([]byte(`{"types":[{"fields":[{"zone":[0,0,2,1e309]}]}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			return
		}
		db, err := Build(file)
		if err != nil {
			return
		}
		// an accepted database round-trips to the same checksum
		out, err := json.Marshal(File{Version: file.Version, Types: file.Types})
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		db2, err := Build(again)
		if err != nil {
			t.Fatalf("re-build: %v", err)
		}
		if db.Checksum() != db2.Checksum() {
			t.Fatal("checksum changed on round trip")
		}
		for _, typ := range db.Types() {
			if _, err := db.Resolve(typ.Document); err != nil {
				t.Fatalf("resolve %q: %v", typ.Document, err)
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	pub := seed.Public().(ed25519.PublicKey)
	b := []byte(`{"version":"x","types":[]}`)
	sig, _ := Sign(b, seed)
	f.Add(b, sig)
	f.Add(defaultJSON, []byte(`{"alg":"ed25519","key":"AAAA","sig":"AAAA"}`))
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, bundle, sig []byte) {
		f, err := Verify(bundle, sig, []ed25519.PublicKey{pub})
		if err == nil && f == nil {
			t.Fatal("nil file without error")
		}
	})
}
