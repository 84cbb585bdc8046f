package systemd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docscan/docscan/sync/uplink/mqtttest"
)

// TestServiceSettings checks the settings the deployment depends on, so
// that an edit dropping one fails here rather than on a device.
func TestServiceSettings(t *testing.T) {
	u := loadUnit(t, serviceSrc)
	s := "Service"
	single := []struct{ key, want string }{
		{"Type", "notify"},
		{"Restart", "on-failure"},
		{"User", "docscan"},
		{"StateDirectory", "docscan"},
		{"DevicePolicy", "closed"},
		{"NoNewPrivileges", "yes"},
		{"ProtectSystem", "strict"},
		{"ProtectHome", "yes"},
		{"PrivateTmp", "yes"},
		{"ProtectKernelTunables", "yes"},
		{"ProtectKernelModules", "yes"},
		{"ProtectKernelLogs", "yes"},
		{"ProtectControlGroups", "yes"},
		{"SystemCallArchitectures", "native"},
		{"Environment", "OMP_THREAD_LIMIT=1"},
	}
	for _, c := range single {
		if got := u.one(t, s, c.key); got != c.want {
			t.Errorf("%s=%s, want %s", c.key, got, c.want)
		}
	}
	if v, ok := u[s]["CapabilityBoundingSet"]; !ok || len(v) != 0 {
		t.Errorf("CapabilityBoundingSet=%q, want it set empty (no capabilities)", v)
	}
	if got := u[s]["DeviceAllow"]; !slices.Equal(got, []string{"char-video4linux rw", "char-gpiochip rw"}) {
		t.Errorf("DeviceAllow=%q, want the camera and the GPIO chips only", got)
	}
	groups := strings.Fields(u.one(t, s, "SupplementaryGroups"))
	for _, g := range []string{"video", "gpio"} {
		if !slices.Contains(groups, g) {
			t.Errorf("SupplementaryGroups lacks %s", g)
		}
	}
	if f := u[s]["SystemCallFilter"]; len(f) == 0 || f[0] != "@system-service" {
		t.Errorf("SystemCallFilter=%q, want @system-service first", f)
	}
	if fam := strings.Fields(u.one(t, s, "RestrictAddressFamilies")); !slices.Equal(fam, []string{"AF_UNIX", "AF_INET", "AF_INET6"}) {
		t.Errorf("RestrictAddressFamilies=%q", fam)
	}
	wd, err := time.ParseDuration(u.one(t, s, "WatchdogSec"))
	if err != nil || wd < 10*time.Second {
		t.Errorf("WatchdogSec=%s: want a duration of at least 10s (the daemon pings at half of it)", u.one(t, s, "WatchdogSec"))
	}

	// Both commands read the one config the package installs, and the
	// state directory is the config's data directory.
	_, start, err := splitCommand(u.one(t, s, "ExecStart"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(start, []string{binDaemon, "-config", confPath}) {
		t.Errorf("ExecStart=%q", start)
	}
	prefix, stop, err := splitCommand(u.one(t, s, "ExecStopPost"))
	if err != nil {
		t.Fatal(err)
	}
	if prefix != "" {
		t.Errorf("ExecStopPost has prefix %q: a failure to switch the LEDs off must show", prefix)
	}
	if !slices.Equal(stop, []string{binCLI, "lights", "off", "-config", confPath}) {
		t.Errorf("ExecStopPost=%q", stop)
	}
	conf, err := os.ReadFile(configSrc)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^data: ` + regexp.QuoteMeta(stateDir) + `\s`).Match(conf) {
		t.Errorf("%s: data is not %s (StateDirectory=docscan)", configSrc, stateDir)
	}

	sock := loadUnit(t, socketSrc)
	if got := sock.one(t, "Socket", "Service"); got != serviceSrc {
		t.Errorf("socket activates %s", got)
	}
	// The socket takes the address the daemon would listen on by default.
	listen := regexp.MustCompile(`(?m)^listen: (\S+)`).FindSubmatch(conf)
	if listen == nil || string(listen[1]) != sock.one(t, "Socket", "ListenStream") {
		t.Errorf("ListenStream=%s, config listen=%s: they should agree", sock.one(t, "Socket", "ListenStream"), listen)
	}
}

// TestUnitParser checks the test's own reading of unit files.
func TestUnitParser(t *testing.T) {
	u, err := parseUnit([]byte("[A]\n# c\nK=1\nK=2\nL=x \\\n  y\n[B]\nK=\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(u["A"]["K"], []string{"1", "2"}) || u["A"]["L"][0] != "x y" || len(u["B"]["K"]) != 0 {
		t.Fatalf("parsed %v", u)
	}
	for _, bad := range []string{"K=1\n", "[A\n", "[A]\nnot a key\n"} {
		if _, err := parseUnit([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	cases := []struct {
		in     string
		prefix string
		argv   []string
		err    bool
	}{
		{"/bin/a -x 'b c' \"d\"", "", []string{"/bin/a", "-x", "b c", "d"}, false},
		{"-/bin/a", "-", []string{"/bin/a"}, false},
		{"/bin/a $HOME", "", nil, true},
		{"a", "", nil, true},
		{"/bin/a 'b", "", nil, true},
	}
	for _, c := range cases {
		p, argv, err := splitCommand(c.in)
		if (err != nil) != c.err || p != c.prefix || !slices.Equal(argv, c.argv) {
			t.Errorf("splitCommand(%q) = %q %q %v", c.in, p, argv, err)
		}
	}
}

// analyzeRoot lays out a root for systemd-analyze: the system's own units
// (for the targets the units name), the package's files, and the units
// from this directory.
func analyzeRoot(t *testing.T) string {
	t.Helper()
	b := debBuild(t)
	root := t.TempDir()
	if out, err := exec.Command("cp", "-a", b.root+"/.", root).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	sys := filepath.Join(root, "usr/lib/systemd")
	if err := os.MkdirAll(sys, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", "/lib/systemd/system", sys+"/").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, f := range []string{serviceSrc, socketSrc} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, unitDir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestSystemdAnalyzeVerify runs `systemd-analyze verify` on the units, in
// a root holding the packaged binaries, so the Exec paths are checked too.
// systemd reports unknown keys and bad values as warnings with exit status
// 0, so any output fails the test.
func TestSystemdAnalyzeVerify(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd)")
	}
	root := analyzeRoot(t)
	out, err := exec.Command("systemd-analyze", "verify", "--root="+root, serviceSrc, socketSrc).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}

	// The check can fail: a misspelt key is reported.
	bad := strings.Replace(readFile(t, serviceSrc), "NoNewPrivileges=", "NoNewPrivilege=", 1)
	if err := os.WriteFile(filepath.Join(root, unitDir, serviceSrc), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ = exec.Command("systemd-analyze", "verify", "--root="+root, serviceSrc).CombinedOutput()
	if !strings.Contains(string(out), "NoNewPrivilege") {
		t.Fatalf("verify did not report a misspelt key: %s", out)
	}
}

var exposureRe = regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)

// maxExposure is the highest systemd-analyze security score accepted: the
// unit needs the network, the camera, the GPIO chips and two groups, and
// everything else is closed (the score was 1.6 when this was written).
const maxExposure = 2.0

// TestSecurityExposureOffline reports systemd-analyze's exposure score of
// the service, computed from the unit file (--offline). The score of the
// unit as a running manager loads it is in TestUnderSystemd.
func TestSecurityExposureOffline(t *testing.T) {
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd)")
	}
	out, err := exec.Command("systemd-analyze", "security", "--offline=yes", serviceSrc).CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	checkExposure(t, "offline", string(out))
}

func checkExposure(t *testing.T, how, out string) {
	t.Helper()
	m := exposureRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no exposure level in:\n%s", out)
	}
	score, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("systemd-analyze security (%s): exposure %.1f", how, score)
	if score > maxExposure {
		t.Errorf("exposure %.1f > %.1f:\n%s", score, maxExposure, out)
	}
}

// TestDefaultConfigParses reads the shipped config with the daemon's own
// loader: -version prints only after the flags, the YAML and its board:
// section have parsed and validated (exit status 2 otherwise). The
// operator CLI reads the same file's board: section.
func TestDefaultConfigParses(t *testing.T) {
	b := debBuild(t)
	conf, _ := filepath.Abs(configSrc)
	out, err := exec.Command(filepath.Join(b.root, binDaemon), "-config", conf, "-version").CombinedOutput()
	if err != nil {
		t.Fatalf("docscand -config %s: %v\n%s", configSrc, err, out)
	}
	// A key no flag has is refused: the check can fail.
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(readFile(t, configSrc)+"\nno-such-flag: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(filepath.Join(b.root, binDaemon), "-config", bad, "-version").CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "no-such-flag") {
		t.Fatalf("an unknown key: exit %d: %s", code, out)
	}

	out, err = exec.Command(filepath.Join(b.root, binCLI), "lights", "off", "-hal", "sim", "-config", conf).CombinedOutput()
	if err != nil {
		t.Fatalf("docscan lights off -config: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "all LEDs off (white-top=GPIO17 ") || !strings.Contains(string(out), "uv=GPIO5") {
		t.Errorf("docscan lights did not use the config's board profile:\n%s", out)
	}
}

// TestVersion checks that docscand -version gives what the Makefile's
// ldflags set.
func TestVersion(t *testing.T) {
	b := debBuild(t)
	out, err := exec.Command(filepath.Join(b.root, binDaemon), "-version").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("docscand %s (%s, %s)\n", testVersion, testCommit, testDate)
	if string(out) != want {
		t.Fatalf("-version: %q, want %q", out, want)
	}
}

// testConfig writes the shipped config with the paths and hardware swapped
// for the test's: its data directory, a free port, the simulated board
// and camera. Everything else is as shipped.
func testConfig(t *testing.T, dir string, port int) string {
	t.Helper()
	text := swapText(t, readFile(t, configSrc), map[string]string{
		stateDir:                   filepath.Join(dir, "data"),
		"listen: 127.0.0.1:8080":   fmt.Sprintf("listen: 127.0.0.1:%d", port),
		"hal: gpio":                "hal: sim ",
		"camera: v4l2:/dev/video0": "camera: sim",
	})
	path := filepath.Join(dir, "docscand.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// unitEnv is the environment the unit gives its processes.
func unitEnv(t *testing.T, u unitFile) []string {
	t.Helper()
	env := cleanEnv()
	for _, v := range u["Service"]["Environment"] {
		for _, kv := range strings.Fields(v) {
			env = append(env, strings.Trim(kv, `"`))
		}
	}
	return env
}

