// Command train builds the MRZ glyph classifier from synthetic lines
// rendered in Debian's OCR-B font, segmented by the reader's own
// segmenter, and writes the model the glyph package embeds. It is
// deterministic for a given -seed and -workers.
//
//	go run ./pipeline/mrz/glyph/train -out pipeline/mrz/glyph/model.bin
package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/docscan/docscan/pipeline/mrz/glyph"
	"github.com/docscan/docscan/pipeline/mrz/glyph/internal/mlp"
	"github.com/docscan/docscan/pipeline/mrz/glyph/internal/seg"
	"github.com/docscan/docscan/pipeline/mrz/glyph/internal/synth"
)

type config struct {
	out     string
	fontDir string
	// others are monospace fonts besides OCR-B (some MRZs are printed in
	// them), drawn for otherShare of the lines
	others     string
	otherShare float64
	seed       uint64
	lines      int
	valLines   int
	epochs     int
	hidden1    int
	hidden2    int
	workers    int
	testdata   string
}

func main() {
	var c config
	flag.StringVar(&c.out, "out", "pipeline/mrz/glyph/model.bin", "model file to write")
	flag.StringVar(&c.fontDir, "fonts", synth.DefaultFontDir, "directory of the OCR-B .otf files (Debian fonts-ocr-b)")
	flag.StringVar(&c.others, "other-fonts", "", "comma-separated monospace font files besides OCR-B, drawn for -other-share of the lines")
	flag.Float64Var(&c.otherShare, "other-share", 0.25, "share of the lines drawn in -other-fonts")
	flag.Uint64Var(&c.seed, "seed", 1, "random seed")
	flag.IntVar(&c.lines, "lines", 14000, "synthetic training lines")
	flag.IntVar(&c.valLines, "val", 400, "synthetic validation lines")
	flag.IntVar(&c.epochs, "epochs", 12, "training epochs")
	flag.IntVar(&c.hidden1, "h1", 256, "first hidden layer size")
	flag.IntVar(&c.hidden2, "h2", 128, "second hidden layer size")
	flag.IntVar(&c.workers, "workers", runtime.NumCPU(), "parallel workers")
	flag.StringVar(&c.testdata, "testdata", "", "instead of training, write rendered test crops to this directory")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	if c.testdata != "" {
		err = writeTestdata(c)
	} else {
		err = run(ctx, c)
	}
	if err != nil {
		slog.Error("train", "err", err)
		os.Exit(1)
	}
}

// dataset holds rasters quantised to bytes.
type dataset struct {
	x []uint8 // n × seg.Features
	y []int
}

func (d *dataset) add(r []float32, y int) {
	for _, v := range r {
		d.x = append(d.x, uint8(math.Round(float64(min(1, max(0, v)))*255)))
	}
	d.y = append(d.y, y)
}

func (d *dataset) len() int { return len(d.y) }

func (d *dataset) get(i int, dst []float32) {
	src := d.x[i*seg.Features : (i+1)*seg.Features]
	for k, v := range src {
		dst[k] = float32(v) / 255
	}
}

