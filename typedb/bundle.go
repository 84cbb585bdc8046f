package typedb

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A bundle is a database File's JSON bytes, shipped with a detached
// signature: a small JSON object
//
//	{"alg":"ed25519","key":"<base64 public key>","sig":"<base64 signature>"}
//
// naming the key that signed the exact bundle bytes. Naming the key lets
// Verify tell an untrusted signer from a bad signature.

// Bundle errors; test with errors.Is.
var (
	ErrBadSignature  = errors.New("typedb bundle: signature does not verify")
	ErrUntrustedKey  = errors.New("typedb bundle: signed by a key that is not trusted")
	ErrCorruptBundle = errors.New("typedb bundle: corrupt")
	ErrNoBundle      = errors.New("typedb bundle: none installed")
)

// maxSigSize bounds a signature file.
const maxSigSize = 4096

// BundleSignature is the detached signature's JSON.
type BundleSignature struct {
	Alg string `json:"alg"`
	Key string `json:"key"`
	Sig string `json:"sig"`
}

// Sign signs bundle with priv and returns the detached signature bytes.
func Sign(bundle []byte, priv ed25519.PrivateKey) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("typedb bundle: private key has %d bytes, want %d", len(priv), ed25519.PrivateKeySize)
	}
	pub := priv.Public().(ed25519.PublicKey)
	return json.Marshal(BundleSignature{
		Alg: "ed25519",
		Key: base64.StdEncoding.EncodeToString(pub),
		Sig: base64.StdEncoding.EncodeToString(ed25519.Sign(priv, bundle)),
	})
}

// ParseSignature reads a detached signature.
func ParseSignature(sig []byte) (ed25519.PublicKey, []byte, error) {
	if len(sig) > maxSigSize {
		return nil, nil, fmt.Errorf("%w: signature file of %d bytes", ErrBadSignature, len(sig))
	}
	dec := json.NewDecoder(bytes.NewReader(sig))
	dec.DisallowUnknownFields()
	var s BundleSignature
	if err := dec.Decode(&s); err != nil {
		return nil, nil, fmt.Errorf("%w: unreadable signature: %w", ErrBadSignature, err)
	}
	if s.Alg != "ed25519" {
		return nil, nil, fmt.Errorf("%w: algorithm %q, want ed25519", ErrBadSignature, s.Alg)
	}
	key, err := base64.StdEncoding.DecodeString(s.Key)
	if err != nil || len(key) != ed25519.PublicKeySize {
		return nil, nil, fmt.Errorf("%w: malformed public key", ErrBadSignature)
	}
	raw, err := base64.StdEncoding.DecodeString(s.Sig)
	if err != nil || len(raw) != ed25519.SignatureSize {
		return nil, nil, fmt.Errorf("%w: malformed signature", ErrBadSignature)
	}
	return ed25519.PublicKey(key), raw, nil
}

// ParsePublicKey reads a trusted key as configured: base64 or hex of the
// 32 raw bytes.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	for _, dec := range []func(string) ([]byte, error){base64.StdEncoding.DecodeString, hex.DecodeString} {
		if b, err := dec(s); err == nil && len(b) == ed25519.PublicKeySize {
			return ed25519.PublicKey(b), nil
		}
	}
	return nil, fmt.Errorf("typedb: public key %q is not 32 bytes of base64 or hex", s)
}

// Verify checks that sig is a valid signature of bundle by one of the
// trusted keys, then parses and validates the bundle (layered on base,
// when given, as it will be used). It returns the parsed bundle.
func Verify(bundle, sig []byte, trusted []ed25519.PublicKey, base ...*File) (*File, error) {
	key, raw, err := ParseSignature(sig)
	if err != nil {
		return nil, err
	}
	known := false
	for _, k := range trusted {
		if len(k) == ed25519.PublicKeySize && bytes.Equal(k, key) {
			known = true
			break
		}
	}
	if !known {
		return nil, fmt.Errorf("%w (key %s…)", ErrUntrustedKey, base64.StdEncoding.EncodeToString(key)[:8])
	}
	if !ed25519.Verify(key, bundle, raw) {
		return nil, ErrBadSignature
	}
	f, err := Parse(bundle)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptBundle, err)
	}
	if _, err := Build(append(append([]*File{}, base...), f)...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptBundle, err)
	}
	return f, nil
}

