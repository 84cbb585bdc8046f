//go:build eval

package pipeline

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// evalSeed is EVAL_SEED, or the clock when it is unset.
func evalSeed(t *testing.T) uint64 {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("EVAL_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("EVAL_SEED: %v", err)
		}
		seed = v
	}
	return seed
}

// TestEval is `make eval`: EVAL_N documents (default 200) drawn from
// EVAL_SEED (default: the time), scored against the bars.
func TestEval(t *testing.T) {
	seed := evalSeed(t)
	t.Logf("seed %d, %d documents", seed, evalN())
	st := runEval(t, evalCases(newEvalEnv(t).db, evalN(), seed))
	t.Logf("\n%s", st.table())
	st.check(t, 99, 95, 1)
}

// TestEvalVaried is `make eval`'s second world: the same draw of
// documents as TestEval, each printed in another hand and captured by a
// varied scanner or phone (specimen.DrawVariation, specimen.VariedCapture)
// at strength EVAL_VARY (default 1), scored against the same bars.
// Nothing in recognition was set on these seeds.
func TestEvalVaried(t *testing.T) {
	seed := evalSeed(t)
	strength := 1.0
	if s := os.Getenv("EVAL_VARY"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v <= 0 || v > 1 {
			t.Fatalf("EVAL_VARY %q: want a number in (0, 1]", s)
		}
		strength = v
	}
	t.Logf("seed %d, %d documents, varied at strength %.2f", seed, evalN(), strength)
	cases := evalCases(newEvalEnv(t).db, evalN(), seed)
	for i := range cases {
		cases[i].vary = strength
	}
	st := runEval(t, cases)
	t.Logf("world: our renderer, varied\n%s", st.table())
	st.check(t, 99, 95, 1)
}