// lineSamples renders line number idx and returns its window samples.
// The line's randomness depends only on (seed, idx), so the data set does
// not depend on scheduling.
//
// The line is segmented by the reader's own segmenter, which fixes the
// band, cap height and pitch the windows are scaled by, exactly as at
// read time. Windows are then taken around the true character centres:
// within 0.15 of a cell of a centre is that character, a third of a cell
// or more off it and beyond the line's ends is "no character".
// The reader's own cells, where they land within 0.22 pitch of a centre,
// are added as that character, so the first pass sees what it was trained
// on.
func lineSamples(faces []*synth.Face, seed uint64, idx int) (*dataset, bool) {
	rng := rand.New(rand.NewPCG(seed, uint64(idx)))
	n := []int{30, 36, 44}[rng.IntN(3)]
	if rng.IntN(6) == 0 {
		n = 8 + rng.IntN(40)
	}
	text := synth.RandomText(rng, n)
	line, err := synth.Render(rng, faces, text, synth.Options{MinCap: 9, MaxCap: 60})
	if err != nil {
		return nil, false
	}
	// Half the lines are segmented with the count known, half without,
	// as the reader is called both ways.
	want := n
	if rng.IntN(2) == 0 {
		want = 0
	}
	lay, err := seg.Segment(line.Image, want)
	if err != nil || len(lay.Cells) == 0 {
		return nil, false
	}
	// A band far from the truth scales every window wrongly; the reader
	// fails on such a line anyway.
	if math.Abs(lay.Cap*lay.Scale-line.InkCap) > 0.25*line.InkCap {
		return nil, false
	}
	d := &dataset{}
	r := make([]float32, seg.Features)
	s := lay.Scale
	// True centres and cell units in work coordinates.
	tx := make([]float64, n)
	tu := make([]float64, n)
	for k, c := range line.Centres {
		tx[k] = c[0] / s
		tu[k] = line.Units[k] / s
	}
	window := func(x float64, label int) {
		lay.RasterAt(x, lay.BandY(x), r)
		d.add(r, label)
	}
	for k := 0; k < n; k++ {
		window(tx[k]+uni(rng, -0.15, 0.15)*tu[k], classOf(text[k]))
		// Off the centre by a third of a cell or more, up to the
		// neighbour's own third: no character is centred there, even
		// where fillers are set wide apart.
		if k+1 < n && rng.IntN(3) < 2 {
			if a, b := tx[k]+0.33*tu[k], tx[k+1]-0.33*tu[k+1]; b > a {
				window(uni(rng, a, b), glyph.Junk)
			}
		}
		if rng.IntN(3) == 0 {
			off := uni(rng, 0.33, 0.5) * tu[k]
			if rng.IntN(2) == 0 {
				off = -off
			}
			window(tx[k]+off, glyph.Junk)
		}
	}
	for _, c := range lay.Cells {
		for k := range tx {
			if math.Abs(c.X-tx[k]) < 0.22*tu[k] {
				window(c.X, classOf(text[k]))
				break
			}
		}
	}
	// Beyond the ends: margins, specks, the edge of the image.
	for _, end := range []struct{ k, dir int }{{0, -1}, {n - 1, 1}} {
		x := tx[end.k] + float64(end.dir)*uni(rng, 0.85, 1.8)*tu[end.k]
		if x > -0.3*tu[end.k] && x < float64(line.Image.Bounds().Dx())/s+0.3*tu[end.k] {
			window(x, glyph.Junk)
		}
	}
	return d, true
}

func uni(rng *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*rng.Float64() }

func classOf(c byte) int {
	for i := 0; i < len(glyph.Alphabet); i++ {
		if glyph.Alphabet[i] == c {
			return i
		}
	}
	return glyph.Junk
}

func build(ctx context.Context, faces []*synth.Face, seed uint64, lines, workers int) (*dataset, int, error) {
	parts := make([]*dataset, lines)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if d, ok := lineSamples(faces, seed, i); ok {
					parts[i] = d
				}
			}
		}()
	}
	for i := 0; i < lines; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			close(next)
			wg.Wait()
			return nil, 0, ctx.Err()
		}
	}
	close(next)
	wg.Wait()
	all := &dataset{}
	failed := 0
	for _, p := range parts {
		if p == nil {
			failed++
			continue
		}
		all.x = append(all.x, p.x...)
		all.y = append(all.y, p.y...)
	}
	return all, failed, nil
}