type healthBuild struct {
	Status string `json:"status"`
	Build  struct {
		Version string `json:"version"`
		Commit  string `json:"commit"`
		Date    string `json:"date"`
	} `json:"build"`
}

// getHealth polls /healthz until it answers or d passes.
func getHealth(t *testing.T, url string, d time.Duration) healthBuild {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(d)
	for {
		resp, err := client.Get(url)
		if err == nil {
			var h healthBuild
			err = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				return h
			}
			err = fmt.Errorf("status %d, %v", resp.StatusCode, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func checkBuild(t *testing.T, h healthBuild) {
	t.Helper()
	if h.Status != "ok" || h.Build.Version != testVersion || h.Build.Commit != testCommit || h.Build.Date != testDate {
		t.Errorf("/healthz: %+v, want ok with build %s %s %s", h, testVersion, testCommit, testDate)
	}
}

// TestExecStart starts the packaged daemon with exactly the unit's
// ExecStart line and Environment (only the config path swapped for a copy
// of the shipped config with test paths and the simulated hardware), the
// way systemd would: a notify socket, and the watchdog armed (at 1 s
// rather than the unit's 30 s, to see pings quickly). It must report
// READY, serve /healthz with the build's version, ping the watchdog,
// and on SIGTERM report STOPPING and exit 0 within TimeoutStopSec. Then
// the unit's ExecStopPost line runs against the same config.
func TestExecStart(t *testing.T) {
	b := debBuild(t)
	u := loadUnit(t, serviceSrc)
	dir := t.TempDir()
	port := mqtttest.FreePort(t)
	conf := testConfig(t, dir, port)

	_, argv, err := splitCommand(u.one(t, "Service", "ExecStart"))
	if err != nil {
		t.Fatal(err)
	}
	argv = swapArgs(t, argv, map[string]string{binDaemon: filepath.Join(b.root, binDaemon), confPath: conf})
	ns := newNotifySocket(t)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(unitEnv(t, u), "NOTIFY_SOCKET="+ns.path, "WATCHDOG_USEC=1000000")
	var logs lockedBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	if err := ns.wait("READY=1", 60*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, logs.String())
	}
	checkBuild(t, getHealth(t, fmt.Sprintf("http://127.0.0.1:%d/healthz", port), 10*time.Second))
	if err := ns.wait("WATCHDOG=1", 5*time.Second); err != nil {
		t.Errorf("watchdog: %v", err)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := ns.wait("STOPPING=1", 10*time.Second); err != nil {
		t.Errorf("after SIGTERM: %v", err)
	}
	stopTimeout, err := time.ParseDuration(u.one(t, "Service", "TimeoutStopSec"))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(stopTimeout):
		t.Fatalf("still running %s after SIGTERM (TimeoutStopSec)", stopTimeout)
	}
	out := logs.String()
	for _, bad := range []string{"restarting with OMP_THREAD_LIMIT", "OMP_THREAD_LIMIT is not 1", "level=ERROR"} {
		if strings.Contains(out, bad) {
			t.Errorf("the daemon's log has %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "all LEDs off") {
		t.Errorf("no \"all LEDs off\" in the log:\n%s", out)
	}

	// ExecStopPost, with -hal sim added: `docscan lights` drives the GPIO
	// lines unless told otherwise (it does not read hal: from the config).
	_, post, err := splitCommand(u.one(t, "Service", "ExecStopPost"))
	if err != nil {
		t.Fatal(err)
	}
	post = swapArgs(t, post, map[string]string{binCLI: filepath.Join(b.root, binCLI), confPath: conf})
	post = append(post, "-hal", "sim")
	pout, err := exec.Command(post[0], post[1:]...).CombinedOutput()
	if err != nil || !strings.Contains(string(pout), "all LEDs off (white-top=GPIO17") {
		t.Errorf("ExecStopPost %q: %v\n%s", post, err, pout)
	}
}

// TestSocketActivation hands the daemon the socket unit's kind of socket
// through systemd-socket-activate, on a port other than the config's
// listen address: the daemon must serve on the socket it was given.
func TestSocketActivation(t *testing.T) {
	b := debBuild(t)
	if _, err := exec.LookPath("systemd-socket-activate"); err != nil {
		t.Skip("systemd-socket-activate is not installed (Debian package systemd)")
	}
	u := loadUnit(t, serviceSrc)
	sock := loadUnit(t, socketSrc)
	if got := sock.one(t, "Socket", "ListenStream"); !strings.HasPrefix(got, "127.0.0.1:") {
		t.Fatalf("ListenStream=%s: the test expects a loopback TCP address", got)
	}
	dir := t.TempDir()
	conf := testConfig(t, dir, mqtttest.FreePort(t))
	sockPort := mqtttest.FreePort(t)

	_, argv, err := splitCommand(u.one(t, "Service", "ExecStart"))
	if err != nil {
		t.Fatal(err)
	}
	argv = swapArgs(t, argv, map[string]string{binDaemon: filepath.Join(b.root, binDaemon), confPath: conf})
	args := []string{"-l", fmt.Sprintf("127.0.0.1:%d", sockPort)}
	for _, kv := range u["Service"]["Environment"] {
		args = append(args, "-E", kv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "systemd-socket-activate", append(args, argv...)...)
	cmd.Env = cleanEnv()
	var logs lockedBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("exit: %v\n%s", err, logs.String())
		}
	}()
	// The first connection starts the daemon, which then answers it.
	checkBuild(t, getHealth(t, fmt.Sprintf("http://127.0.0.1:%d/healthz", sockPort), 30*time.Second))
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}
