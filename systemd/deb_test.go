package systemd

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDebContents checks the amd64 package that `make deb` builds: its
// control fields, the files it lays down with their modes, that the
// packaged units and config are the ones in this directory, and that the
// maintainer scripts parse.
func TestDebContents(t *testing.T) {
	b := debBuild(t)
	field := func(name string) string {
		out, err := exec.Command("dpkg-deb", "-f", b.deb, name).Output()
		if err != nil {
			t.Fatalf("dpkg-deb -f %s: %v", name, err)
		}
		return strings.TrimSpace(string(out))
	}
	if got := field("Package"); got != "docscan" {
		t.Errorf("Package: %s", got)
	}
	if got := field("Version"); got != debVersion {
		t.Errorf("Version: %s, want %s (from VERSION=%s)", got, debVersion, testVersion)
	}
	if got := field("Architecture"); got != "amd64" {
		t.Errorf("Architecture: %s", got)
	}
	deps := map[string]bool{}
	for _, d := range strings.Split(field("Depends"), ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(d), " ")
		deps[name] = true
	}
	for _, want := range []string{"libc6", "libtesseract5", "tesseract-ocr-eng", "tesseract-ocr-rus", "tesseract-ocr-kaz", "adduser"} {
		if !deps[want] {
			t.Errorf("Depends lacks %s: %s", want, field("Depends"))
		}
	}

	files := map[string]os.FileMode{
		binDaemon:                  0o755,
		binCLI:                     0o755,
		unitDir + "/" + serviceSrc: 0o644,
		unitDir + "/" + socketSrc:  0o644,
		confPath:                   0o644, // 0640 root:docscan by statoverride in postinst
		"/lib/udev/rules.d/60-docscan-gpio.rules": 0o644,
		"/usr/share/doc/docscan/copyright":        0o644,
	}
	// The docs the service's Documentation= names are in the package.
	for _, doc := range strings.Fields(loadUnit(t, serviceSrc).one(t, "Unit", "Documentation")) {
		path, ok := strings.CutPrefix(doc, "file:")
		if !ok {
			t.Errorf("Documentation=%s: not a file: link", doc)
			continue
		}
		files[path] = 0o644
	}
	for path, mode := range files {
		st, err := os.Lstat(filepath.Join(b.root, path))
		if err != nil {
			t.Errorf("the package lacks %s", path)
			continue
		}
		if st.Mode() != mode {
			t.Errorf("%s: mode %s, want %s", path, st.Mode(), mode)
		}
	}
	for src, dst := range map[string]string{serviceSrc: unitDir + "/" + serviceSrc, socketSrc: unitDir + "/" + socketSrc, configSrc: confPath} {
		if readFile(t, src) != readFile(t, filepath.Join(b.root, dst)) {
			t.Errorf("packaged %s differs from %s", dst, src)
		}
	}

	ctl := filepath.Join(t.TempDir(), "DEBIAN")
	if out, err := exec.Command("dpkg-deb", "-e", b.deb, ctl).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -e: %v: %s", err, out)
	}
	if got := strings.TrimSpace(readFile(t, filepath.Join(ctl, "conffiles"))); got != confPath {
		t.Errorf("conffiles: %q, want %s", got, confPath)
	}
	for _, script := range []string{"postinst", "prerm", "postrm"} {
		path := filepath.Join(ctl, script)
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("%s: %v", script, err)
			continue
		}
		if out, err := exec.Command("sh", "-n", path).CombinedOutput(); err != nil {
			t.Errorf("sh -n %s: %v: %s", script, err, out)
		}
		if _, err := exec.LookPath("shellcheck"); err == nil {
			if out, err := exec.Command("shellcheck", "-s", "sh", path).CombinedOutput(); err != nil {
				t.Errorf("shellcheck %s: %s", script, out)
			}
		}
	}
}

// container is a throwaway copy of this machine's own Debian system: an
// overlay with / below and a temporary directory above, run with
// systemd-nspawn (private network, nothing registered). It is how the
// package's maintainer scripts run for real and how the unit runs under
// a real systemd, without touching the machine.
type container struct {
	dir, name string
}

