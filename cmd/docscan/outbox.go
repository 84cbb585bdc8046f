package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docscan/docscan/sync/outbox"
)

const outboxUsage = `usage:
  docscan outbox ls    [-data DIR] [-wait D] [-daemon URL] [-limit N] [-json]
  docscan outbox show  [-data DIR] [-wait D] [-images DIR] SEQ
  docscan outbox purge [-data DIR] [-wait D] [-delivered] [-yes] [SEQ ...]

The outbox is DIR/outbox.db (default DIR: $DOCSCAN_DATA or /var/lib/docscan).
docscand holds it locked while it runs. Then ls asks the daemon (-daemon,
env DOCSCAN, default http://127.0.0.1:8080) to list the records, with the
API key in env DOCSCAN_API_KEY (without one, its /healthz says how many
wait); show and purge need the daemon stopped (systemctl stop docscand).
ls and show only read; purge deletes, and needs -yes when it would delete
results that were never delivered.`

// runOutbox inspects and purges the outbox of a stopped docscand.
func runOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, outboxUsage)
		return usagef("a subcommand is required: ls, show or purge")
	}
	switch args[0] {
	case "ls", "list":
		return outboxList(args[1:], stdout, stderr)
	case "show":
		return outboxShow(args[1:], stdout, stderr)
	case "purge":
		return outboxPurge(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, outboxUsage)
		return nil
	}
	fmt.Fprintln(stderr, outboxUsage)
	return usagef("unknown subcommand %q", args[0])
}

type outboxFlags struct {
	fs   *flag.FlagSet
	data *string
	wait *time.Duration
}

