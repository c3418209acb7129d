package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// keyOrder is the order keywords are written in, for people reading a
// schema top-down; other keys keep their place after these. (The reflector
// writes struct keywords first and extras last, so a nullable field's type
// would otherwise come after its description.)
var keyOrder = []string{"$schema", "$id", "$ref", "title", "description", "type", "enum", "const",
	"minimum", "maximum", "items", "properties", "required", "additionalProperties", "$defs"}

func rank(key string) int {
	for i, k := range keyOrder {
		if k == key {
			return i
		}
	}
	return len(keyOrder)
}

// pretty renders v as indented JSON with keywords in keyOrder, object
// properties in their given order, and <, >, & left as they are.
func pretty(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var buf bytes.Buffer
	if err := reorder(dec, &buf, false); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// reorder copies one JSON value from dec to w, reordering the keys of schema
// objects. Under "properties" and "$defs" the keys are names, kept in order.
func reorder(dec *json.Decoder, w *bytes.Buffer, names bool) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok := tok.(type) {
	case json.Delim:
		switch tok {
		case '[':
			w.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					w.WriteByte(',')
				}
				if err := reorder(dec, w, false); err != nil {
					return err
				}
			}
			_, err := dec.Token()
			w.WriteByte(']')
			return err
		case '{':
			type member struct {
				key string
				val bytes.Buffer
			}
			var ms []*member
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key, ok := k.(string)
				if !ok {
					return fmt.Errorf("schema: object key %v", k)
				}
				m := &member{key: key}
				if err := reorder(dec, &m.val, key == "properties" || key == "$defs"); err != nil {
					return err
				}
				ms = append(ms, m)
			}
			if _, err := dec.Token(); err != nil {
				return err
			}
			if !names {
				sort.SliceStable(ms, func(i, j int) bool { return rank(ms[i].key) < rank(ms[j].key) })
			}
			w.WriteByte('{')
			for i, m := range ms {
				if i > 0 {
					w.WriteByte(',')
				}
				writeString(w, m.key)
				w.WriteByte(':')
				w.Write(m.val.Bytes())
			}
			w.WriteByte('}')
			return nil
		}
		return fmt.Errorf("schema: unexpected %v", tok)
	case string:
		writeString(w, tok)
	case json.Number:
		w.WriteString(tok.String())
	case bool:
		fmt.Fprint(w, tok)
	case nil:
		w.WriteString("null")
	}
	return nil
}

func writeString(w *bytes.Buffer, s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	w.Write(bytes.TrimSuffix(b.Bytes(), []byte{'\n'}))
}
