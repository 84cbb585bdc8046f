package quality

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// String lists the thresholds as Set takes them, e.g.
// "max_edge_width_mm=0.7,max_glare=0.05,...".
func (t *Thresholds) String() string {
	if t == nil {
		return ""
	}
	v := reflect.ValueOf(*t)
	parts := make([]string, 0, v.NumField())
	for i := range v.NumField() {
		parts = append(parts, v.Type().Field(i).Tag.Get("json")+"="+strconv.FormatFloat(v.Field(i).Float(), 'g', -1, 64))
	}
	return strings.Join(parts, ",")
}

// Set sets thresholds from "name=value,..." (the names of the JSON
// tags), leaving the others as they are, so that a flag may say
// -quality min_dpi=150,max_glare=0.02. The result must Validate.
func (t *Thresholds) Set(s string) error {
	v := reflect.ValueOf(t).Elem()
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		name, val, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("%w: %q is not name=value", ErrThresholds, kv)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrThresholds, name, err)
		}
		found := false
		for i := range v.NumField() {
			if v.Type().Field(i).Tag.Get("json") == strings.TrimSpace(name) {
				v.Field(i).SetFloat(f)
				found = true
			}
		}
		if !found {
			return fmt.Errorf("%w: no threshold %q (one of %s)", ErrThresholds, name, Default().names())
		}
	}
	return t.Validate()
}

func (t Thresholds) names() string {
	ty := reflect.TypeOf(t)
	out := make([]string, ty.NumField())
	for i := range out {
		out[i] = ty.Field(i).Tag.Get("json")
	}
	return strings.Join(out, ", ")
}
