// Package mqtttest runs a real Mosquitto broker on a free loopback port
// for tests, the way net/http/httptest runs an HTTP server.
package mqtttest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Binary is where Debian's mosquitto package installs the broker.
const Binary = "/usr/sbin/mosquitto"

// Broker is a Mosquitto process with a generated configuration, stopped
// when the test ends.
type Broker struct {
	t    testing.TB
	dir  string
	conf string
	port int
	cmd  *exec.Cmd
	tls  bool
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start starts Mosquitto with persistence (so a consumer's queued
// messages survive a Stop and Start) and any extra configuration lines.
// useTLS says the extra lines make the listener speak TLS, for URL.
func Start(t testing.TB, extra string, useTLS bool) *Broker {
	t.Helper()
	if _, err := os.Stat(Binary); err != nil {
		t.Fatalf("mosquitto is needed (apt-get install mosquitto; .ci/deps.sh does it): %v", err)
	}
	dir := t.TempDir()
	b := &Broker{t: t, dir: dir, port: FreePort(t), tls: useTLS}
	b.conf = filepath.Join(dir, "mosquitto.conf")
	conf := fmt.Sprintf(`listener %d 127.0.0.1
persistence true
persistence_location %s/
autosave_interval 0
max_queued_messages 0
max_inflight_messages 0
log_dest file %s/mosquitto.log
log_type error
log_type warning
%s
`, b.port, dir, dir, extra)
	if !strings.Contains(extra, "allow_anonymous") {
		conf += "allow_anonymous true\n"
	}
	if os.Geteuid() == 0 {
		// As root, Mosquitto would switch to user mosquitto, which cannot
		// read the test's private temporary directory.
		conf += "user root\n"
	}
	if err := os.WriteFile(b.conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	b.Start()
	t.Cleanup(b.Stop)
	return b
}

// URL is the broker's address for an MQTT client.
func (b *Broker) URL() string {
	if b.tls {
		return fmt.Sprintf("ssl://127.0.0.1:%d", b.port)
	}
	return fmt.Sprintf("tcp://127.0.0.1:%d", b.port)
}

// Addr is host:port.
func (b *Broker) Addr() string { return fmt.Sprintf("127.0.0.1:%d", b.port) }

// Dir is the broker's working directory (its config, log and persistence).
func (b *Broker) Dir() string { return b.dir }

// Start (re)starts the process and waits until it listens.
func (b *Broker) Start() {
	b.t.Helper()
	b.cmd = exec.Command(Binary, "-c", b.conf)
	out, _ := os.Create(filepath.Join(b.dir, "stdout.log"))
	b.cmd.Stdout, b.cmd.Stderr = out, out
	if err := b.cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", b.Addr(), 100*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(b.dir, "mosquitto.log"))
			out, _ := os.ReadFile(filepath.Join(b.dir, "stdout.log"))
			log = append(log, out...)
			b.t.Fatalf("mosquitto did not listen on %s: %v\n%s", b.Addr(), err, log)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop ends Mosquitto with SIGTERM, so it saves its persistence file.
func (b *Broker) Stop() {
	if b.cmd == nil {
		return
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	_ = b.cmd.Wait()
	b.cmd = nil
}