// Store keeps installed bundles in a directory:
//
//	DIR/bundles/<sha256>.json   bundle bytes
//	DIR/bundles/<sha256>.sig    its detached signature
//	DIR/STATE                   {"current": sha, "previous": sha, ...}
//
// STATE is replaced atomically (temp file, fsync, rename, fsync of the
// directory), so a crash leaves either the old or the new state. Bundle
// files are written and synced before STATE names them.
type Store struct {
	Dir     string
	Trusted []ed25519.PublicKey
	// Base, when set, is the layer a bundle goes above (normally the
	// embedded default); bundles are validated on it.
	Base *File
}

// Installed describes an installed bundle.
type Installed struct {
	SHA256      string    `json:"sha256"`
	Version     string    `json:"version"`
	InstalledAt time.Time `json:"installed_at"`
}

type storeState struct {
	Current  *Installed `json:"current"`
	Previous *Installed `json:"previous"`
}

func (s *Store) bases() []*File {
	if s.Base == nil {
		return nil
	}
	return []*File{s.Base}
}

// Install verifies bundle and sig, writes them durably and makes them
// current, keeping the current one as previous.
func (s *Store) Install(bundle, sig []byte) (Installed, error) {
	f, err := Verify(bundle, sig, s.Trusted, s.bases()...)
	if err != nil {
		return Installed{}, err
	}
	sum := sha256.Sum256(bundle)
	inst := Installed{SHA256: hex.EncodeToString(sum[:]), Version: f.Version, InstalledAt: time.Now().UTC()}
	dir := filepath.Join(s.Dir, "bundles")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Installed{}, fmt.Errorf("typedb store: %w", err)
	}
	if err := writeFileSync(filepath.Join(dir, inst.SHA256+".json"), bundle); err != nil {
		return Installed{}, err
	}
	if err := writeFileSync(filepath.Join(dir, inst.SHA256+".sig"), sig); err != nil {
		return Installed{}, err
	}
	if err := syncDir(dir); err != nil {
		return Installed{}, err
	}
	st, err := s.state()
	if err != nil && !errors.Is(err, ErrNoBundle) {
		return Installed{}, err
	}
	next := storeState{Current: &inst, Previous: st.Current}
	if st.Current != nil && st.Current.SHA256 == inst.SHA256 {
		next.Previous = st.Previous // reinstalling the same bundle keeps history
	}
	if err := s.writeState(next); err != nil {
		return Installed{}, err
	}
	s.prune(next)
	return inst, nil
}

// Rollback makes the previous bundle current again (and the current one
// previous, so a second Rollback undoes the first). Rolling back the first
// bundle ever installed returns to the database without a bundle (the
// embedded default), which is what was in use before it.
func (s *Store) Rollback() (Installed, error) {
	st, err := s.state()
	if err != nil {
		return Installed{}, err
	}
	if st.Previous != nil {
		if _, err := s.load(*st.Previous); err != nil {
			return Installed{}, fmt.Errorf("previous bundle: %w", err)
		}
	}
	next := storeState{Current: st.Previous, Previous: st.Current}
	if err := s.writeState(next); err != nil {
		return Installed{}, err
	}
	if next.Current == nil {
		return Installed{}, nil
	}
	return *next.Current, nil
}

// Current returns the current bundle, verified again from disk (a bundle
// altered on disk is refused); ErrNoBundle when none is installed.
func (s *Store) Current() (*File, Installed, error) {
	st, err := s.state()
	if err != nil {
		return nil, Installed{}, err
	}
	if st.Current == nil {
		return nil, Installed{}, ErrNoBundle
	}
	f, err := s.load(*st.Current)
	if err != nil {
		return nil, Installed{}, err
	}
	return f, *st.Current, nil
}

