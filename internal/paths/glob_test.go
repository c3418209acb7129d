package paths

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "", true},
		{"*", "anything", true},
		{"", "", true},
		{"", "a", false},
		{"?", "", false},
		{"?", "a", true},
		{"?", "é", true}, // one character, two bytes
		{"??", "é", false},
		{"Domain.*", "DOMAIN.ABC", true},
		{"domain.*", "Domain.", true},
		{"Domain.*", "Domain", false},
		{"Resync.cfg", "RESYNC.CFG", true},
		{"RESYNC.CFG", "resync.cfg", true},
		{"Resync.cf?", "Resync.cfG", true},
		{"Resync.cf?", "Resync.cf", false},
		{"*.cfg", "ABC0001F.CFG", true},
		{"*.cfg", "ABC0001F.cfg.bak", false},
		{"*cfg*", "x.CFG.bak", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYYcZ", false},
		{"a*b*c", "abc", true},
		{"*a*a*a", "aaaa", true},
		{"*a*a*a", "aa", false},
		{"**", "x", true},
		{"*?", "", false},
		{"*?", "x", true},
		{"[ab]", "[ab]", true}, // no character classes
		{"[ab]", "a", false},
		{`a\*`, `a\xyz`, true}, // backslash is not an escape
		{`a\*`, `ab`, false},
		{"Ä*", "äbc", true},
		// A literal `*` in a name (allowed outside Windows) must not stop
		// the pattern's `*` from being a wildcard.
		{"*a", "*ba", true},
		{"*.cfg", "*x.cfg", true},
		{"a*b", "a*xb", true},
		{"?b", "*b", true},
	}
	for _, tt := range tests {
		if got := Match(tt.pattern, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}
