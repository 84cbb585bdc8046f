package outbox

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash tests re-execute the test binary as a writer child (the usual
// helper-process pattern) and kill it with SIGKILL.
const childEnv = "OUTBOX_CRASH_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(crashChild())
	}
	os.Exit(m.Run())
}

// crashChild writes results from several goroutines as fast as it can.
// After a Put returns it logs "P id" to the put log, and before it acks a
// result (as the uplink does on PUBACK) it logs "D id" to the delivery
// log; both logs are fsync'd before the logged step counts.
func crashChild() int {
	dir, prefix := os.Getenv("OUTBOX_DIR"), os.Getenv("OUTBOX_PREFIX")
	o, err := Open(Options{Path: filepath.Join(dir, FileName), SweepEvery: 10 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		return 3
	}
	puts := openLog(filepath.Join(dir, "puts.log"))
	deliveries := openLog(filepath.Join(dir, "deliveries.log"))
	done := make(chan string, 4096)
	go func() { // group the put log's fsyncs too
		w := bufio.NewWriter(puts)
		for id := range done {
			fmt.Fprintf(w, "P %s\n", id)
			for more := true; more; {
				select {
				case id := <-done:
					fmt.Fprintf(w, "P %s\n", id)
				default:
					more = false
				}
			}
			w.Flush()
			puts.Sync()
		}
	}()
	go func() { // the deliverer
		for {
			recs, err := o.Pending(0, 50)
			if err != nil || len(recs) == 0 {
				time.Sleep(time.Millisecond)
				continue
			}
			var b strings.Builder
			seqs := make([]uint64, len(recs))
			for i, r := range recs {
				fmt.Fprintf(&b, "D %s\n", r.ResultID)
				seqs[i] = r.Seq
			}
			deliveries.WriteString(b.String())
			deliveries.Sync()
			o.Ack(context.Background(), seqs...)
		}
	}()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id := fmt.Sprintf("%s-g%d-%d", prefix, g, i)
				e := entry(id, 300+rand.IntN(3000))
				if _, err := o.Put(context.Background(), e); err != nil {
					fmt.Fprintln(os.Stderr, "child put:", err)
					os.Exit(4)
				}
				done <- id
			}
		}()
	}
	wg.Wait()
	return 0
}

func openLog(path string) *os.File {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(5)
	}
	return f
}

// readLog returns the ids of complete lines with the given tag.
func readLog(t *testing.T, path, tag string) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[string]bool{}
	s := string(b)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[:i] // a torn last line was never fsync'd as a whole
	} else {
		s = ""
	}
	for _, line := range strings.Split(s, "\n") {
		if id, ok := strings.CutPrefix(line, tag+" "); ok {
			out[id] = true
		}
	}
	return out
}

func startChild(t *testing.T, dir, prefix string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "OUTBOX_DIR="+dir, "OUTBOX_PREFIX="+prefix)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestKill9DuringHeavyWrites kills the writer at random moments, 50 times
// over the same file, and checks after each kill that the file opens
// cleanly and that every result whose Put returned is stored or was
// handed over for delivery.
func TestKill9DuringHeavyWrites(t *testing.T) {
	rounds := 50
	if testing.Short() {
		rounds = 10
	}
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	totalPuts, totalDelivered := 0, 0
	for round := 0; round < rounds; round++ {
		cmd := startChild(t, dir, fmt.Sprintf("r%d", round))
		// From process start: some kills land while the child is still
		// opening (and validating) the file, most during writes.
		time.Sleep(time.Duration(20+rng.IntN(130)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: child ended on its own: %v", round, err)
		}

		o, err := Open(Options{Path: path})
		if err != nil {
			t.Fatalf("round %d: reopen after kill -9: %v", round, err)
		}
		if o.Recovery() != nil {
			t.Fatalf("round %d: file reported corrupt after kill -9: %+v", round, o.Recovery())
		}
		if d := o.Stats().Drops[DropCorrupt]; d != 0 {
			t.Fatalf("round %d: %d unreadable records", round, d)
		}
		stored := map[string]bool{}
		for after := uint64(0); ; {
			recs, err := o.Pending(after, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) == 0 {
				break
			}
			for _, r := range recs {
				stored[r.ResultID] = true
			}
			after = recs[len(recs)-1].Seq
		}
		o.Close()
		puts := readLog(t, filepath.Join(dir, "puts.log"), "P")
		delivered := readLog(t, filepath.Join(dir, "deliveries.log"), "D")
		for id := range puts {
			if !stored[id] && !delivered[id] {
				t.Fatalf("round %d: result %s was acknowledged to its writer but is neither stored nor delivered", round, id)
			}
		}
		totalPuts, totalDelivered = len(puts), len(delivered)
	}
	if totalPuts < rounds*10 {
		t.Fatalf("only %d results answered over %d rounds; the test did not load the outbox", totalPuts, rounds)
	}
	t.Logf("%d rounds: %d answered results checked, %d handed to delivery", rounds, totalPuts, totalDelivered)
}