func newOutboxFlags(name string, stderr io.Writer) outboxFlags {
	fs := flag.NewFlagSet("outbox "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := os.Getenv("DOCSCAN_DATA")
	if def == "" {
		def = defaultDataDir
	}
	return outboxFlags{
		fs:   fs,
		data: fs.String("data", def, "the daemon's data directory (env DOCSCAN_DATA)"),
		wait: fs.Duration("wait", time.Second, "how long to wait for the file lock"),
	}
}

// parse accepts flags before and after the positional arguments.
func (f outboxFlags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(f.fs, args); err != nil {
			return nil, err
		}
		args = f.fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func (f outboxFlags) path() string { return filepath.Join(*f.data, outbox.FileName) }

// explain turns the outbox's errors into what a technician should do.
func explain(path string, err error) error {
	switch {
	case errors.Is(err, outbox.ErrLocked):
		return fmt.Errorf("%s is in use by another process, most likely docscand, which holds it while running; "+
			"stop it first (systemctl stop docscand) and run this again: %w", path, err)
	case outbox.IsNotExist(err):
		return fmt.Errorf("no outbox at %s (check -data; docscand creates it at its first start): %w", path, err)
	case errors.Is(err, outbox.ErrCorrupt):
		return fmt.Errorf("%s is damaged; docscand moves it aside and starts empty at its next start: %w", path, err)
	}
	return err
}

func outboxList(args []string, stdout, stderr io.Writer) error {
	f := newOutboxFlags("ls", stderr)
	limit := f.fs.Int("limit", 0, "list at most N records (0: all)")
	asJSON := f.fs.Bool("json", false, "one JSON object per record")
	def := os.Getenv("DOCSCAN")
	if def == "" {
		def = "http://127.0.0.1:8080"
	}
	daemonURL := f.fs.String("daemon", def, "the running docscand's API `URL` (env DOCSCAN), asked for the outbox's state when it holds the file")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("ls takes no arguments, got %q", pos)
	}
	var infos []outbox.RecordInfo
	fromDaemon := false
	r, err := outbox.OpenReadOnly(f.path(), *f.wait)
	switch {
	case errors.Is(err, outbox.ErrLocked):
		// the running daemon holds the file: it lists the records itself
		if infos, err = daemonRecords(*daemonURL, os.Getenv("DOCSCAN_API_KEY")); err != nil {
			return askDaemon(*daemonURL, f.path(), fmt.Errorf("%w (listing through the daemon: %v)", outbox.ErrLocked, err))
		}
		fromDaemon = true
	case err != nil:
		return explain(f.path(), err)
	default:
		err = r.List(func(info outbox.RecordInfo) error { infos = append(infos, info); return nil })
		r.Close()
		if err != nil {
			return explain(f.path(), err)
		}
	}
	now := time.Now()
	var pending, delivered, pendingBytes, deliveredBytes, shown int
	var oldest time.Time
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	if !*asJSON {
		fmt.Fprintln(tw, "SEQ\tSTATE\tCREATED\tAGE\tBYTES\tIMAGES\tRESULT_ID")
	}
	enc := json.NewEncoder(stdout)
	for _, info := range infos {
		state := "pending"
		if info.Delivered.IsZero() {
			pending++
			pendingBytes += info.Size
			if oldest.IsZero() || info.Created.Before(oldest) {
				oldest = info.Created
			}
		} else {
			state = "delivered"
			delivered++
			deliveredBytes += info.Size
		}
		if *limit > 0 && shown >= *limit {
			continue
		}
		shown++
		if *asJSON {
			if err := enc.Encode(map[string]any{
				"seq": info.Seq, "state": state, "result_id": info.ResultID, "created": info.Created.UTC(),
				"delivered": nullTime(info.Delivered), "bytes": info.Size, "images": info.Images,
			}); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", info.Seq, state, info.Created.UTC().Format(time.RFC3339),
			age(now.Sub(info.Created)), info.Size, imageList(info.Images), info.ResultID)
	}
	if *asJSON {
		return nil
	}
	tw.Flush()
	fmt.Fprintf(stdout, "\n%d undelivered (%d bytes", pending, pendingBytes)
	if pending > 0 {
		fmt.Fprintf(stdout, ", oldest %s ago", age(now.Sub(oldest)))
	}
	fmt.Fprintf(stdout, "), %d delivered kept for retention (%d bytes)", delivered, deliveredBytes)
	if fromDaemon {
		fmt.Fprintf(stdout, "; listed by the running docscand at %s", *daemonURL)
	} else if fi, err := os.Stat(f.path()); err == nil {
		fmt.Fprintf(stdout, "; file %s is %d bytes", f.path(), fi.Size())
	}
	fmt.Fprintln(stdout)
	return nil
}

// daemonRecords asks the running docscand for the outbox's records
// (GET /api/v1/outbox), with the API key in DOCSCAN_API_KEY.
func daemonRecords(base, key string) ([]outbox.RecordInfo, error) {
	if key == "" {
		return nil, errors.New("set DOCSCAN_API_KEY to an API key of the device to list them")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/api/v1/outbox", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Detail string `json:"detail"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e)
		return nil, fmt.Errorf("%s: %s", resp.Status, e.Detail)
	}
	var body struct {
		Records []struct {
			Seq       uint64         `json:"seq"`
			ResultID  string         `json:"result_id"`
			Created   time.Time      `json:"created"`
			Delivered *time.Time     `json:"delivered"`
			Bytes     int            `json:"bytes"`
			Images    map[string]int `json:"images"`
		} `json:"records"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(&body); err != nil {
		return nil, fmt.Errorf("the daemon's answer: %w", err)
	}
	out := make([]outbox.RecordInfo, 0, len(body.Records))
	for _, r := range body.Records {
		info := outbox.RecordInfo{Seq: r.Seq, ResultID: r.ResultID, Created: r.Created, Size: r.Bytes, Images: r.Images}
		if r.Delivered != nil {
			info.Delivered = *r.Delivered
		}
		out = append(out, info)
	}
	return out, nil
}

// askDaemon is ls's answer while docscand holds the outbox: the records
// themselves can only be read with the daemon stopped, but its /healthz
// says how many wait and in what state the outbox is.
func askDaemon(base, path string, lockErr error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/healthz", nil)
	if err != nil {
		return explain(path, lockErr)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return explain(path, lockErr)
	}
	defer resp.Body.Close()
	var h struct {
		Outbox struct {
			State  string `json:"state"`
			Detail string `json:"detail"`
		} `json:"outbox"`
		Depth *int `json:"outbox_depth"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&h); err != nil || resp.StatusCode != http.StatusOK || h.Depth == nil {
		return explain(path, lockErr)
	}
	state := h.Outbox.State
	if h.Outbox.Detail != "" {
		state += ": " + h.Outbox.Detail
	}
	return fmt.Errorf("%s is held by the running docscand, which reports %d results waiting (outbox %s; %s/healthz): %w",
		path, *h.Depth, state, strings.TrimRight(base, "/"), lockErr)
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < 48*time.Hour:
		return d.Round(time.Minute).String()
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func imageList(imgs map[string]int) string {
	if len(imgs) == 0 {
		return "-"
	}
	names := make([]string, 0, len(imgs))
	for n, size := range imgs {
		names = append(names, fmt.Sprintf("%s(%d)", n, size))
	}
	sort.Strings(names)
	return strings.Join(names, ",")
}

func outboxShow(args []string, stdout, stderr io.Writer) error {
	f := newOutboxFlags("show", stderr)
	imgDir := f.fs.String("images", "", "also write the record's images into this directory as SEQ-NAME.jpg")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("show takes one sequence number (see docscan outbox ls)")
	}
	seq, err := strconv.ParseUint(pos[0], 10, 64)
	if err != nil || seq == 0 {
		return usagef("sequence number %q: want a positive integer", pos[0])
	}
	r, err := outbox.OpenReadOnly(f.path(), *f.wait)
	if err != nil {
		return explain(f.path(), err)
	}
	defer r.Close()
	rec, err := r.Get(seq)
	if err != nil {
		return explain(f.path(), err)
	}
	state := "pending"
	if !rec.Delivered.IsZero() {
		state = "delivered " + rec.Delivered.UTC().Format(time.RFC3339)
	}
	sizes := make(map[string]int, len(rec.Images))
	for n, d := range rec.Images {
		sizes[n] = len(d)
	}
	fmt.Fprintf(stdout, "seq:       %d\nresult_id: %s\nstate:     %s\ncreated:   %s\nbytes:     %d\nimages:    %s\n",
		rec.Seq, rec.ResultID, state, rec.Created.UTC().Format(time.RFC3339Nano), rec.Size, imageList(sizes))
	var pretty bytes.Buffer
	if json.Indent(&pretty, rec.Payload, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(rec.Payload)
	}
	fmt.Fprintf(stdout, "payload:\n%s\n", pretty.Bytes())
	if *imgDir != "" {
		names := make([]string, 0, len(rec.Images))
		for n := range rec.Images {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			p := filepath.Join(*imgDir, fmt.Sprintf("%d-%s.jpg", rec.Seq, n))
			if err := os.WriteFile(p, rec.Images[n], 0o600); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s\n", p)
		}
	}
	return nil
}

func outboxPurge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newOutboxFlags("purge", stderr)
	deliveredOnly := f.fs.Bool("delivered", false, "only delivered results kept for retention")
	yes := f.fs.Bool("yes", false, "confirm deleting results that were never delivered")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	spec := outbox.PurgeSpec{DeliveredOnly: *deliveredOnly}
	for _, p := range pos {
		seq, err := strconv.ParseUint(p, 10, 64)
		if err != nil || seq == 0 {
			return usagef("sequence number %q: want a positive integer", p)
		}
		spec.Seqs = append(spec.Seqs, seq)
	}
	if _, err := os.Stat(f.path()); err != nil {
		return explain(f.path(), err)
	}
	// The daemon's own open: exclusive lock, corruption check.
	ob, err := outbox.Open(outbox.Options{Path: f.path(), LockTimeout: *f.wait})
	if err != nil {
		return explain(f.path(), err)
	}
	defer ob.Close()
	if rec := ob.Recovery(); rec != nil {
		fmt.Fprintf(stdout, "the outbox was damaged and has been moved to %s (%s)\n", rec.MovedTo, rec.Reason)
	}
	if !spec.DeliveredOnly && !*yes {
		undelivered, err := countUndelivered(ob, spec.Seqs)
		if err != nil {
			return err
		}
		if undelivered > 0 {
			return fmt.Errorf("this would delete %d results that were never delivered; add -yes to confirm (or -delivered)", undelivered)
		}
	}
	n, err := ob.Purge(ctx, spec)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "purged %d results\n", n)
	return nil
}

func countUndelivered(ob *outbox.Outbox, seqs []uint64) (int, error) {
	if len(seqs) == 0 {
		return ob.Stats().Depth, nil
	}
	want := make(map[uint64]bool, len(seqs))
	for _, s := range seqs {
		want[s] = true
	}
	n := 0
	for after := uint64(0); ; {
		recs, err := ob.Pending(after, 1000)
		if err != nil {
			return 0, err
		}
		if len(recs) == 0 {
			return n, nil
		}
		for _, r := range recs {
			if want[r.Seq] {
				n++
			}
		}
		after = recs[len(recs)-1].Seq
	}
}