func newContainer(t *testing.T) *container {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not booting a container")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts an overlay and runs systemd-nspawn")
	}
	if _, err := exec.LookPath("systemd-nspawn"); err != nil {
		t.Skip("systemd-nspawn is not installed (Debian package systemd-container)")
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "docscan").Output(); err == nil && strings.Contains(string(out), "installed") {
		t.Skip("docscan is installed on this machine; the container would start from it")
	}
	base := t.TempDir()
	c := &container{dir: filepath.Join(base, "root"), name: fmt.Sprintf("docscan-test-%d", os.Getpid())}
	for _, d := range []string{"upper", "work", "root"} {
		if err := os.Mkdir(filepath.Join(base, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	opts := fmt.Sprintf("lowerdir=/,upperdir=%s/upper,workdir=%s/work", base, base)
	if err := syscall.Mount("overlay", c.dir, "overlay", 0, opts); err != nil {
		t.Skipf("cannot mount an overlay of / here: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(c.dir, 0); err != nil {
			_ = syscall.Unmount(c.dir, syscall.MNT_DETACH)
		}
		// nspawn leaves this directory behind when /run is not a tmpfs.
		os.RemoveAll("/run/systemd/nspawn/propagate/" + c.name)
	})
	if out, err := c.run(t, 60*time.Second, nil, "/bin/true"); err != nil {
		t.Skipf("systemd-nspawn cannot run a container here: %v\n%s", err, out)
	}
	return c
}

// run runs a command in the container, or boots it when argv is nil.
func (c *container) run(t *testing.T, timeout time.Duration, extra []string, argv ...string) (string, error) {
	t.Helper()
	args := []string{"--register=no", "--keep-unit", "--link-journal=no", "--private-network",
		"--quiet", "--machine=" + c.name, "-D", c.dir}
	args = append(args, extra...)
	args = append(append(args, "--"), argv...)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "systemd-nspawn", args...)
	// SIGTERM asks a booted container to power off.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 20 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %s: %w", timeout, err)
	}
	return string(out), err
}

// sh runs a shell script in the container and returns its KEY=value lines.
func (c *container) sh(t *testing.T, script string) map[string]string {
	t.Helper()
	out, err := c.run(t, 2*time.Minute, nil, "/bin/sh", "-c", script)
	if err != nil {
		t.Fatalf("in the container: %v\n%s", err, out)
	}
	return facts(out)
}

func (c *container) writeFile(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	full := filepath.Join(c.dir, path)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}

func facts(out string) map[string]string {
	f := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.ContainsAny(k, " \t") {
			f[k] = strings.TrimSpace(v)
		}
	}
	return f
}

func expectFacts(t *testing.T, stage string, got, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s=%q, want %q", stage, k, got[k], v)
		}
	}
}

// testAPIKey is an unlimited key in the container's config.
const testAPIKey = "systemd-test-key-0123456789-0123456789-0123456789"

// checkScript runs inside the booted container once docscand has started.
const checkScript = `#!/bin/sh
KEY=` + testAPIKey + `
show() { systemctl show docscand -p "$1" --value; }
{
echo "state1=$(show ActiveState)"
echo "restarts1=$(show NRestarts)"
pid=$(show MainPID)
sleep 3   # WatchdogSec=4s: a ping every 2 s
echo "watchdog_ts=$(show WatchdogTimestampMonotonic)"
echo "healthz_code=$(curl -s -o /out/healthz.json -w '%{http_code}' http://127.0.0.1:8080/healthz)"
scan() { side=$1; shift; curl -s -o "/out/$side.json" -w '%{http_code}' http://127.0.0.1:8080/api/v1/scan -d "api_key=$KEY" -d country_code=kz -d "side=$side" "$@"; }
echo "front_code=$(scan front)"
echo "back_code=$(scan back -d "scan_id=$(sed -n 's/.*"scan_id": *"\([^"]*\)".*/\1/p' /out/front.json)")"
grep -E '^(Uid|Groups|NoNewPrivs|Seccomp|CapEff|CapBnd):' /proc/$pid/status | sed -e 's/:[[:space:]]*/=/' -e 's/[[:space:]]*$//' -e 's/[[:space:]]\{1,\}/ /g'
echo "docscan_uid=$(id -u docscan)"
echo "video_gid=$(getent group video | cut -d: -f3)"
echo "gpio_gid=$(getent group gpio | cut -d: -f3)"
echo "statedir=$(stat -c '%U %a' /var/lib/docscan)"
echo "outbox=$(test -e /var/lib/docscan/outbox.db && echo yes)"
systemd-analyze security docscand.service >/out/security.txt 2>&1
systemctl kill -s SIGKILL docscand
i=0
while [ $i -lt 40 ] && ! { [ "$(show NRestarts)" = 1 ] && [ "$(show ActiveState)" = active ]; }; do sleep 0.5; i=$((i+1)); done
echo "restarts2=$(show NRestarts)"
echo "state2=$(show ActiveState)"
systemctl stop docscand
echo "state3=$(show ActiveState)"
echo "result3=$(show Result)"
} >/out/facts.txt 2>&1
journalctl -u docscand --no-pager -o cat >/out/journal.txt 2>&1
systemctl poweroff
`