// Previous returns what Rollback would restore, if anything.
func (s *Store) Previous() (Installed, bool) {
	st, err := s.state()
	if err != nil || st.Previous == nil {
		return Installed{}, false
	}
	return *st.Previous, true
}

// Open returns the database to use: Base (or the embedded default) with
// the current bundle above it, or without one when none is installed.
func (s *Store) Open() (*DB, Installed, error) {
	base := s.Base
	if base == nil {
		var err error
		if base, err = DefaultFile(); err != nil {
			return nil, Installed{}, err
		}
	}
	f, inst, err := s.Current()
	if errors.Is(err, ErrNoBundle) {
		db, err := Build(base)
		return db, Installed{}, err
	}
	if err != nil {
		return nil, Installed{}, err
	}
	db, err := Build(base, f)
	return db, inst, err
}

func (s *Store) load(inst Installed) (*File, error) {
	dir := filepath.Join(s.Dir, "bundles")
	bundle, err := readLimited(filepath.Join(dir, inst.SHA256+".json"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptBundle, err)
	}
	sum := sha256.Sum256(bundle)
	if hex.EncodeToString(sum[:]) != inst.SHA256 {
		return nil, fmt.Errorf("%w: %s.json does not match its sha256", ErrCorruptBundle, inst.SHA256)
	}
	sig, err := os.ReadFile(filepath.Join(dir, inst.SHA256+".sig"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptBundle, err)
	}
	return Verify(bundle, sig, s.Trusted, s.bases()...)
}

func (s *Store) state() (storeState, error) {
	data, err := os.ReadFile(filepath.Join(s.Dir, "STATE"))
	if errors.Is(err, os.ErrNotExist) {
		return storeState{}, ErrNoBundle
	}
	if err != nil {
		return storeState{}, fmt.Errorf("typedb store: %w", err)
	}
	var st storeState
	if err := json.Unmarshal(data, &st); err != nil {
		return storeState{}, fmt.Errorf("%w: STATE: %w", ErrCorruptBundle, err)
	}
	if st.Current == nil && st.Previous == nil {
		return storeState{}, ErrNoBundle
	}
	for _, in := range []*Installed{st.Current, st.Previous} {
		if in != nil && !isHexSHA(in.SHA256) {
			return storeState{}, fmt.Errorf("%w: STATE names %q", ErrCorruptBundle, in.SHA256)
		}
	}
	return st, nil
}

func isHexSHA(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == sha256.Size
}

func (s *Store) writeState(st storeState) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("typedb store: %w", err)
	}
	tmp, err := os.CreateTemp(s.Dir, ".STATE-*")
	if err != nil {
		return fmt.Errorf("typedb store: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("typedb store: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("typedb store: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("typedb store: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(s.Dir, "STATE")); err != nil {
		return fmt.Errorf("typedb store: %w", err)
	}
	return syncDir(s.Dir)
}

// prune removes bundle files that STATE no longer names. Failures are
// harmless (the files are only garbage) and ignored.
func (s *Store) prune(st storeState) {
	keep := map[string]bool{}
	for _, in := range []*Installed{st.Current, st.Previous} {
		if in != nil {
			keep[in.SHA256] = true
		}
	}
	dir := filepath.Join(s.Dir, "bundles")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		sha := strings.TrimSuffix(strings.TrimSuffix(name, ".json"), ".sig")
		if !keep[sha] {
			os.Remove(filepath.Join(dir, name))
		}
	}
}

func writeFileSync(path string, data []byte) error {
	tmp := path + ".tmp"
	fh, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("typedb store: %w", err)
	}
	_, werr := io.Copy(fh, bytes.NewReader(data))
	serr := fh.Sync()
	cerr := fh.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("typedb store: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("typedb store: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("typedb store: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("typedb store: sync %s: %w", dir, err)
	}
	return nil
}
