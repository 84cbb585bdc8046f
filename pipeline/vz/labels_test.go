package vz

import (
	"testing"

	"github.com/docscan/docscan/typedb"
)

// TestIsLabel: a label read where a value should be (alone, as the
// bilingual pair, misread a little) is known for one; values are not.
func TestIsLabel(t *testing.T) {
	db, err := typedb.Default()
	if err != nil {
		t.Fatal(err)
	}
	front := db.Document("kz-id-2014")[0]
	back := db.Document("kz-id-2014")[1]
	for _, c := range []struct {
		typ  *typedb.Type
		v    string
		want bool
	}{
		{front, "ТЕГІ ФАМИЛИЯ", true},
		{front, "ТЕГІ / ФАМИЛИЯ", true},
		{front, "АТЫ ИМЯ", true},
		{front, "ӘКЕСІНІҢ АТЫ ОТЧЕСТВО", true},
		{front, "ӘКЕСІНІҢ АТЫ ОТЧЕСТВ", true}, // a letter lost
		{back, "БЕРГЕН ОРГАН / ОРГАН ВЫДАЧИ", true},
		{front, "НОВИКОВ", false},
		{front, "СЕРГЕЙ", false},
		{front, "ИВАНОВИЧ", false},
		{back, "МВД РК", false},
		{back, "МЮ РК", false},
		{front, "08.09.2006", false},
	} {
		if got := isLabel(c.typ, c.v); got != c.want {
			t.Errorf("isLabel(%q) = %v, want %v", c.v, got, c.want)
		}
	}
}