// TestUnderSystemd installs the amd64 package into a container of this
// machine's Debian with dpkg (so postinst really creates the user, the
// group and the file modes, and enables the unit), boots the container's
// systemd, and checks the unit as systemd runs it: ready, serving the
// build's version, pinging the watchdog, sandboxed (user, groups, no
// capabilities, seccomp, no new privileges), restarted after SIGKILL with
// the LEDs switched off by ExecStopPost, stopped cleanly; and the exposure
// score of the running unit. Then upgrade, remove and purge: the data
// stays until purge.
//
// Two settings differ from the shipped ones, in a drop-in: the watchdog
// interval is 4 s (to see a ping quickly), and ExecStopPost has -hal sim,
// since `docscan lights` drives the GPIO lines unless told otherwise. The
// config is the shipped one with the simulated board and camera.
func TestUnderSystemd(t *testing.T) {
	b := debBuild(t)
	c := newContainer(t)
	c.writeFile(t, "/srv/docscan.deb", readFile(t, b.deb), 0o644)

	got := c.sh(t, `set -e
dpkg -i /srv/docscan.deb >/dev/null
echo "user=$(id -un docscan)"
echo "gpio=$(getent group gpio >/dev/null && echo yes)"
echo "confdir=$(stat -c '%U:%G %a' /etc/docscan)"
echo "conf=$(stat -c '%U:%G %a' /etc/docscan/docscand.yaml)"
echo "enabled=$(readlink /etc/systemd/system/multi-user.target.wants/docscand.service)"
echo "socket_enabled=$(test -e /etc/systemd/system/sockets.target.wants/docscand.socket && echo yes || echo no)"
echo "status=$(dpkg-query -W -f='${Status}' docscan)"
`)
	expectFacts(t, "install", got, map[string]string{
		"user": "docscan", "gpio": "yes",
		"confdir": "root:docscan 750", "conf": "root:docscan 640",
		"enabled": unitDir + "/" + serviceSrc, "socket_enabled": "no",
		"status": "install ok installed",
	})

	// A genuine Kazakh ID card on the simulated glass, rendered by the
	// packaged CLI.
	if out, err := exec.Command(filepath.Join(b.root, binCLI), "specimen", "-type", "kz-id-2014",
		"-out", filepath.Join(c.dir, "srv/glass"), "-seed", "1").CombinedOutput(); err != nil {
		t.Fatalf("docscan specimen: %v\n%s", err, out)
	}
	var truth struct {
		Person struct {
			LastName string `json:"last_name"`
		} `json:"person"`
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(c.dir, "srv/glass/truth.json"))), &truth); err != nil {
		t.Fatal(err)
	}
	conf := swapText(t, readFile(t, configSrc), map[string]string{
		"hal: gpio":                "hal: sim ",
		"camera: v4l2:/dev/video0": "camera: sim",
		"api-key: []":              "api-key: [" + testAPIKey + "]",
	}) + "sim-doc: /srv/glass\n"
	c.writeFile(t, confPath, conf, 0o640)
	_, post, err := splitCommand(loadUnit(t, serviceSrc).one(t, "Service", "ExecStopPost"))
	if err != nil {
		t.Fatal(err)
	}
	c.writeFile(t, "/etc/systemd/system/docscand.service.d/test.conf", fmt.Sprintf(
		"[Service]\nWatchdogSec=4s\nExecStopPost=\nExecStopPost=%s -hal sim\n", strings.Join(post, " ")), 0o644)
	c.writeFile(t, "/etc/systemd/system/docscan-test.target",
		"[Unit]\nDescription=docscan test\nWants=docscand.service docscan-check.service\n", 0o644)
	c.writeFile(t, "/etc/systemd/system/docscan-check.service",
		"[Unit]\nAfter=docscand.service\n[Service]\nType=oneshot\nExecStart=/bin/sh /srv/check.sh\n", 0o644)
	c.writeFile(t, "/srv/check.sh", checkScript, 0o755)

	out := t.TempDir()
	bootLog, err := c.run(t, 3*time.Minute, []string{"--bind=" + out + ":/out", "-b"}, "--unit=docscan-test.target")
	if err != nil {
		t.Fatalf("booting the container: %v\n%s", err, tail(bootLog, 40))
	}
	fb, err := os.ReadFile(filepath.Join(out, "facts.txt"))
	if err != nil {
		t.Fatalf("the check did not run: %v\n%s", err, tail(bootLog, 40))
	}
	got = facts(string(fb))
	journal, _ := os.ReadFile(filepath.Join(out, "journal.txt"))
	defer func() {
		if t.Failed() {
			t.Logf("facts:\n%s\njournal:\n%s", fb, tail(string(journal), 60))
		}
	}()

	expectFacts(t, "running", got, map[string]string{
		"state1": "active", "restarts1": "0", "healthz_code": "200",
		"front_code": "200", "back_code": "200",
		"NoNewPrivs": "1", "Seccomp": "2",
		"CapEff": "0000000000000000", "CapBnd": "0000000000000000",
		"statedir": "docscan 750", "outbox": "yes",
		"restarts2": "1", "state2": "active",
		"state3": "inactive", "result3": "success",
	})
	if ts := got["watchdog_ts"]; ts == "" || ts == "0" {
		t.Errorf("no watchdog ping recorded (WatchdogTimestampMonotonic=%q)", ts)
	}
	if uid := strings.Fields(got["Uid"]); len(uid) == 0 || uid[0] != got["docscan_uid"] {
		t.Errorf("runs as uid %q, want docscan's %s", got["Uid"], got["docscan_uid"])
	}
	groups := strings.Fields(got["Groups"])
	for _, g := range []string{got["video_gid"], got["gpio_gid"]} {
		if g == "" || !slices.Contains(groups, g) {
			t.Errorf("supplementary groups %q lack %q (video, gpio)", groups, g)
		}
	}
	var h healthBuild
	if data, err := os.ReadFile(filepath.Join(out, "healthz.json")); err != nil || json.Unmarshal(data, &h) != nil {
		t.Errorf("healthz: %v: %s", err, data)
	} else {
		checkBuild(t, h)
	}

	// Recognition inside the sandbox: Tesseract with its language data
	// (the last name) and the embedded MRZ model (the MRZ), under
	// MemoryDenyWriteExecute and the system-call filter.
	var front struct {
		LastName string `json:"last_name"`
	}
	var back struct {
		MRZ *struct {
			Valid bool `json:"valid"`
		} `json:"mrz"`
		DocumentType map[string]struct {
			ID int64 `json:"id"`
		} `json:"document_type"`
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, "front.json"))), &front); err != nil {
		t.Errorf("front scan: %v", err)
	} else if front.LastName != truth.Person.LastName {
		t.Errorf("front scan: the last name was not read right (Tesseract under the sandbox)")
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, "back.json"))), &back); err != nil {
		t.Errorf("back scan: %v", err)
	} else {
		if back.MRZ == nil || !back.MRZ.Valid {
			t.Errorf("back scan: no valid MRZ (the embedded model under the sandbox)")
		}
		if back.DocumentType["frontside"].ID != -1040772594 || back.DocumentType["backside"].ID != -1040772430 {
			t.Errorf("back scan: document types %+v", back.DocumentType)
		}
	}

	// After the SIGKILL, ExecStopPost switched the LEDs off; and again
	// after the stop.
	j := string(journal)
	kill := strings.Index(j, "status=9/KILL")
	if kill < 0 {
		t.Errorf("the journal shows no SIGKILL")
	} else if !strings.Contains(j[kill:], "all LEDs off (white-top=GPIO17") {
		t.Errorf("ExecStopPost did not switch the LEDs off after SIGKILL")
	}
	if n := strings.Count(j, "all LEDs off (white-top="); n != 2 {
		t.Errorf("ExecStopPost ran %d times, want 2 (after the kill and after the stop)", n)
	}
	sec, err := os.ReadFile(filepath.Join(out, "security.txt"))
	if err != nil {
		t.Error(err)
	} else {
		checkExposure(t, "running manager", string(sec))
	}

	// Upgrade (the same package again: postinst runs as for an upgrade),
	// remove, purge.
	got = c.sh(t, `set -e
dpkg -i /srv/docscan.deb >/dev/null
echo "upgrade_data=$(test -e /var/lib/docscan/outbox.db && echo kept)"
echo "upgrade_conf=$(grep -c '^hal: sim' /etc/docscan/docscand.yaml)"
dpkg -r docscan >/dev/null
echo "remove_data=$(test -e /var/lib/docscan/outbox.db && echo kept)"
echo "remove_conf=$(test -e /etc/docscan/docscand.yaml && echo kept)"
echo "remove_bin=$(test -e /usr/bin/docscand && echo present || echo gone)"
dpkg -P docscan >/dev/null
echo "purge_data=$(test -e /var/lib/docscan && echo present || echo gone)"
echo "purge_etc=$(test -e /etc/docscan/docscand.yaml && echo present || echo gone)"
echo "purge_overrides=$(dpkg-statoverride --list | grep -c /etc/docscan || true)"
echo "purge_mask=$(test -L /etc/systemd/system/docscand.service && echo present || echo gone)"
echo "purge_enabled=$(test -L /etc/systemd/system/multi-user.target.wants/docscand.service && echo present || echo gone)"
echo "purge_user=$(id -un docscan)"
`)
	expectFacts(t, "upgrade, remove, purge", got, map[string]string{
		"upgrade_data": "kept", "upgrade_conf": "1",
		"remove_data": "kept", "remove_conf": "kept", "remove_bin": "gone",
		"purge_data": "gone", "purge_etc": "gone", "purge_overrides": "0",
		"purge_mask": "gone", "purge_enabled": "gone", "purge_user": "docscan",
	})
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