func run(ctx context.Context, c config) error {
	start := time.Now()
	faces, err := synth.LoadFaces(c.fontDir)
	if err != nil {
		return err
	}
	if c.others != "" {
		others, err := synth.LoadOtherFaces(strings.Split(c.others, ","))
		if err != nil {
			return err
		}
		faces = synth.Mix(faces, others, c.otherShare)
	}
	train, failed, err := build(ctx, faces, c.seed, c.lines, c.workers)
	if err != nil {
		return err
	}
	slog.Info("training set", "samples", train.len(), "lines", c.lines, "unsegmentable", failed, "took", time.Since(start).Round(time.Second))
	val, vfailed, err := build(ctx, faces, c.seed+1000, c.valLines, c.workers)
	if err != nil {
		return err
	}
	slog.Info("validation set", "samples", val.len(), "unsegmentable", vfailed)

	rng := rand.New(rand.NewPCG(c.seed, 99))
	net := mlp.New(rng, seg.Features, c.hidden1, c.hidden2, glyph.NumClasses)
	net.Meta = glyph.ModelMeta
	tr := &mlp.Trainer{Net: net, Momentum: 0.9, Decay: 1e-5, Smooth: 0.02, Workers: c.workers}
	const batch = 64
	order := make([]int, train.len())
	for i := range order {
		order[i] = i
	}
	xs := make([][]float32, batch)
	for i := range xs {
		xs[i] = make([]float32, seg.Features)
	}
	ys := make([]int, batch)
	steps := c.epochs * (train.len() / batch)
	step := 0
	for ep := 0; ep < c.epochs; ep++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		var loss float64
		right, seen := 0, 0
		for b := 0; b+batch <= len(order); b += batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			// Cosine learning rate from 0.05 down.
			tr.LR = float32(0.002 + 0.048*0.5*(1+math.Cos(math.Pi*float64(step)/float64(steps))))
			for k := 0; k < batch; k++ {
				train.get(order[b+k], xs[k])
				ys[k] = train.y[order[b+k]]
			}
			l, r := tr.Step(xs, ys)
			loss += l * batch
			right += r
			seen += batch
			step++
		}
		vacc := accuracy(net, val)
		slog.Info("epoch", "n", ep+1, "loss", fmt.Sprintf("%.4f", loss/float64(seen)), "train_acc", fmt.Sprintf("%.4f", float64(right)/float64(seen)), "val_acc", fmt.Sprintf("%.4f", vacc), "elapsed", time.Since(start).Round(time.Second))
	}
	data, err := net.MarshalBinary()
	if err != nil {
		return err
	}
	if err := os.WriteFile(c.out, data, 0o644); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	slog.Info("model written", "path", c.out, "bytes", len(data), "took", time.Since(start).Round(time.Second))
	return nil
}

func accuracy(net *mlp.Net, d *dataset) float64 {
	s := net.NewScratch()
	x := make([]float32, seg.Features)
	p := make([]float32, glyph.NumClasses)
	right := 0
	for i := 0; i < d.len(); i++ {
		d.get(i, x)
		net.Forward(x, s, p)
		best := 0
		for j := range p {
			if p[j] > p[best] {
				best = j
			}
		}
		if best == d.y[i] {
			right++
		}
	}
	return float64(right) / float64(max(1, d.len()))
}

// writeTestdata renders a few clean-but-realistic line crops with their
// truth, for the package's always-run accuracy test.
func writeTestdata(c config) error {
	faces, err := synth.LoadFaces(c.fontDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.testdata, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(c.seed, 4242))
	texts := []string{
		"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
		"L898902C36UTO7408122F1204159ZE184226B<<<<<10",
		"I<UTOD231458907<<<<<<<<<<<<<<<",
		"7408122F1204159UTO<<<<<<<<<<<6",
		"ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
		"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
		"D231458907UTO7408122F1204159<<<<<<<6",
		"V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
	}
	for i, t := range texts {
		l, err := synth.Render(rng, faces, t, synth.Options{MinCap: 16, MaxCap: 40, Clean: true})
		if err != nil {
			return err
		}
		base := filepath.Join(c.testdata, fmt.Sprintf("synth%02d", i))
		if err := writePNG(base+".png", l.Image); err != nil {
			return err
		}
		if err := os.WriteFile(base+".gt.txt", []byte(t+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writePNG(path string, img *image.Gray) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
