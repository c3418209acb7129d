package record

import (
	"strings"
	"testing"
)

func TestProblem(t *testing.T) {
	mk := func(id string) Entry {
		var e Entry
		copy(e.Raw[:], id)
		return e
	}
	tests := []struct {
		name    string
		e       Entry
		id      string
		problem string
	}{
		{"valid 8 chars", mk("ABC0001F"), "ABC0001F", ""},
		{"valid 1 char", mk("a"), "a", ""},
		{"valid 15 chars", mk("ABCDEFGHIJKLMNO"), "ABCDEFGHIJKLMNO", ""},
		{"empty", mk(""), "", "SMSID is empty"},
		{"slash", mk("ABC/001F"), "ABC/001F", "SMSID has byte 0x2F at position 3"},
		{"16 chars no NUL", mk("ABCDEFGHIJKLMNOP"), "ABCDEFGHIJKLMNOP", "SMSID fills all 16 bytes with no NUL terminator"},
		{"garbage after NUL", mk("ABC\x00X"), "ABC", "SMSID field has non-NUL byte 0x58 at position 4 after its end"},
		{"latin1", mk("AB\xe9"), "AB\u00e9", "SMSID has byte 0xE9 at position 2"},
		{"space", mk("AB C"), "AB C", "SMSID has byte 0x20 at position 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.SmsID(); got != tt.id {
				t.Errorf("SmsID = %q, want %q", got, tt.id)
			}
			if got := tt.e.Problem(); got != tt.problem {
				t.Errorf("Problem = %q, want %q", got, tt.problem)
			}
			if tt.e.Valid() != (tt.problem == "") {
				t.Errorf("Valid disagrees with Problem")
			}
		})
	}
}

func TestMakeTimeExtraHex(t *testing.T) {
	e := Make("ABC0001F", 0xFFFFFFFF, []byte{1, 2, 3})
	if e.Time() != 0xFFFFFFFF {
		t.Fatalf("Time = %d", e.Time())
	}
	if got := e.ExtraHex(); got != "010203"+strings.Repeat("00", ExtraSize-3) {
		t.Fatalf("ExtraHex = %s", got)
	}
	back, err := ParseHex(strings.ToUpper(e.Hex()))
	if err != nil || back != e {
		t.Fatalf("ParseHex round trip: %v", err)
	}
	if _, err := ParseHex("abc"); err == nil {
		t.Fatal("short hex accepted")
	}
	if _, err := ParseHex(strings.Repeat("zz", Size)); err == nil {
		t.Fatal("non-hex accepted")
	}
}

func TestValidSMSID(t *testing.T) {
	for s, want := range map[string]bool{
		"ABC0001F": true, "a": true, "ABCDEFGHIJKLMNO": true,
		"": false, "ABCDEFGHIJKLMNOP": false, "ABC-1": false, "ABC 1": false, "ABC\x00": false,
	} {
		if got := ValidSMSID(s); got != want {
			t.Errorf("ValidSMSID(%q) = %v, want %v", s, got, want)
		}
	}
}
