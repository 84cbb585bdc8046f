package systemd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// What the tests build with: make deb VERSION=... COMMIT=... DATE=...
const (
	testVersion = "v9.8.7-3-gabc1234"
	testCommit  = "abc1234"
	testDate    = "2001-02-03T04:05:06Z"
	// debVersion is testVersion as .ci/package/deb.sh turns it into a
	// Debian version.
	debVersion = "9.8.7+3.gabc1234"
)

// Installed paths, as the units and the package name them.
const (
	binDaemon  = "/usr/bin/docscand"
	binCLI     = "/usr/bin/docscan"
	confPath   = "/etc/docscan/docscand.yaml"
	stateDir   = "/var/lib/docscan"
	unitDir    = "/lib/systemd/system"
	serviceSrc = "docscand.service"
	socketSrc  = "docscand.socket"
	configSrc  = "docscand.yaml"
)

var scratch string // removed after the tests

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "docscan-systemd-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	scratch = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// unitFile is a parsed systemd unit: section → key → values in order. An
// empty assignment resets the list, as systemd does.
type unitFile map[string]map[string][]string

func parseUnit(data []byte) (unitFile, error) {
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	var cont strings.Builder
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if cont.Len() > 0 {
			line = cont.String() + strings.TrimSpace(line)
			cont.Reset()
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			cont.WriteString(strings.TrimSpace(strings.TrimSuffix(trimmed, `\`)) + " ")
			continue
		}
		if trimmed[0] == '[' {
			if !strings.HasSuffix(trimmed, "]") {
				return nil, fmt.Errorf("line %d: bad section header %q", n, trimmed)
			}
			section = trimmed[1 : len(trimmed)-1]
			if u[section] == nil {
				u[section] = map[string][]string{}
			}
			continue
		}
		k, v, ok := strings.Cut(trimmed, "=")
		if !ok || section == "" {
			return nil, fmt.Errorf("line %d: not a Key=Value in a section: %q", n, trimmed)
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if v == "" {
			u[section][k] = []string{}
			continue
		}
		u[section][k] = append(u[section][k], v)
	}
	return u, sc.Err()
}

func loadUnit(t *testing.T, name string) unitFile {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	u, err := parseUnit(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return u
}

// one returns the single value of a key, failing when it has none or many.
func (u unitFile) one(t *testing.T, section, key string) string {
	t.Helper()
	v := u[section][key]
	if len(v) != 1 {
		t.Fatalf("[%s] %s: want exactly one value, have %q", section, key, v)
	}
	return v[0]
}

// splitCommand splits an Exec line the way systemd does for the forms the
// units use: whitespace-separated words, "double" or 'single' quoted
// words, and the prefixes -@:+! in front of the path. Variable expansion
// is refused so that a test never runs something other than the unit.
func splitCommand(line string) (prefix string, argv []string, err error) {
	line = strings.TrimSpace(line)
	for len(line) > 0 && strings.ContainsRune("-@:+!", rune(line[0])) {
		prefix += line[:1]
		line = line[1:]
	}
	if strings.Contains(line, "$") || strings.Contains(line, "%") {
		return "", nil, fmt.Errorf("%q: variables and specifiers are not handled here", line)
	}
	var word strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				word.WriteByte(c)
			}
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == '\\':
			return "", nil, fmt.Errorf("%q: escapes are not handled here", line)
		case c == ' ' || c == '\t':
			if inWord {
				argv = append(argv, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return "", nil, fmt.Errorf("%q: unterminated quote", line)
	}
	if inWord {
		argv = append(argv, word.String())
	}
	if len(argv) == 0 || !filepath.IsAbs(argv[0]) {
		return "", nil, fmt.Errorf("%q: want an absolute program path", line)
	}
	return prefix, argv, nil
}

// swapArgs replaces installed paths by test paths, word by word, and
// fails if a path to swap is not there (so the test notices when the unit
// changes under it).
func swapArgs(t *testing.T, argv []string, swaps map[string]string) []string {
	t.Helper()
	out := append([]string(nil), argv...)
	for from, to := range swaps {
		found := false
		for i, a := range out {
			if a == from {
				out[i], found = to, true
			}
		}
		if !found {
			t.Fatalf("%q does not contain %s", argv, from)
		}
	}
	return out
}

// swapText replaces each key of swaps, which must occur exactly once.
func swapText(t *testing.T, text string, swaps map[string]string) string {
	t.Helper()
	for from, to := range swaps {
		if n := strings.Count(text, from); n != 1 {
			t.Fatalf("the default config has %q %d times, want once", from, n)
		}
		text = strings.Replace(text, from, to, 1)
	}
	return text
}

// built is the output of `make deb` for amd64, shared by the tests.
type built struct {
	deb  string // the package
	root string // the package unpacked (dpkg -x)
	log  string
	err  error
	skip string
}

var (
	buildOnce sync.Once
	buildRes  built
)

// debBuild runs the Makefile's deb target for amd64 (with fixed version,
// commit and date) once, and unpacks the package.
func debBuild(t *testing.T) built {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not building the package")
	}
	buildOnce.Do(func() { buildRes = makeDeb() })
	if buildRes.skip != "" {
		t.Skip(buildRes.skip)
	}
	if buildRes.err != nil {
		t.Fatalf("make deb: %v\n%s", buildRes.err, buildRes.log)
	}
	return buildRes
}

func makeDeb() built {
	if arch, err := exec.Command("dpkg", "--print-architecture").Output(); err != nil {
		return built{skip: "dpkg is missing: not a Debian machine"}
	} else if strings.TrimSpace(string(arch)) != "amd64" {
		return built{skip: "the package test builds for amd64; this machine is " + strings.TrimSpace(string(arch))}
	}
	for _, tool := range []string{"make", "dpkg-deb", "dpkg-shlibdeps"} {
		if _, err := exec.LookPath(tool); err != nil {
			return built{skip: tool + " is not installed (Debian packages make, dpkg-dev)"}
		}
	}
	dist := filepath.Join(scratch, "dist")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "-C", "..", "--no-print-directory", "deb",
		"DEB_ARCHES=amd64", "DIST="+dist,
		"VERSION="+testVersion, "COMMIT="+testCommit, "DATE="+testDate)
	out, err := cmd.CombinedOutput()
	b := built{log: string(out)}
	if err != nil {
		b.err = err
		return b
	}
	b.deb = filepath.Join(dist, "docscan_"+debVersion+"_amd64.deb")
	if _, err := os.Stat(b.deb); err != nil {
		b.err = fmt.Errorf("the package is not where expected: %w", err)
		return b
	}
	b.root = filepath.Join(scratch, "root")
	if out, err := exec.Command("dpkg-deb", "-x", b.deb, b.root).CombinedOutput(); err != nil {
		b.err = fmt.Errorf("dpkg-deb -x: %w: %s", err, out)
	}
	return b
}

// notifySocket listens where a daemon's sd_notify messages go.
type notifySocket struct {
	path string
	msgs chan string
}

func newNotifySocket(t *testing.T) *notifySocket {
	t.Helper()
	// A short directory: socket paths are limited to 108 bytes.
	dir, err := os.MkdirTemp("", "sdn")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ns := &notifySocket{path: path, msgs: make(chan string, 256)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, _, err := conn.ReadFromUnix(buf)
			if err != nil {
				close(ns.msgs)
				return
			}
			for _, line := range strings.Split(string(buf[:n]), "\n") {
				if line != "" {
					select {
					case ns.msgs <- line:
					default:
					}
				}
			}
		}
	}()
	return ns
}

var errClosed = errors.New("notify socket closed")

// wait returns when msg arrives, or fails after d.
func (ns *notifySocket) wait(msg string, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case m, ok := <-ns.msgs:
			if !ok {
				return errClosed
			}
			if m == msg {
				return nil
			}
		case <-timer.C:
			return fmt.Errorf("no %s within %s", msg, d)
		}
	}
}

// cleanEnv is the test's environment without what systemd would set or
// the unit must provide itself.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "OMP_THREAD_LIMIT", "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID",
			"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "DOCSCAN_OMP_RESTARTED":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// lockedBuffer collects a process's output safely while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
