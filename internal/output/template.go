package output

// Template formats rec as Append does and cuts the text where rec's Plain
// and Digits fields go (its holes). A record of the same shape (the same
// fields written the same way, other than the holes' bytes) formats as
// parts[0], the first hole's bytes, parts[1], the second hole's bytes, and
// so on. The holes' bytes are the same in every format: JSON's quotes around
// a Plain field, the field names and separators are in the parts.
//
// A record kind that writes one shape again and again (dump's valid
// entries) formats it once this way and then writes each record as one copy
// per part and per hole, with no call per field; its tests hold that to
// Append.
func (f *Formatter) Template(rec Fielder) (parts [][]byte) {
	var holes []int
	if f.csv != nil {
		f.csv.holes = &holes
		defer func() { f.csv.holes = nil }()
	} else {
		f.json.holes = &holes
		defer func() { f.json.holes = nil }()
	}
	b := f.Append(nil, rec)
	at := 0
	for i := 0; i < len(holes); i += 2 {
		parts = append(parts, b[at:holes[i]:holes[i]])
		at = holes[i+1]
	}
	return append(parts, b[at:len(b):len(b)])
}

// appendHole appends a Plain or Digits field's text to b; while a Template
// is cut, it also notes where that text starts and ends.
func appendHole(b, text []byte, holes *[]int) []byte {
	if holes != nil {
		*holes = append(*holes, len(b), len(b)+len(text))
	}
	return append(b, text...)
}
