package glyph

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// Development aids, off by default:
//
//	go test -run RealLinesReport -glyph.report -v ./pipeline/mrz/glyph/
//	go test -run RealLinesReport -glyph.report -glyph.dump /tmp/fail ./pipeline/mrz/glyph/
//
// The report splits the real crops by style, counts substitutions against
// insertions and deletions (a dropped or doubled cell is a segmentation
// slip, a wrong character in the right place a classification error) and
// prints the confusion pairs. -glyph.dump writes each failing crop as PNG
// with its cells outlined, to look at.
var (
	reportFlag = flag.Bool("glyph.report", false, "print the error analysis of the real line crops")
	dumpDir    = flag.String("glyph.dump", "", "write failing real crops with their cells as PNG to this directory")
	modelFile  = flag.String("glyph.model", "", "report on this model file instead of the embedded one")
)

// editOps aligns got to want and returns the substitutions (want→got
// pairs), insertions (extra characters in got) and deletions (characters
// of want missing from got).
func editOps(got, want string) (subs [][2]byte, ins, del int) {
	n, m := len(want), len(got)
	d := make([][]int, n+1)
	for i := range d {
		d[i] = make([]int, m+1)
		d[i][0] = i
	}
	for j := 0; j <= m; j++ {
		d[0][j] = j
	}
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			c := d[i-1][j-1]
			if want[i-1] != got[j-1] {
				c++
			}
			d[i][j] = min(c, d[i-1][j]+1, d[i][j-1]+1)
		}
	}
	for i, j := n, m; i > 0 || j > 0; {
		switch {
		case i > 0 && j > 0 && d[i][j] == d[i-1][j-1] && want[i-1] == got[j-1]:
			i, j = i-1, j-1
		case i > 0 && j > 0 && d[i][j] == d[i-1][j-1]+1:
			subs = append(subs, [2]byte{want[i-1], got[j-1]})
			i, j = i-1, j-1
		case i > 0 && d[i][j] == d[i-1][j]+1:
			del++
			i--
		default:
			ins++
			j--
		}
	}
	return subs, ins, del
}

// isBinary tells the crops cut from binarised document photos (two grey
// levels) from the clean renderings.
func isBinary(img *image.Gray) bool {
	var seen [256]bool
	k := 0
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for _, v := range img.Pix[(y-img.Rect.Min.Y)*img.Stride:][:img.Rect.Dx()] {
			if !seen[v] {
				seen[v] = true
				k++
			}
		}
	}
	return k <= 2
}

func TestRealLinesReport(t *testing.T) {
	if !*reportFlag && *dumpDir == "" {
		t.Skip("development report; run with -glyph.report or -glyph.dump DIR")
	}
	evalDir := linesDir()
	if _, err := os.Stat(evalDir); evalDir == "" || err != nil {
		t.Skipf("real crops not present: %v", err)
	}
	r := mustReader(t)
	if *modelFile != "" {
		data, err := os.ReadFile(*modelFile)
		if err != nil {
			t.Fatal(err)
		}
		if r, err = New(data); err != nil {
			t.Fatal(err)
		}
	}
	samples := loadSamples(t, evalDir, ".tif")
	for _, useLen := range []bool{false, true} {
		type agg struct {
			lines, exact, chars, errs, subs, ins, del, slipLines int
			took                                                 []time.Duration
		}
		styles := map[string]*agg{"binary": {}, "grey": {}}
		conf := map[[2]byte]int{}
		for _, sm := range samples {
			want := 0
			if useLen {
				want = len(sm.gt)
			}
			t0 := time.Now()
			line, err := r.ReadLine(sm.img, want)
			took := time.Since(t0)
			got := ""
			if err == nil {
				got = line.Text()
			}
			st := "grey"
			if isBinary(sm.img) {
				st = "binary"
			}
			a := styles[st]
			a.lines++
			a.took = append(a.took, took)
			a.chars += len(sm.gt)
			subs, ins, del := editOps(got, sm.gt)
			e := len(subs) + ins + del
			a.errs += e
			a.subs += len(subs)
			a.ins += ins
			a.del += del
			if ins+del > 0 {
				a.slipLines++
			}
			if e == 0 {
				a.exact++
			}
			for _, s := range subs {
				conf[s]++
			}
			if e > 0 && *reportFlag {
				t.Logf("%s %-6s sub=%d ins=%d del=%d got %q want %q", sm.name, st, len(subs), ins, del, got, sm.gt)
			}
			if e > 0 && *dumpDir != "" {
				suffix := "_0.png"
				if useLen {
					suffix = "_n.png"
				}
				if err := dumpCells(filepath.Join(*dumpDir, strings.TrimSuffix(sm.name, ".tif")+suffix), sm.img, line); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, st := range []string{"binary", "grey"} {
			a := styles[st]
			sort.Slice(a.took, func(i, j int) bool { return a.took[i] < a.took[j] })
			t.Logf("wantLen given=%v %-6s: %d lines, exact %d (%.1f%%), CER %.2f%% (%d/%d): subs %d, ins %d, del %d; lines with a slip %d; time median %v p90 %v",
				useLen, st, a.lines, a.exact, 100*float64(a.exact)/float64(max(1, a.lines)), 100*float64(a.errs)/float64(max(1, a.chars)), a.errs, a.chars, a.subs, a.ins, a.del, a.slipLines,
				a.took[len(a.took)/2].Round(10*time.Microsecond), a.took[len(a.took)*9/10].Round(10*time.Microsecond))
		}
		type pair struct {
			p [2]byte
			n int
		}
		var ps []pair
		for p, n := range conf {
			ps = append(ps, pair{p, n})
		}
		sort.Slice(ps, func(i, j int) bool {
			return ps[i].n > ps[j].n || ps[i].n == ps[j].n && string(ps[i].p[:]) < string(ps[j].p[:])
		})
		var b strings.Builder
		for _, p := range ps {
			fmt.Fprintf(&b, " %c→%c:%d", p.p[0], p.p[1], p.n)
		}
		t.Logf("wantLen given=%v confusions (truth→read):%s", useLen, b.String())
	}
}

// dumpCells writes img with each read cell's box outlined (grey) as PNG.
func dumpCells(path string, img *image.Gray, line Line) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b := img.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			v := img.GrayAt(x, y).Y
			out.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	for i, c := range line.Chars {
		col := color.RGBA{255, 0, 0, 255}
		if i%2 == 1 {
			col = color.RGBA{0, 160, 255, 255}
		}
		r := c.Box.Intersect(b)
		for x := r.Min.X; x < r.Max.X; x++ {
			out.Set(x, r.Min.Y, col)
			out.Set(x, r.Max.Y-1, col)
		}
		for y := r.Min.Y; y < r.Max.Y; y++ {
			out.Set(r.Min.X, y, col)
			out.Set(r.Max.X-1, y, col)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, out); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
