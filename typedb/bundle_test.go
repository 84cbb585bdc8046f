package typedb

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func newKey(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

// bundleVersion returns a valid overlay bundle that renames the passport.
func bundleVersion(t testing.TB, version, name string) []byte {
	t.Helper()
	f, err := Parse(defaultJSON)
	if err != nil {
		t.Fatal(err)
	}
	pp := *find(f, 1900001101)
	pp.DocumentName = name
	out, err := json.Marshal(File{Version: version, Types: []Type{pp}})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sign(t testing.TB, b []byte, priv ed25519.PrivateKey) []byte {
	t.Helper()
	s, err := Sign(b, priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerify(t *testing.T) {
	pub, priv := newKey(t)
	otherPub, otherPriv := newKey(t)
	base, _ := DefaultFile()
	good := bundleVersion(t, "b1", "passport v1")
	goodSig := sign(t, good, priv)

	flipped := append([]byte{}, good...)
	flipped[len(flipped)/2] ^= 0x01
	notJSON := []byte("this is not a database")
	invalid := []byte(`{"version":"bad","types":[{"id":5,"document":"x","side":"front"}]}`)

	tests := []struct {
		name    string
		bundle  []byte
		sig     []byte
		trusted []ed25519.PublicKey
		want    error
	}{
		{"valid", good, goodSig, []ed25519.PublicKey{otherPub, pub}, nil},
		{"bundle altered", flipped, goodSig, []ed25519.PublicKey{pub}, ErrBadSignature},
		{"untrusted signer", good, sign(t, good, otherPriv), []ed25519.PublicKey{pub}, ErrUntrustedKey},
		{"no trusted keys", good, goodSig, nil, ErrUntrustedKey},
		{"signature of another key claimed as ours", good, forgeKey(t, sign(t, good, otherPriv), pub), []ed25519.PublicKey{pub}, ErrBadSignature},
		{"garbage signature", good, []byte("xx"), []ed25519.PublicKey{pub}, ErrBadSignature},
		{"wrong alg", good, []byte(`{"alg":"rsa","key":"","sig":""}`), []ed25519.PublicKey{pub}, ErrBadSignature},
		{"corrupt bundle, validly signed", notJSON, sign(t, notJSON, priv), []ed25519.PublicKey{pub}, ErrCorruptBundle},
		{"invalid content, validly signed", invalid, sign(t, invalid, priv), []ed25519.PublicKey{pub}, ErrCorruptBundle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Verify(tt.bundle, tt.sig, tt.trusted, base)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
			if tt.want == nil && f.Version != "b1" {
				t.Errorf("version = %q", f.Version)
			}
		})
	}
	// invalid content is also ErrInvalid, with the reason
	if _, err := Verify(invalid, sign(t, invalid, priv), []ed25519.PublicKey{pub}); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid content: %v", err)
	}
}

// forgeKey replaces the key named in a signature file.
func forgeKey(t testing.TB, sig []byte, key ed25519.PublicKey) []byte {
	var s BundleSignature
	if err := json.Unmarshal(sig, &s); err != nil {
		t.Fatal(err)
	}
	s.Key = base64.StdEncoding.EncodeToString(key)
	out, _ := json.Marshal(s)
	return out
}

func TestParsePublicKey(t *testing.T) {
	pub, _ := newKey(t)
	for _, s := range []string{base64.StdEncoding.EncodeToString(pub), hex.EncodeToString(pub), " " + hex.EncodeToString(pub) + "\n"} {
		k, err := ParsePublicKey(s)
		if err != nil || !k.Equal(pub) {
			t.Errorf("ParsePublicKey(%q) = %v", s, err)
		}
	}
	if _, err := ParsePublicKey("abcd"); err == nil {
		t.Error("short key accepted")
	}
}

func TestStoreInstallRollback(t *testing.T) {
	pub, priv := newKey(t)
	_, evil := newKey(t)
	base, _ := DefaultFile()
	st := &Store{Dir: t.TempDir(), Trusted: []ed25519.PublicKey{pub}, Base: base}

	// nothing installed: the embedded default
	if _, _, err := st.Current(); !errors.Is(err, ErrNoBundle) {
		t.Fatalf("Current on empty store: %v", err)
	}
	if _, err := st.Rollback(); !errors.Is(err, ErrNoBundle) {
		t.Fatalf("Rollback on empty store: %v", err)
	}
	db, inst, err := st.Open()
	if err != nil || inst.SHA256 != "" || db.Version() != "2025.1" {
		t.Fatalf("Open on empty store: %v %+v %v", db, inst, err)
	}

	name := func() string {
		db, _, err := st.Open()
		if err != nil {
			t.Fatal(err)
		}
		pp, _ := db.ByID(1900001101)
		return pp.DocumentName
	}

	b1 := bundleVersion(t, "b1", "passport v1")
	in1, err := st.Install(b1, sign(t, b1, priv))
	if err != nil {
		t.Fatal(err)
	}
	if in1.Version != "b1" || name() != "passport v1" {
		t.Fatalf("after install 1: %+v, %q", in1, name())
	}
	if _, ok := st.Previous(); ok {
		t.Error("first install has a previous")
	}
	// Rolling back the first bundle returns to the embedded default, and
	// rolling back again restores the bundle.
	if in, err := st.Rollback(); err != nil || in.SHA256 != "" || name() == "passport v1" {
		t.Errorf("Rollback of the first bundle: %+v %v, name %q", in, err, name())
	}
	if _, _, err := st.Current(); !errors.Is(err, ErrNoBundle) {
		t.Errorf("Current after rolling back to the default: %v", err)
	}
	if in, err := st.Rollback(); err != nil || in.Version != "b1" || name() != "passport v1" {
		t.Errorf("Rollback to the bundle again: %+v %v, name %q", in, err, name())
	}

	b2 := bundleVersion(t, "b2", "passport v2")
	if _, err := st.Install(b2, sign(t, b2, priv)); err != nil {
		t.Fatal(err)
	}
	if db, _, _ := st.Open(); db.Version() != "2025.1+b2" || name() != "passport v2" {
		t.Fatalf("after install 2: %s %q", db.Version(), name())
	}

	// refused installs leave the state alone
	b3 := bundleVersion(t, "b3", "passport v3")
	for _, sig := range [][]byte{sign(t, b3, evil), sign(t, b2, priv), []byte("{}")} {
		if _, err := st.Install(b3, sig); err == nil {
			t.Fatal("bad install accepted")
		}
	}
	if name() != "passport v2" {
		t.Fatalf("refused install changed the database: %q", name())
	}

	// rollback to v1, and rollback again undoes it
	if in, err := st.Rollback(); err != nil || in.Version != "b1" || name() != "passport v1" {
		t.Fatalf("rollback: %+v %v %q", in, err, name())
	}
	if in, err := st.Rollback(); err != nil || in.Version != "b2" || name() != "passport v2" {
		t.Fatalf("second rollback: %+v %v %q", in, err, name())
	}

	// a third install prunes the oldest bundle
	if _, err := st.Install(b3, sign(t, b3, priv)); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(st.Dir, "bundles"))
	if len(ents) != 4 {
		t.Errorf("bundles dir has %d files, want 4 (current and previous, bundle and sig)", len(ents))
	}
	if prev, ok := st.Previous(); !ok || prev.Version != "b2" {
		t.Errorf("previous = %+v", prev)
	}

	// a bundle altered on disk is refused at load, not silently used
	_, cur, _ := st.Current()
	path := filepath.Join(st.Dir, "bundles", cur.SHA256+".json")
	data, _ := os.ReadFile(path)
	data[10] ^= 0x20
	os.WriteFile(path, data, 0o644)
	if _, _, err := st.Open(); !errors.Is(err, ErrCorruptBundle) {
		t.Errorf("altered bundle: %v", err)
	}
	// and rollback still reaches the intact previous one
	if in, err := st.Rollback(); err != nil || in.Version != "b2" {
		t.Errorf("rollback from a corrupt current: %+v %v", in, err)
	}

	// a corrupt STATE is reported, not ignored
	os.WriteFile(filepath.Join(st.Dir, "STATE"), []byte("{"), 0o644)
	if _, _, err := st.Open(); !errors.Is(err, ErrCorruptBundle) {
		t.Errorf("corrupt STATE: %v", err)
	}
}

func TestStoreRejectsUntrustedAfterKeyRemoval(t *testing.T) {
	pub, priv := newKey(t)
	other, _ := newKey(t)
	dir := t.TempDir()
	st := &Store{Dir: dir, Trusted: []ed25519.PublicKey{pub}}
	b := bundleVersion(t, "b1", "x")
	if _, err := st.Install(b, sign(t, b, priv)); err != nil {
		t.Fatal(err)
	}
	// the key is revoked in the config: the installed bundle no longer loads
	st2 := &Store{Dir: dir, Trusted: []ed25519.PublicKey{other}}
	if _, _, err := st2.Open(); !errors.Is(err, ErrUntrustedKey) {
		t.Errorf("revoked key: %v", err)
	}
}
