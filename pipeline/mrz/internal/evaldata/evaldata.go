// Package evaldata locates the MRZ evaluation sets for tests: the
// directory named by $MRZ_EVAL_DIR, else shared/eval/mrz beside the
// repository (CI clones the repository next to a copy of shared/).
package evaldata

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Env is the environment variable that overrides the location.
const Env = "MRZ_EVAL_DIR"

// Dir returns the evaluation folder (holding passporteye/, imagejs/ and
// lines/), or an error saying where it looked.
func Dir() (string, error) {
	if d := os.Getenv(Env); d != "" {
		if _, err := os.Stat(d); err != nil {
			return "", fmt.Errorf("$%s=%s: %w", Env, d, err)
		}
		return d, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	d := filepath.Join(filepath.Dir(root), "shared", "eval", "mrz")
	if _, err := os.Stat(d); err != nil {
		return "", fmt.Errorf("%s (set $%s): %w", d, Env, err)
	}
	return d, nil
}

// repoRoot walks up from the working directory to the folder with go.mod.
func repoRoot() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", errors.New("no go.mod above the working directory")
		}
		d = up
	}
}
