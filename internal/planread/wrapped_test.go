package planread

import "testing"

// TestReadWrapped: Wrapped is set for the 5.1 {"value":...,"Count":N}
// wrapper only, so that apply and check --plan can warn about the trap.
func TestReadWrapped(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{`{"value":[{"Action":"DeleteFile"}],"Count":1}`, true},
		{`{"Count":0,"VALUE":null}`, true},
		{`{"value":{"Action":"DeleteFile"},"Count":1}`, true},
		{`[{"Action":"DeleteFile"}]`, false},
		{`{"Action":"DeleteFile"}`, false},
		{`{"Action":"DeleteFile","value":1}`, false}, // a row with an extra field, not the wrapper
		{"Action\nDeleteFile\n", false},
		{"", false},
	}
	for _, c := range cases {
		p, err := readString(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if p.Wrapped != c.want {
			t.Errorf("%s: Wrapped = %v, want %v", c.in, p.Wrapped, c.want)
		}
	}
	for _, f := range fixtures {
		p := readFixture(t, f.name)
		want := f.name == "ps51-wrapper.json" || f.name == "ps51-wrapper-empty.json"
		if p.Wrapped != want {
			t.Errorf("%s: Wrapped = %v, want %v", f.name, p.Wrapped, want)
		}
	}
}
