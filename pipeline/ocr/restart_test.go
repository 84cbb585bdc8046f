package ocr

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// probeEnv makes the test binary a child that restarts itself thread
// limited and prints what it then sees.
const probeEnv = "DOCSCAN_OCR_RESTART_PROBE"

func TestMain(m *testing.M) {
	if os.Getenv(probeEnv) != "" {
		err := RestartThreadLimited()
		fmt.Printf("OMP_THREAD_LIMIT=%q guard=%q err=%v\n", os.Getenv("OMP_THREAD_LIMIT"), os.Getenv(restartGuard), err)
		os.Exit(0)
	}
	// the benchmarks and tests here measure Tesseract as the daemon runs it
	if err := RestartThreadLimited(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(m.Run())
}

func TestRestartThreadLimited(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"unset: restarted with the limit", nil, `OMP_THREAD_LIMIT="1" guard="1" err=<nil>`},
		{"another limit: restarted with 1", []string{"OMP_THREAD_LIMIT=4"}, `OMP_THREAD_LIMIT="1" guard="1" err=<nil>`},
		{"set already: not restarted", []string{"OMP_THREAD_LIMIT=1"}, `OMP_THREAD_LIMIT="1" guard="" err=<nil>`},
		{"restarted once already: never again", []string{restartGuard + "=1"}, `OMP_THREAD_LIMIT="" guard="1" err=<nil>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(exe, "-test.run=^$")
			for _, kv := range os.Environ() {
				k, _, _ := strings.Cut(kv, "=")
				if k != "OMP_THREAD_LIMIT" && k != restartGuard {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(append(cmd.Env, probeEnv+"=1"), tc.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if got := strings.TrimSpace(string(out)); got != tc.want {
				t.Errorf("child says %s, want %s", got, tc.want)
			}
		})
	}
}
