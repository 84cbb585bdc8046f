//go:build eval

package pipeline

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// TestEval is `make eval`: EVAL_N documents (default 200) drawn from
// EVAL_SEED (default: the time), scored against the bars.
func TestEval(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("EVAL_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("EVAL_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d, %d documents", seed, evalN())
	st := runEval(t, evalCases(newEvalEnv(t).db, evalN(), seed))
	t.Logf("\n%s", st.table())
	st.check(t, 99, 95, 1)
}
